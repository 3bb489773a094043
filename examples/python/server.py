"""A web app using only Python's standard library (http.server).

Nothing here knows about Lambda: it reads PORT and serves HTTP/1.1. slipway turns each Lambda
event into an HTTP request to it, and the same file runs unchanged in a container or on a laptop.
"""

import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

MAX_BODY = 10 << 20
MAX_BINARY = 10 << 20
PATTERN = bytes(range(251))  # byte i of /binary is i % 251
ROUTES = ["/echo", "/binary?size=N", "/upload", "/cookies", "/status/{code}", "/stream"]


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive between requests (the adapter pools them) and allows
    # chunked responses for /stream.
    protocol_version = "HTTP/1.1"
    server_version = "python-example"
    # Headers and body leave in separate writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold the body back ~40 ms on every keep-alive response.
    disable_nagle_algorithm = True

    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def route(self):
        path, _, raw_query = self.path.partition("?")
        query = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        try:
            body = self.read_body()
        except BadRequest as err:
            self.close_connection = True
            return self.send_json(400, {"error": str(err)})

        if path == "/" and self.command == "GET":
            return self.send_json(200, {"app": "python", "routes": ROUTES})
        if path == "/echo" or path.startswith("/echo/"):
            return self.echo(path, raw_query, query, body)
        if path == "/binary" and self.command == "GET":
            return self.binary(query)
        if path == "/upload" and self.command == "POST":
            return self.send_json(200, dict(digest(body), contentType=self.headers.get("Content-Type")))
        if path == "/cookies" and self.command == "GET":
            return self.send_json(200, {"set": ["session", "theme"]}, cookies=[
                "session=abc123; Path=/; HttpOnly",
                "theme=dark; Path=/; Max-Age=3600",
            ])
        m = re.fullmatch(r"/status/([^/]+)", path)
        if m:
            return self.status(m.group(1))
        if path == "/stream" and self.command == "GET":
            return self.stream(query)
        self.send_json(404, {"error": "not found", "path": path})

    # What the app received, for the end-to-end tests and for anyone curious about what a
    # Lambda event turns into.
    def echo(self, path, raw_query, query, body):
        headers = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        self.send_json(200, {
            "app": "python",
            "method": self.command,
            "path": path,
            "rawQuery": raw_query,
            "query": query,
            "headers": headers,
            "cookies": parse_cookies(headers.get("cookie", [])),
            "body": digest(body),
            "requestContext": parse_json_header(self.headers.get("x-amzn-request-context")),
            "lambdaContext": parse_json_header(self.headers.get("x-amzn-lambda-context")),
        })

    # size bytes where byte i is i % 251: deterministic, not valid UTF-8, so it travels base64.
    def binary(self, query):
        raw = query.get("size", ["1024"])[0]
        if not raw.isdigit() or int(raw) > MAX_BINARY:
            return self.send_json(400, {"error": f"size must be an integer from 0 to {MAX_BINARY}"})
        size = int(raw)
        data = (PATTERN * (size // len(PATTERN) + 1))[:size]
        self.send_bytes(200, "application/octet-stream", data)

    def status(self, raw):
        if not raw.isdigit() or not 200 <= int(raw) <= 599:
            return self.send_json(400, {"error": "code must be from 200 to 599"})
        code = int(raw)
        if code in (204, 304):
            self.send_response(code)
            self.end_headers()
            return
        self.send_json(code, {"status": code})

    # Chunks written with pauses in between, each stamped with the time it was written, so a
    # client can tell whether it got the first one before the last one existed.
    def stream(self, query):
        chunks = min(int_param(query, "chunks", 5), 100)
        delay = min(int_param(query, "delay", 200), 5000)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(chunks):
            if i > 0:
                time.sleep(delay / 1000)
            data = f"chunk {i} at {int(time.time() * 1000)}\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self.read_chunked()
        raw = self.headers.get("Content-Length", "0")
        if not raw.isdigit():
            raise BadRequest("invalid Content-Length")
        if int(raw) > MAX_BODY:
            raise BadRequest(f"body over {MAX_BODY} bytes")
        return self.rfile.read(int(raw))

    def read_chunked(self):
        body = bytearray()
        while True:
            line = self.rfile.readline(100).strip()
            try:
                size = int(line.split(b";")[0], 16)
            except ValueError:
                raise BadRequest("invalid chunk size") from None
            if size == 0:
                while self.rfile.readline(8192).strip():  # trailers
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY:
                raise BadRequest(f"body over {MAX_BODY} bytes")
            body += self.rfile.read(size)
            self.rfile.readline(3)

    def send_json(self, code, value, cookies=()):
        data = json.dumps(value, separators=(",", ":")).encode()
        self.send_bytes(code, "application/json", data, cookies)

    def send_bytes(self, code, content_type, data, cookies=()):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def digest(body):
    return {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def int_param(query, name, default):
    raw = query.get(name, [""])[0]
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def parse_cookies(lines):
    cookies = {}
    for part in "; ".join(lines).split(";"):
        name, eq, value = part.partition("=")
        if eq and name.strip():
            cookies[name.strip()] = value.strip()
    return cookies


def parse_json_header(value):
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def main():
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("", port), Handler)
    server.daemon_threads = True
    # Lambda (and ECS) send SIGTERM before stopping the process: stop accepting, then exit.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"python example listening on port {port}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
