# Shared helpers of the scripts that start local services. Source it; do not run it.

CACHE=${CACHE:-$HOME/.cache/covid-us-etl}
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE/target}
SNAPSHOT_NYT=data/snapshot/nyt-us.csv
SNAPSHOT_JHU=data/snapshot/jhu-time-series-19-covid-combined.csv.gz
SNAPSHOT_STATES=data/snapshot/nyt-us-states.csv
SNAPSHOT_POPULATION=data/snapshot/jhu-reference.csv
SNAPSHOT_COUNTIES=data/snapshot/nyt-us-counties-recent.csv.gz

# A loopback port that is free now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL PID WHAT: until URL answers (any status), failing if PID exits or 60 s pass.
wait_http() {
  local url=$1 pid=$2 what=$3
  for _ in $(seq 300); do
    curl -s -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$what exited before answering on $url" >&2; return 1; }
    sleep 0.2
  done
  echo "$what did not answer on $url within 60 s" >&2
  return 1
}

# start_dynamodb PORT [DIR]: DynamoDB Local in the background (in memory, or persisted in DIR);
# sets DDB_PID and points the AWS SDK at it with local credentials.
start_dynamodb() {
  scripts/dynamodb-local.sh "$1" ${2:+"$2"} >"${DDB_LOG:-/dev/null}" 2>&1 &
  DDB_PID=$!
  wait_http "http://127.0.0.1:$1" "$DDB_PID" "DynamoDB Local"
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1" AWS_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_EC2_METADATA_DISABLED=true
}

# start_moto: moto's server (SNS) on a free loopback port; sets MOTO_PID, AWS_ENDPOINT_URL_SNS
# and TOPIC_PREFIX, the subscribers' topics' prefix (the API makes the topics; credentials from
# start_dynamodb).
start_moto() {
  local port
  port=$(free_port)
  "$CACHE/venv/bin/moto_server" -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  MOTO_PID=$!
  wait_http "http://127.0.0.1:$port" "$MOTO_PID" moto
  export AWS_ENDPOINT_URL_SNS="http://127.0.0.1:$port"
  TOPIC_PREFIX=covid-alert
}

# start_stack BIN_DIR TABLE: DynamoDB Local in memory, loaded by BIN_DIR/etl from the snapshot,
# moto's SNS for subscriptions, and BIN_DIR/api in local mode serving web/dist. Appends the pids
# to PIDS; sets API_URL and TOPIC_PREFIX. With HISTORY (a folder of snapshots, `etl backfill`'s),
# those are backfilled first, so the snapshot's run revises what they published.
start_stack() {
  local bin=$1 port
  start_dynamodb "$(free_port)"
  PIDS+=("$DDB_PID")
  export TABLE_NAME=$2 NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU RUST_LOG=${RUST_LOG:-warn}
  export NYT_STATES_URL=$SNAPSHOT_STATES POPULATION_URL=$SNAPSHOT_POPULATION
  export NYT_COUNTIES_URL=$SNAPSHOT_COUNTIES
  "$bin/etl" init
  if [[ -n ${HISTORY:-} ]]; then "$bin/etl" backfill "$HISTORY" >/dev/null; fi
  "$bin/etl" run >/dev/null
  start_moto
  PIDS+=("$MOTO_PID")
  port=$(free_port)
  TOPIC_PREFIX=$TOPIC_PREFIX LISTEN_ADDR=127.0.0.1:$port SITE_DIR=web/dist "$bin/api" &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/v1/status" "${PIDS[-1]}" api
  API_URL=http://127.0.0.1:$port
}
