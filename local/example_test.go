package local_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/slipway-dev/slipway/local"
)

// A custom runtime (here ./bootstrap, an aws-lambda-go binary) as an emulated function, invoked
// directly and served on the Lambda Invoke API.
func Example() {
	fn, err := local.New(local.Config{
		Name:        "orders",
		Command:     []string{"./bootstrap"},
		Runtime:     true,
		Concurrency: 4,
		Timeout:     10 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer fn.Shutdown(context.Background())

	resp, err := fn.Invoke(context.Background(), &local.Request{Payload: []byte(`{"id":42}`)})
	if err != nil {
		log.Fatal(err) // e.g. local.ErrThrottled
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s %v %s\n", resp.RequestID, resp.Failure, body)
	fmt.Printf("%s", resp.Log()) // START … END, REPORT with memory and cost

	// aws lambda invoke --endpoint-url http://127.0.0.1:9000 --function-name orders out.json
	go http.ListenAndServe("127.0.0.1:9000", local.InvokeAPI(fn))
}
