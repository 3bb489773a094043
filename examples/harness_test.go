package examples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// logBuffer collects a process's output for waiting on and for failure reports.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail returns the last n bytes, cut at a line start, so a failure report stays readable.
func (b *logBuffer) tail(n int) string {
	s := b.String()
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "…\n" + s
}

// proc is a process started by a test: slipway local, slipway run or an app. It is stopped
// when the test ends, its output is printed if the test failed, and nothing it started may be
// left running.
type proc struct {
	t    testing.TB
	name string
	cmd  *exec.Cmd
	out  *logBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, once done is closed
}

// startProc starts argv in dir with testEnv(t, env...) and registers its clean-up.
func startProc(t testing.TB, name, dir string, argv []string, env ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, out: &logBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Env = testEnv(t, env...)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("output of %s (%s):\n%s", name, strings.Join(argv, " "), p.out.tail(24<<10))
		}
		if left := waitForNoProcesses(testMarker(t), 5*time.Second); len(left) > 0 {
			t.Errorf("processes left running after %s stopped (now killed):\n%s", name, describeProcesses(left))
			killProcesses(left)
		}
	})
	return p
}

// stop asks the process to stop as Lambda and ECS do (SIGTERM), and kills it if it has not
// exited after a while.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.t.Errorf("%s did not exit within 15 s of SIGTERM; killing it", p.name)
		p.cmd.Process.Kill()
		<-p.done
	}
}

// waitOutput waits until the process's output matches re and returns the first submatch.
func (p *proc) waitOutput(re *regexp.Regexp, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			return m[1]
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s exited (%v) before printing %q", p.name, p.err, re)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not print %q within %v", p.name, re, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// localServer is a running `slipway local`.
type localServer struct {
	*proc
	base string // http://127.0.0.1:port, front door and Invoke API
}

var invokeAPILine = regexp.MustCompile(`Invoke API on (http://[^/\s]+)/`)

// startLocal runs `slipway local FLAGS -- CMD` in dir on a free loopback port. Requests of a
// test are serial, but an environment stays busy until its runtime asks for the next event, a
// moment after the response; on a loaded machine that moment can outlast slipway's short wait
// for it, and a concurrency of 1 would then throttle. A few environments keep the tests about
// the app, not about CPU contention.
func startLocal(t testing.TB, name, dir string, flags, command []string, env ...string) *localServer {
	t.Helper()
	argv := []string{slipwayBin, "local", "--listen", "127.0.0.1:0", "--concurrency", "4", "--shutdown-grace", "1s"}
	argv = append(argv, flags...)
	argv = append(argv, "--")
	argv = append(argv, command...)
	p := startProc(t, name, dir, argv, env...)
	return &localServer{proc: p, base: p.waitOutput(invokeAPILine, 20*time.Second)}
}

// client talks to the processes under test. It sends requests exactly as built (no automatic
// Accept-Encoding, so bodies arrive as the function sent them) and never follows redirects.
var client = &http.Client{
	Timeout:       60 * time.Second,
	Transport:     &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// request describes one HTTP request of a test.
type request struct {
	method string
	target string     // path and query, sent as written
	header [][]string // name, value pairs in order; repeated names stay separate lines
	body   []byte
}

// send makes req against base and returns the response with its whole body.
func send(t testing.TB, base string, req request) (*http.Response, []byte) {
	t.Helper()
	method := req.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	r, err := http.NewRequest(method, base+req.target, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.target, err)
	}
	for _, h := range req.header {
		r.Header.Add(h[0], h[1])
	}
	resp, err := client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, req.target, err)
	}
	return resp, b
}

// echoReply is what every example's /echo route answers.
type echoReply struct {
	App            string              `json:"app"`
	Method         string              `json:"method"`
	Path           string              `json:"path"`
	RawQuery       string              `json:"rawQuery"`
	Query          map[string][]string `json:"query"`
	Headers        map[string][]string `json:"headers"`
	Cookies        map[string]string   `json:"cookies"`
	Body           digest              `json:"body"`
	RequestContext json.RawMessage     `json:"requestContext"`
	LambdaContext  json.RawMessage     `json:"lambdaContext"`
}

type digest struct {
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
}

// echo sends req and decodes the app's /echo answer, failing unless the status is 200.
func echo(t testing.TB, base string, req request) echoReply {
	t.Helper()
	resp, body := send(t, base, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d, body %.500q", req.method, req.target, resp.StatusCode, body)
	}
	var e echoReply
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s %s: not an echo reply (%v): %.500q", req.method, req.target, err, body)
	}
	return e
}

// startOnPort starts argv with PORT set to a loopback port that was free a moment ago and
// waits until it answers GET /. Another test may take the port in between; the app then exits
// (address in use) and it is tried again on another port. slipway local picks its own ports.
func startOnPort(t testing.TB, name, dir string, argv []string) (p *proc, base string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		p = startProc(t, name, dir, argv, "PORT="+port)
		base = "http://127.0.0.1:" + port
		err = waitHTTP(p, base+"/", 20*time.Second)
		if err == nil {
			return p, base
		}
		if _, exited := err.(exitError); !exited || attempt == 3 {
			t.Fatal(err)
		}
	}
}

// exitError reports a process that exited while it was waited for.
type exitError struct{ error }

// waitHTTP polls url until it answers, the process exits or the timeout passes.
func waitHTTP(p *proc, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-p.done:
			return exitError{fmt.Errorf("%s exited (%v) before answering %s", p.name, p.err, url)}
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s within %v: %v", p.name, url, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func describe(req request) string {
	return fmt.Sprintf("%s %s", req.method, req.target)
}
