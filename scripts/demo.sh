#!/usr/bin/env bash
# `make demo`: DynamoDB Local persisted under .local/dynamodb, the table, and one ETL pass over
# the bundled real-data snapshot (offline). LIVE=1 uses the live NYT and JHU URLs instead.
# Then a second pass shows the nothing-new path. DynamoDB Local is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${DDB_PORT:-8000}
bin=${CARGO_TARGET_DIR:-$HOME/.cache/covid-us-etl/target}/release/etl
log=.local/dynamodb-local.log
mkdir -p .local

if curl -s -o /dev/null "http://127.0.0.1:$port"; then
  echo "demo: port $port is in use; set DDB_PORT to a free port" >&2
  exit 1
fi
scripts/dynamodb-local.sh "$port" .local/dynamodb >"$log" 2>&1 &
ddb=$!
trap 'kill $ddb 2>/dev/null; wait $ddb 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port" && break
  kill -0 $ddb 2>/dev/null || { echo "demo: DynamoDB Local did not start:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true
export TABLE_NAME=${TABLE_NAME:-covid-us}
if [ "${LIVE:-0}" = 1 ]; then
  unset NYT_URL JHU_URL
  echo "demo: live sources (needs network access to raw.githubusercontent.com)"
else
  export NYT_URL=data/snapshot/nyt-us.csv
  export JHU_URL=data/snapshot/jhu-time-series-19-covid-combined.csv.gz
fi

"$bin" init
echo "demo: first pass"
"$bin" run
echo "demo: second pass (nothing new)"
"$bin" run
echo "demo: table $TABLE_NAME in DynamoDB Local, persisted under .local/dynamodb ('make clean-demo' removes it)"
