#!/usr/bin/env bash
# `make bench`: times whole `etl run` processes (release build) on DynamoDB Local (in memory)
# with the bundled snapshot, and reports DynamoDB requests per run. Method: see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
runs=${RUNS:-10}
bin=$CARGO_TARGET_DIR/release/etl
mkdir -p .local
start_dynamodb "$(free_port)"
trap 'kill $DDB_PID 2>/dev/null || true' EXIT
export NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU
# The national series alone here; the states scenarios below set their sources.
export NYT_STATES_URL= POPULATION_URL= NYT_COUNTIES_URL=
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

# The states: every region's initial load, side by side with a naive bulk loader putting the same
# days (unconditional BatchWriteItem of 25, 1 and 16 requests in flight), each run on a fresh
# table; then a nothing-new run with states.
states_runs=${STATES_RUNS:-5}
naive=$CARGO_TARGET_DIR/release/examples/naive_load
export NYT_STATES_URL=$SNAPSHOT_STATES POPULATION_URL=$SNAPSHOT_POPULATION NYT_COUNTIES_URL=
echo "# initial load with states, $states_runs runs each"
hyperfine --runs "$states_runs" --style basic --export-markdown .local/bench-states.md \
  --prepare 'export TABLE_NAME=states-$(date +%s%N) && echo $TABLE_NAME > .local/bench-table && '"$bin"' init' \
  -n "etl run: initial load with states" 'TABLE_NAME=$(cat .local/bench-table) '"$bin"' run' \
  -n "naive BatchWriteItem, 1 in flight" 'TABLE_NAME=$(cat .local/bench-table) '"$naive $SNAPSHOT_NYT $SNAPSHOT_JHU $SNAPSHOT_STATES"' 1' \
  -n "naive BatchWriteItem, 16 in flight" 'TABLE_NAME=$(cat .local/bench-table) '"$naive $SNAPSHOT_NYT $SNAPSHOT_JHU $SNAPSHOT_STATES"' 16'
export TABLE_NAME=steady-states
"$bin" init && "$bin" run >/dev/null
hyperfine --runs "$runs" --warmup 1 --style basic --export-markdown .local/bench-states-unchanged.md \
  -n "nothing-new run with states" "$bin run"
echo "# DynamoDB requests per run with states"
TABLE_NAME=count-states "$bin" init
echo "initial load: $(TABLE_NAME=count-states "$bin" run | tail -n 1)"
echo "nothing new:  $(TABLE_NAME=count-states "$bin" run | tail -n 1)"
TABLE_NAME=count-naive "$bin" init
echo "naive (16 in flight): $(TABLE_NAME=count-naive "$naive" $SNAPSHOT_NYT $SNAPSHOT_JHU $SNAPSHOT_STATES 16)"
cat .local/bench-states.md .local/bench-states-unchanged.md
