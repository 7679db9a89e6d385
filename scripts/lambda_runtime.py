#!/usr/bin/env python3
"""A stand-in for the AWS Lambda Runtime API: the smoke tests of the packaged bootstraps run it
as a command, and the cold-start benchmark (bench-lambda-start.py) imports its server.

usage: lambda_runtime.py PORT EVENT_FILE
Serves EVENT_FILE to the first `invocation/next`, then prints the function's answer (the body of
its `response` or `error` post) on stdout and exits: 0 for a response, 1 for an error. Later
`next` polls wait until the process ends.
"""
import http.server
import sys
import threading
import time


class Runtime(http.server.BaseHTTPRequestHandler):
    """The Runtime API's two calls: `next` (the first poll gets the server's event, if any;
    every other poll is held) and the invocation's `response` or `error`, which the server
    keeps as `answer` (its kind and body)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            return self.reply(404, b"{}")
        server = self.server
        first = not server.polled.is_set()
        server.polled.set()
        if server.event is None or not first:
            time.sleep(server.hold)  # held; the process ends meanwhile
            return
        self.send_response(200)
        for name, value in [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", f"{server.name}-1"),
            ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + server.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", f"arn:aws:lambda:us-east-1:123456789012:function:{server.name}"),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
            ("Content-Length", str(len(server.event))),
        ]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(server.event)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply(202, b'{"status":"OK"}')
        if "/runtime/invocation/" in self.path:
            self.server.answer = (self.path.rsplit("/", 1)[-1], body)
            self.server.answered.set()

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    """One function's Runtime API on 127.0.0.1:`port` (0: any free port), serving `event`
    (bytes; `None`: no invocation) with `deadline_ms` to run, holding later polls `hold` s."""

    daemon_threads = True

    def __init__(self, port, event, name, deadline_ms, hold):
        super().__init__(("127.0.0.1", port), Runtime)
        self.event, self.name, self.deadline_ms, self.hold = event, name, deadline_ms, hold
        self.polled, self.answered = threading.Event(), threading.Event()
        self.answer = None

    def handle_error(self, request, client_address):
        pass  # a killed process's connection reset


def main():
    port, event_path = int(sys.argv[1]), sys.argv[2]
    server = Server(port, open(event_path, "rb").read(), "smoke", 300_000, 3600)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.answered.wait()
    kind, body = server.answer
    sys.stdout.write(body.decode())
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(0 if kind == "response" else 1)


if __name__ == "__main__":
    main()
