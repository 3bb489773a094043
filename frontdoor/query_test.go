package frontdoor

import (
	"encoding/json"
	"strings"
	"testing"
)

// objectKeys returns the keys of the JSON object at field name of the raw event, in wire order.
func objectKeys(t *testing.T, payload []byte, name string) []string {
	t.Helper()
	var ev map[string]json.RawMessage
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	raw, ok := ev[name]
	if !ok || string(raw) == "null" {
		t.Fatalf("event has no %s: %s", name, payload)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// The event lists query keys in the order the client sent them (never sorted), with repeated
// values in order, because the codec rebuilds v1 and ALB query strings from that order.
func TestQueryKeysKeepTheClientsOrder(t *testing.T) {
	const query = "?zeta=1&alpha=2&mid=3&alpha=4"
	cases := []struct {
		cfg    Config
		fields []string
		want   string // the values of "alpha" as the event's field shows them
	}{
		{Config{Kind: REST}, []string{"queryStringParameters", "multiValueQueryStringParameters"}, `["2","4"]`},
		{Config{Kind: HTTPAPI}, []string{"queryStringParameters"}, `"2,4"`},
		{Config{Kind: URL}, []string{"queryStringParameters"}, `"2,4"`},
		{Config{Kind: ALB}, []string{"queryStringParameters"}, `"4"`},
		{Config{Kind: ALB, ALBMultiValue: true}, []string{"multiValueQueryStringParameters"}, `["2","4"]`},
	}
	for _, c := range cases {
		t.Run(kindName(c.cfg), func(t *testing.T) {
			td := startDoor(t, c.cfg, result(okResult))
			td.get(t, "/q"+query, nil)
			payload := td.fn.lastReq().Payload
			for _, f := range c.fields {
				if got := strings.Join(objectKeys(t, payload, f), ","); got != "zeta,alpha,mid" {
					t.Errorf("%s keys = %s, want zeta,alpha,mid (the client's order)", f, got)
				}
			}
			var ev map[string]json.RawMessage
			if err := json.Unmarshal(payload, &ev); err != nil {
				t.Fatal(err)
			}
			last := c.fields[len(c.fields)-1]
			var values map[string]json.RawMessage
			if err := json.Unmarshal(ev[last], &values); err != nil {
				t.Fatal(err)
			}
			if got := string(values["alpha"]); got != c.want {
				t.Errorf("%s[alpha] = %s, want %s", last, got, c.want)
			}
		})
	}
}
