#!/usr/bin/env python3
"""Lambda cold start: from spawning a binary in Lambda mode to its first poll of the Runtime API,
or, given a request path, to its first answer, against a local stand-in of the Runtime API.

usage: bench-lambda-start.py RUNS COMMAND [--path PATH] [ENV=VALUE ...]
COMMAND is the binary, or a quoted command line (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu
bootstrap"). Without --path, the first poll is answered with nothing and the process is killed:
start-up alone (runtime, configuration, clients). With --path, the poll is answered with an API
Gateway HTTP API (payload 2.0) GET of PATH, and the time is taken when the function posts its
answer, which must be a 200: start-up, init work, the reads the answer needs, the answer. Every
run is a new process (a cold start); the first run warms the page cache and is dropped. Prints
mean, median, min and max in milliseconds. BENCH_STDERR=1 shows the function's stderr.
"""
import json
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the clone
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lambda_runtime import Server  # noqa: E402 (the stand-in beside this script)

def api_event(path):
    raw, _, query = path.partition("?")
    return json.dumps({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw,
        "rawQueryString": query,
        "headers": {"accept": "application/json", "host": "bench.execute-api.us-east-1.amazonaws.com"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "http": {"method": "GET", "path": raw, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "bench"},
            "requestId": "bench",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 1795255200000,
        },
        "isBase64Encoded": False,
    }).encode()


def main():
    args = sys.argv[1:]
    runs, command = int(args[0]), shlex.split(args[1])
    path = None
    rest = args[2:]
    if rest[:1] == ["--path"]:
        path, rest = rest[1], rest[2:]
    env = dict(os.environ)
    env.update(
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
    env.update(kv.split("=", 1) for kv in rest)
    event = api_event(path) if path else None
    times = []
    for _ in range(runs + 1):
        # Each run has its own server: a poll that reaches a server after its run (the killed
        # process's next poll, read late) is held, never taken for the next run's first.
        server = Server(0, event, "bench", 30_000, 5)
        done = server.answered if path else server.polled
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{server.server_address[1]}"
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=None if os.environ.get("BENCH_STDERR") else subprocess.DEVNULL)
        if not done.wait(30):
            proc.kill()
            sys.exit(f"{args[1]} did not {'answer' if path else 'poll'} within 30 s")
        times.append((time.perf_counter() - start) * 1000)
        proc.kill()
        proc.wait()
        server.shutdown()
        server.server_close()
        if path:
            kind, body = server.answer
            status = json.loads(body).get("statusCode") if kind == "response" else None
            if status != 200:
                sys.exit(f"{args[1]} answered {path} with {kind} {body[:300]!r}")
    times = times[1:]
    what = f"start to the answer of GET {path}" if path else "start to first poll"
    name = os.path.basename(command[-1])
    if name == "bootstrap":
        name = os.path.basename(os.path.dirname(command[-1])) + "/bootstrap"
    if len(command) > 1:
        name = f"{name} under {os.path.basename(command[0])}"
    print(
        f"{name}: {what}, {runs} runs: median {statistics.median(times):.1f} ms, "
        f"mean {statistics.mean(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms"
    )


if __name__ == "__main__":
    main()
