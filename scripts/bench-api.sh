#!/usr/bin/env bash
# API load: `wrk -t2 -c16` against the release api in local mode, on DynamoDB Local loaded by the
# release etl from the snapshot. Reports throughput, latency percentiles, and the DynamoDB
# requests the api sent (its own SDK-interceptor count, logged when it stops) per API request.
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
export TABLE_NAME=bench-api NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU RUST_LOG=info
export NYT_STATES_URL=$SNAPSHOT_STATES POPULATION_URL=$SNAPSHOT_POPULATION NYT_COUNTIES_URL=
"$bin/etl" init 2>/dev/null
"$bin/etl" run >/dev/null 2>&1

# The edge cache: data answers as the deployed function gives them, with the template's schedule.
schedule=$(sed -n '/^  ScheduleExpression:/,/Default:/s/.*Default: *//p' template.yaml)
port=$(free_port)
LISTEN_ADDR=127.0.0.1:$port ETL_SCHEDULE=$schedule "$bin/api" 2>.local/bench-api.log &
api=$!
pids+=("$api")
wait_http "http://127.0.0.1:$port/v1/status" "$api" api

echo "## Cache-Control of data answers at $(date -u +%H:%M) UTC, ETL_SCHEDULE=$schedule"
for path in /v1/series /v1/regions /v1/regions/NY/series /v1/regions/NY/chart.svg /v1/status; do
  printf '%-24s %s\n' "$path" "$(curl -sfI "http://127.0.0.1:$port$path" | tr -d '\r' | sed -n 's/^cache-control: //Ip')"
done

total=0
# `as_of` answers and the revisions are made from the histories held, per request; the charts
# and the map are drawn for each request that reaches the function (CloudFront keeps
# them).
for path in /v1/series /v1/latest "/v1/daily?from=2021-01-01" /v1/regions \
  /v1/regions/NY/series "/v1/regions/ny/daily?from=2021-01-01" \
  "/v1/regions/NY/series?as_of=2021-07-08" "/v1/regions/NY/revisions" "/v1/revisions" \
  /v1/regions/NY/chart.svg \
  "/v1/regions/US/chart.svg?days=all" /v1/map.svg; do
  wrk -t2 -c16 -d1s "http://127.0.0.1:$port$path" >/dev/null # warm-up
  echo "## GET $path (wrk -t2 -c16 -d${seconds}s, CACHE_TTL_SECS=30)"
  out=$(wrk -t2 -c16 -d"${seconds}s" --latency "http://127.0.0.1:$port$path")
  echo "$out" | grep -E 'Requests/sec|Transfer/sec|requests in|  50%|  90%|  99%|Socket errors|Non-2xx'
  total=$((total + $(echo "$out" | awk '/requests in/ {print $1}') ))
done
kill -INT "$api"
wait "$api" || true
requests=$(grep -o 'dynamodb_requests=[0-9]*' .local/bench-api.log | tail -n 1 | cut -d= -f2)
echo "## DynamoDB: $requests requests for $total timed API requests (plus warm-ups and readiness checks)"
