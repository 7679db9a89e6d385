#!/usr/bin/env bash
# `make demo`: DynamoDB Local persisted under .local/dynamodb, the table, one ETL run over the
# bundled real-data snapshot (offline; LIVE=1 uses the live sources), then the API and the site
# on one URL until Ctrl-C. Everything it started stops with it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=$CARGO_TARGET_DIR/release
mkdir -p .local
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true' EXIT

ddb_port=${DDB_PORT:-$(free_port)}
DDB_LOG=.local/dynamodb-local.log start_dynamodb "$ddb_port" .local/dynamodb
pids+=("$DDB_PID")
export TABLE_NAME=${TABLE_NAME:-covid-us}
if [ "${LIVE:-0}" = 1 ]; then
  unset NYT_URL JHU_URL NYT_STATES_URL NYT_COUNTIES_URL POPULATION_URL
  echo "demo: live sources (needs network access to raw.githubusercontent.com)"
else
  export NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU
  export NYT_STATES_URL=$SNAPSHOT_STATES POPULATION_URL=$SNAPSHOT_POPULATION
  export NYT_COUNTIES_URL=$SNAPSHOT_COUNTIES
fi

"$bin/etl" init
if [ "${LIVE:-0}" != 1 ]; then
  # NYT's real publications of 13 months first (oldest first), so "As published on" and the
  # revised days show real history; a table that holds them already skips them.
  echo "demo: etl backfill of NYT's monthly publications (data/publications/list.txt)"
  "$bin/etl" backfill data/publications/list.txt
fi
echo "demo: ETL run"
"$bin/etl" run

# Subscriptions go to moto's SNS: the form works, no email is sent.
start_moto
pids+=("$MOTO_PID")
addr=${LISTEN_ADDR:-127.0.0.1:3000}
TOPIC_PREFIX=$TOPIC_PREFIX LISTEN_ADDR=$addr SITE_DIR=${SITE_DIR:-web/dist} "$bin/api" &
pids+=($!)
wait_http "http://$addr/v1/status" "${pids[-1]}" api
cat <<MSG

demo: open http://$addr/  (API: http://$addr/v1/series, http://$addr/v1/openapi.json)
demo: data persists under .local/dynamodb ('make clean-demo' removes it). Ctrl-C stops everything.
MSG
wait "${pids[-1]}"
