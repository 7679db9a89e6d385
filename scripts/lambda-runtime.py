#!/usr/bin/env python3
"""A stand-in for the AWS Lambda Runtime API, for smoke tests of packaged bootstraps.

usage: lambda-runtime.py PORT EVENT_FILE
Serves EVENT_FILE to the first `invocation/next`, then prints the function's answer (the body of
its `response` or `error` post) on stdout and exits: 0 for a response, 1 for an error. Later
`next` polls wait until the process ends.
"""
import http.server
import sys
import threading
import time

port, event_path = int(sys.argv[1]), sys.argv[2]
event = open(event_path, "rb").read()
served = threading.Event()
result = {}


class Runtime(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            return self.reply(404, b"{}")
        if served.is_set():
            time.sleep(3600)
        served.set()
        deadline = int(time.time() * 1000) + 300_000
        self.send_response(200)
        for name, value in [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", "smoke-1"),
            ("Lambda-Runtime-Deadline-Ms", str(deadline)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:smoke"),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
            ("Content-Length", str(len(event))),
        ]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(event)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply(202, b'{"status":"OK"}')
        if "/runtime/invocation/" in self.path:
            result["kind"] = self.path.rsplit("/", 1)[-1]
            result["body"] = body
            threading.Thread(target=server.shutdown).start()

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Runtime)
server.daemon_threads = True
server.serve_forever()
sys.stdout.write(result["body"].decode())
sys.stdout.write("\n")
sys.exit(0 if result["kind"] == "response" else 1)
