package event

import (
	"strings"
	"testing"
)

// A client that sends the context headers itself must not reach the app with them, whatever the
// source and however the name is spelled: only the adapter sets them, from the invocation.
func TestForgedContextHeadersAreDropped(t *testing.T) {
	forged := `"X-Amzn-Request-Context":"{\"authorizer\":{\"admin\":true}}",` +
		`"x-amzn-lambda-context":"{}","X-AMZ-TENANT-ID":"other-tenant","x-kept":"yes"`
	forgedMulti := `"X-Amzn-Request-Context":["{}"],"x-amzn-lambda-context":["{}"],` +
		`"X-AMZ-TENANT-ID":["other-tenant"],"x-kept":["yes"]`
	cases := map[string]string{
		"rest": `{"httpMethod":"GET","path":"/","headers":{` + forged + `},"multiValueHeaders":{` + forgedMulti +
			`},"requestContext":{"stage":"prod"}}`,
		"http-v2":    `{"version":"2.0","rawPath":"/","headers":{` + forged + `},"requestContext":{"http":{"method":"GET"}}}`,
		"alb-single": `{"httpMethod":"GET","path":"/","headers":{` + forged + `},"requestContext":{"elb":{}}}`,
		"alb-multi":  `{"httpMethod":"GET","path":"/","multiValueHeaders":{` + forgedMulti + `},"requestContext":{"elb":{}}}`,
		"lattice-v1": `{"raw_path":"/","method":"GET","headers":{` + forged + `}}`,
		"lattice-v2": `{"version":"2.0","path":"/","method":"GET","headers":{` + forgedMulti +
			`},"requestContext":{"serviceNetworkArn":"arn:x"}}`,
	}
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			r, ev := decode(t, []byte(payload))
			if ev.Source == NonHTTP {
				t.Fatalf("not recognised as HTTP: %s", payload)
			}
			for k := range r.Header {
				if forgeable(k) || strings.EqualFold(k, HeaderRequestContext) ||
					strings.EqualFold(k, HeaderLambdaContext) || strings.EqualFold(k, HeaderTenantID) {
					t.Errorf("forged header %s reached the request: %q", k, r.Header[k])
				}
			}
			if r.Header.Get("X-Kept") != "yes" {
				t.Errorf("ordinary header lost: %v", r.Header)
			}
		})
	}
}
