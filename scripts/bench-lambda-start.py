#!/usr/bin/env python3
"""Lambda process start time: from spawning a binary in Lambda mode to its first poll of the
Runtime API (`GET /2018-06-01/runtime/invocation/next`), against a local fake Runtime API.

usage: bench-lambda-start.py RUNS BINARY [ENV=VALUE ...]
Prints mean, min, max and median in milliseconds. The poll is answered with nothing (the
process is killed once it has polled), so only start-up is measured: runtime, config, clients.
"""
import http.server
import os
import statistics
import subprocess
import sys
import threading
import time

polled = threading.Event()


class Runtime(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            polled.set()
            time.sleep(5)  # hold the poll; the process is killed meanwhile
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    runs, binary, extra = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ)
    env.update(
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
        AWS_LAMBDA_FUNCTION_NAME="bench",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/bench",
        AWS_LAMBDA_LOG_STREAM_NAME="bench",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(kv.split("=", 1) for kv in extra)
    times = []
    for _ in range(runs + 1):  # the first run warms the page cache and is dropped
        polled.clear()
        start = time.perf_counter()
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not polled.wait(10):
            proc.kill()
            sys.exit(f"{binary} did not poll the Runtime API within 10 s")
        times.append((time.perf_counter() - start) * 1000)
        proc.kill()
        proc.wait()
    times = times[1:]
    print(
        f"{os.path.basename(binary)}: start to first poll, {runs} runs: mean {statistics.mean(times):.1f} ms, "
        f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
