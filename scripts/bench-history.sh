#!/usr/bin/env bash
# `make bench`: the revision history. Replays daily snapshots of the bundled NYT files (cut at
# each vintage, the last two days under-reported: testkit::publications), national and states, run
# after run with `etl run` on DynamoDB Local, and reports time and DynamoDB requests per run,
# the history's size, and `etl backfill` over the same snapshots. Method: see BENCHMARKS.md.
# BASELINE=<etl binary> also replays with that binary (one built before history was kept).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
count=${SNAPSHOTS:-60}
first=${FIRST_VINTAGE:-2020-03-01}
bin=$CARGO_TARGET_DIR/release/etl
mkdir -p .local
snapshots=.local/history-snapshots
"$CARGO_TARGET_DIR/release/history-snapshots" "$snapshots" "$first" "$count"
start_dynamodb "$(free_port)"
trap 'kill $DDB_PID 2>/dev/null || true' EXIT
export JHU_URL=$SNAPSHOT_JHU POPULATION_URL=$SNAPSHOT_POPULATION NYT_COUNTIES_URL= RUST_LOG=warn

# Warm the JVM of DynamoDB Local once (untimed).
TABLE_NAME=warm-history "$bin" init
NYT_URL=$SNAPSHOT_NYT NYT_STATES_URL=$SNAPSHOT_STATES TABLE_NAME=warm-history "$bin" run >/dev/null

replay() { # <label> <etl binary>
  local table=replay-$1-$(date +%s%N) started ended requests=0
  TABLE_NAME=$table "$bin" init
  started=$(date +%s%N)
  for folder in "$snapshots"/*/; do
    line=$(NYT_URL=$folder/us.csv NYT_STATES_URL=$folder/us-states.csv TABLE_NAME=$table "$2" run | tail -n 1)
    requests=$((requests + $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["dynamodb_requests"])' "$line")))
  done
  ended=$(date +%s%N)
  echo "$1: $count runs, $(( (ended - started) / 1000000 / count )) ms per run, $((requests / count)) DynamoDB requests per run"
  LAST_TABLE=$table
}

echo "# replay of $count daily snapshots ($first on), national and states, $(nproc) cores"
# The first replay of a DynamoDB Local is slower whatever the binary (its JVM still warming):
# one untimed replay first, then the baseline and this build in turn.
replay warm-up "$bin" >/dev/null
if [[ -n ${BASELINE:-} ]]; then replay baseline "$BASELINE"; fi
replay history "$bin"
"$CACHE/venv/bin/python" scripts/history-size.py "$AWS_ENDPOINT_URL_DYNAMODB" "$LAST_TABLE"

echo "# etl backfill over the same snapshots, on a fresh table, then again (all skipped)"
TABLE_NAME=backfill-$$ "$bin" init
TABLE_NAME=backfill-$$ "$bin" backfill "$snapshots" | tail -n 1
TABLE_NAME=backfill-$$ "$bin" backfill "$snapshots" | tail -n 1
