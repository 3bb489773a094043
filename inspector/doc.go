// Package inspector is the small web app slipway local runs when it is given no app of its own:
// it shows each request exactly as an app behind slipway receives it — method, path, raw and
// parsed query, headers in arrival order with repeats, cookies, the decoded x-amzn-request-context
// and x-amzn-lambda-context headers, and the body — as an HTML page, or as JSON for
// Accept: application/json. A few extra routes (/stream, /status/{code}, /cookies, /binary) let a
// newcomer try Lambda behaviours through the front doors.
package inspector
