#!/usr/bin/env bash
# `make bench`: times whole `etl run` processes (release build) on DynamoDB Local (in memory)
# with the bundled snapshot, and reports DynamoDB requests per run. Method: see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-10}
bin=${CARGO_TARGET_DIR:-$HOME/.cache/covid-us-etl/target}/release/etl
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
scripts/dynamodb-local.sh "$port" >/dev/null 2>&1 &
ddb=$!
trap 'kill $ddb 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port"; do sleep 0.2; done

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
export NYT_URL=data/snapshot/nyt-us.csv JHU_URL=data/snapshot/jhu-time-series-19-covid-combined.csv.gz
export RUST_LOG=warn

# Warm the JVM of DynamoDB Local once (untimed), as a long-running DynamoDB would be.
for i in 1 2 3; do TABLE_NAME=warm-$i "$bin" init; TABLE_NAME=warm-$i "$bin" run >/dev/null; done

echo "# etl run, $runs runs each, $(nproc) cores, DynamoDB Local in memory on loopback"
# Initial load: each timed run on a fresh, empty table (created untimed by `etl init`).
hyperfine --runs "$runs" --style basic --export-markdown .local/bench-initial.md \
  --prepare 'export TABLE_NAME=load-$(date +%s%N) && echo $TABLE_NAME > .local/bench-table && '"$bin"' init' \
  -n "initial load (420 days)" 'TABLE_NAME=$(cat .local/bench-table) '"$bin"' run'
# Nothing new: the same table, already loaded.
export TABLE_NAME=steady
"$bin" init && "$bin" run >/dev/null
hyperfine --runs "$runs" --warmup 1 --style basic --export-markdown .local/bench-unchanged.md \
  -n "nothing-new run" "$bin run"

echo "# DynamoDB requests per run (counted by the SDK interceptor)"
TABLE_NAME=count-load "$bin" init
echo "initial load: $(TABLE_NAME=count-load "$bin" run | tail -n 1)"
echo "nothing new:  $(TABLE_NAME=count-load "$bin" run | tail -n 1)"
cat .local/bench-initial.md .local/bench-unchanged.md
