#!/usr/bin/env bash
# `make package`: starts both packaged arm64 bootstraps under qemu-user, each against a stand-in
# of the Lambda Runtime API (scripts/lambda_runtime.py), on DynamoDB Local: the ETL answers a
# scheduled event by loading the bundled snapshot, and a step of the county archive's state
# machine; the API answers an API Gateway v2 request for
# /v1/series. Fails loudly on anything else.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
lambda=$CARGO_TARGET_DIR/lambda
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
dir=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "smoke-arm64: $*" >&2; exit 1; }

for fn in etl api; do
  file -L "$lambda/$fn/bootstrap" | grep -q 'ARM aarch64' || fail "$lambda/$fn/bootstrap is not an arm64 executable"
done
start_dynamodb "$(free_port)"
PIDS+=("$DDB_PID")
export TABLE_NAME=smoke NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU RUST_LOG=info
export NYT_STATES_URL=$SNAPSHOT_STATES POPULATION_URL=$SNAPSHOT_POPULATION
export NYT_COUNTIES_URL=$SNAPSHOT_COUNTIES
export AWS_LAMBDA_FUNCTION_VERSION='$LATEST' AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512
export AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/smoke AWS_LAMBDA_LOG_STREAM_NAME=smoke
"${qemu[@]}" "$lambda/etl/bootstrap" init

# invoke FUNCTION EVENT: one invocation through the runtime stand-in; prints the answer.
invoke() {
  local port started
  port=$(free_port)
  python3 scripts/lambda_runtime.py "$port" "$2" >"$dir/$1.answer" &
  local runtime=$!
  started=$(date +%s%N)
  AWS_LAMBDA_RUNTIME_API=127.0.0.1:$port AWS_LAMBDA_FUNCTION_NAME=$1 \
    "${qemu[@]}" "$lambda/$1/bootstrap" >"$dir/$1.log" 2>&1 &
  PIDS+=($!)
  wait "$runtime" || { cat "$dir/$1.log" >&2; fail "$1 answered with an error: $(cat "$dir/$1.answer")"; }
  echo "smoke-arm64: $1 answered in $(( ($(date +%s%N) - started) / 1000000 )) ms under qemu" >&2
  cat "$dir/$1.answer"
}

invoke etl etl/tests/fixtures/scheduled-event.json | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert (s["status"], s["inserted"], s["last_date"]) == ("ok", 420, "2021-03-16"), s
print("smoke-arm64: etl loaded %d days, %d DynamoDB requests" % (s["inserted"], s["dynamodb_requests"]))'

# The same bootstrap as the county archive's function (CountyArchiveFunction): a validate step
# of the state machine on NYT's real whole county history of 2020-05-02, read gzipped.
printf '{"county_archive":{"step":"validate","source":"%s","vintage":"2020-05-01"}}' \
  "$PWD/data/snapshot/nyt-us-counties-2020-05-01.csv.gz" > "$dir/archive-event.json"
invoke etl "$dir/archive-event.json" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert (s["rows"], s["blocks"], s["first_date"], s["last_date"]) == (106826, 4, "2020-01-21", "2020-05-01"), s
print("smoke-arm64: the archive step validated %d rows in %d blocks" % (s["rows"], s["blocks"]))'

invoke api api/tests/fixtures/apigw-v2-get.json | python3 -c '
import base64, json, sys
r = json.load(sys.stdin)
assert r["statusCode"] == 200, r
body = base64.b64decode(r["body"]) if r.get("isBase64Encoded") else r["body"].encode()
series = json.loads(body)
dates = [d["date"] for d in series["data"]]
assert dates == ["2021-03-15", "2021-03-16"], dates
print("smoke-arm64: api answered /v1/series?from=2021-03-15 with %d days" % len(dates))'
