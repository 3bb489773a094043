"""An SQS consumer written as a small web app (Python standard library only).

Lambda hands an SQS batch to the function; slipway, seeing an event that is not an HTTP request,
POSTs its JSON as is to AWS_LWA_PASS_THROUGH_PATH (default /events). The app processes each
message and answers with the ids of the ones that failed, in the partial batch response shape
SQS understands:

    {"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}

SQS then deletes the messages that succeeded and makes only the failed ones visible again. An
answer with a 5xx status fails the whole invocation, so the whole batch is retried.
"""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 6 << 20  # Lambda's synchronous payload limit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sqs-example"
    # Headers and body leave in separate writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold the body back ~40 ms on every keep-alive response.
    disable_nagle_algorithm = True

    def do_GET(self):
        # The adapter's readiness check, and a friendly answer to anyone else.
        if self.path == "/":
            return self.send_json(200, {"app": "sqs", "passThroughPath": "/events"})
        self.send_json(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/events":
            return self.send_json(404, {"error": "not found"})
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            return self.send_json(400, {"error": "a Content-Length up to 6 MB is required"})
        try:
            event = json.loads(self.rfile.read(int(length)))
            records = event["Records"]
            if not isinstance(records, list):
                raise TypeError("Records is not a list")
        except (ValueError, KeyError, TypeError) as err:
            # Nothing in the batch can be trusted: fail the invocation so SQS retries it all
            # (and moves it to the dead-letter queue after maxReceiveCount).
            return self.send_json(500, {"error": f"not an SQS event: {err}"})
        failures = []
        for record in records:
            message_id = record.get("messageId") if isinstance(record, dict) else None
            try:
                process(record)
            except ValueError as err:
                log(f"message {message_id}: {err}")
                if message_id:
                    failures.append({"itemIdentifier": message_id})
        log(f"batch of {len(records)}: {len(records) - len(failures)} processed, {len(failures)} failed")
        self.send_json(200, {"batchItemFailures": failures})

    def send_json(self, code, value):
        data = json.dumps(value).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def process(record):
    """Handles one order message; raises ValueError for a message that cannot be processed."""
    if not isinstance(record, dict) or not isinstance(record.get("body"), str):
        raise ValueError("record without a body")
    try:
        order = json.loads(record["body"])
    except ValueError:
        raise ValueError("body is not JSON") from None
    if not isinstance(order, dict) or not isinstance(order.get("orderId"), str):
        raise ValueError("body has no orderId")
    quantity = order.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValueError(f"order {order['orderId']}: quantity must be a positive integer")
    log(f"order {order['orderId']}: {quantity} x {order.get('sku', '?')}")


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("", port), Handler)
    server.daemon_threads = True
    # Lambda sends SIGTERM before stopping the process; nothing is left to finish between
    # batches, so exit at once.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log(f"sqs example listening on port {port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
