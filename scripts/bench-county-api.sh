#!/usr/bin/env bash
# `make bench`: the API's county series (issue 36) on a whole county history. Method: see
# BENCHMARKS.md ("The API's county series"). DynamoDB Local in memory, release build.
#
# The table holds the nation and the states (the bundled snapshot, loaded by `etl run`) and a
# SYNTHETIC whole county history (`etl/examples/county_history.rs`: every county of NYT's real
# window on every day from 2020-01-21 to 2023-03-23, seeded; for speed and size only).
# - cold: a new api process's first answer for a county of Texas (the largest partition) and of
#   Delaware (one of the smallest), 3 processes each;
# - warm: wrk on a Texas county's series and daily values;
# - memory: the api's peak and current RSS after every county was asked once, in state order.
# Before them, a daily run of the ETL on top of that history (the next day's county file): its
# time, requests and peak RSS, the listings of every state's whole county history included.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=$CARGO_TARGET_DIR/release
seconds=${SECONDS_PER_RUN:-20}
mkdir -p .local
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
start_dynamodb "$(free_port)"
pids+=("$DDB_PID")
export TABLE_NAME=bench-county-api NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU RUST_LOG=info
export NYT_STATES_URL=$SNAPSHOT_STATES POPULATION_URL=$SNAPSHOT_POPULATION NYT_COUNTIES_URL=
"$bin/etl" init 2>/dev/null
"$bin/etl" run >/dev/null 2>&1
echo "# the synthetic whole county history, put with BatchWriteItem (16 in flight)"
"$bin/examples/county_history" "$SNAPSHOT_COUNTIES" 16 .local/bench-county-next.csv
echo "# a daily run on top of it: the next day's county file (synthetic), its listings of everything"
RUST_LOG=warn NYT_COUNTIES_URL=.local/bench-county-next.csv \
  /usr/bin/time -f "peak RSS %M KiB, %e s wall" "$bin/etl" run | tail -n 1

ids=.local/bench-county-ids
python3 - "$SNAPSHOT_COUNTIES" "$ids" <<'PY'
import gzip, sys
rows = [l.split(",") for l in gzip.open(sys.argv[1], "rt").read().splitlines()[1:]]
# covid_model::county_id: the FIPS code, or the state's FIPS code and NYT's letters.
letters = {"Unknown": "UNK", "New York City": "NYC", "Kansas City": "KSC", "Joplin": "JOP"}
# Guam's only row without a FIPS code is its "Unknown".
state_fips = {"Guam": "66", **{r[2]: r[3][:2] for r in rows if r[3]}}
ids = {r[3] or state_fips[r[2]] + letters[r[1]] for r in rows}
open(sys.argv[2], "w").write("\n".join(sorted(ids)) + "\n")
PY
echo "# $(wc -l < "$ids") county ids"

port=$(free_port)
start_api() {
  LISTEN_ADDR=127.0.0.1:$port "$bin/api" 2>>.local/bench-county-api.log &
  api=$!
  pids+=("$api")
  wait_http "http://127.0.0.1:$port/v1/status" "$api" api
}
stop_api() {
  kill -INT "$api"
  wait "$api" || true
}

echo "## cold: a new api process's first county answer (after its /v1/status)"
for path in /v1/regions/48201/series /v1/regions/10001/series; do
  for run in 1 2 3; do
    start_api
    printf '%-28s run %s: %s s\n' "$path" "$run" \
      "$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port$path")"
    stop_api
  done
done

start_api
for path in /v1/regions/48201/series "/v1/regions/48201/daily?from=2022-01-01"; do
  wrk -t2 -c16 -d1s "http://127.0.0.1:$port$path" >/dev/null # warm-up
  echo "## warm: GET $path (wrk -t2 -c16 -d${seconds}s)"
  wrk -t2 -c16 -d"${seconds}s" --latency "http://127.0.0.1:$port$path" |
    grep -E 'Requests/sec|Transfer/sec|requests in|  50%|  90%|  99%|Socket errors|Non-2xx'
done
stop_api

echo "## memory: every county asked once, in state order (a new api process)"
start_api
started=$(date +%s.%N)
failed=0
while read -r id; do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/regions/$id/latest")
  [ "$status" = 200 ] || failed=$((failed + 1))
done < "$ids"
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
grep -E 'VmHWM|VmRSS' "/proc/$api/status" | tr -s ' \t' ' '
echo "$(wc -l < "$ids") counties in $elapsed s, $failed not 200"
stop_api
echo "## DynamoDB requests of that api process: $(grep -o 'dynamodb_requests=[0-9]*' .local/bench-county-api.log | tail -n 1)"
