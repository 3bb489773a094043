package frontdoor

import (
	"bytes"
	"encoding/json"
)

// The services list query parameters in the order the client sent them, and the codec rebuilds a
// v1 or ALB query string in the order the event lists them. A Go map would sort the keys, so an app
// behind slipway local would see a different query than the client sent; these types marshal as
// JSON objects whose keys keep their first appearance in the request.

// singleQuery is a key → one string object. With join empty the last value of a repeated key wins
// (REST, ALB single-value); otherwise repeats are joined with it (HTTP API 2.0: ",").
type singleQuery struct {
	params []queryParam
	join   string
}

// multiQuery is a key → list object with every value in order (REST, ALB multi-value).
type multiQuery []queryParam

func (q singleQuery) MarshalJSON() ([]byte, error) {
	keys, values := groupQuery(q.params)
	return marshalQuery(keys, func(k string) any {
		vs := values[k]
		if q.join == "" {
			return vs[len(vs)-1]
		}
		s := vs[0]
		for _, v := range vs[1:] {
			s += q.join + v
		}
		return s
	})
}

func (q multiQuery) MarshalJSON() ([]byte, error) {
	keys, values := groupQuery(q)
	return marshalQuery(keys, func(k string) any { return values[k] })
}

// groupQuery returns the distinct keys in first-appearance order and each key's values in order.
func groupQuery(params []queryParam) ([]string, map[string][]string) {
	keys := make([]string, 0, len(params))
	values := make(map[string][]string, len(params))
	for _, p := range params {
		if _, seen := values[p.key]; !seen {
			keys = append(keys, p.key)
		}
		values[p.key] = append(values[p.key], p.value)
	}
	return keys, values
}

func marshalQuery(keys []string, value func(string) any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(value(k))
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
