"""Python (standard library, threaded http.server) test app of the adapter's end-to-end tests."""
import base64
import hashlib
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a production server

    def log_message(self, fmt, *args):
        sys.stderr.write("pyapp: " + (fmt % args) + "\n")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, status, body, ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route(self):
        url = urlsplit(self.path)
        path, m = url.path, self.command
        if path == "/health" and m == "GET":
            return self.send(200, b"ok")
        if path == "/echo":
            headers = {}
            for k, v in self.headers.items():
                headers.setdefault(k.lower(), []).append(v)
            doc = {"method": m, "path": path, "query": url.query, "headers": headers,
                   "body": base64.b64encode(self.body()).decode()}
            return self.send(200, json.dumps(doc).encode(), "application/json")
        if path == "/upload" and m == "POST":
            b = self.body()
            doc = {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
            return self.send(200, json.dumps(doc).encode(), "application/json")
        if path == "/binary" and m == "GET":
            n = int(parse_qs(url.query).get("n", ["0"])[0])
            return self.send(200, bytes(i % 251 for i in range(n)), "application/octet-stream")
        if path == "/cookies" and m == "GET":
            return self.send(200, (self.headers.get("Cookie") or "").encode(), "text/plain",
                             [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/; HttpOnly")])
        if path == "/stream" and m == "GET":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(3):
                if i:
                    time.sleep(0.1)
                data = ("chunk-%d\n" % i).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/fail" and m == "GET":
            return self.send(500, b"boom")
        if path == "/events" and m == "POST":
            doc = {"received": json.loads(self.body() or b"null")}
            return self.send(200, json.dumps(doc).encode(), "application/json")
        if path == "/crash" and m == "GET":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"partial")
            self.wfile.flush()
            time.sleep(0.05)
            os._exit(3)
        if path == "/hang":
            time.sleep(3600)
        self.body()
        return self.send(404, b"not found")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = route


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    sys.stderr.write("pyapp listening on %d\n" % server.server_port)
    server.serve_forever()
