#!/usr/bin/env bash
# The browser test (part of `make test`): DynamoDB Local in memory, loaded by the real ETL from
# the snapshot; the api in local mode serving web/dist; then node's test runner drives Debian
# Chromium through playwright-core (web/e2e). Screenshots go to test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=$CARGO_TARGET_DIR/debug
[ -f web/dist/index.html ] || { echo "e2e: web/dist is not built: run 'make web'" >&2; exit 1; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

start_dynamodb "$(free_port)"
pids+=("$DDB_PID")
export TABLE_NAME=e2e NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU RUST_LOG=warn
"$bin/etl" init
"$bin/etl" run >/dev/null

port=$(free_port)
LISTEN_ADDR=127.0.0.1:$port SITE_DIR=web/dist "$bin/api" &
pids+=($!)
wait_http "http://127.0.0.1:$port/v1/status" "${pids[-1]}" api
SITE_URL=http://127.0.0.1:$port node --test --test-reporter=spec web/e2e/
