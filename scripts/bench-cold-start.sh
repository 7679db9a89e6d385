#!/usr/bin/env bash
# `make bench`: the functions' cold starts against a stand-in of the Lambda Runtime API
# (scripts/bench-lambda-start.py), each run a new process: the ETL to its first poll; the API to
# its first answer of GET /v1/regions/NY/series and of GET /v1/regions, on DynamoDB Local loaded
# by the release ETL from the snapshot (states included). x86 release builds, then the packaged
# arm64 bootstraps under qemu-user. Method and figures: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
runs=${RUNS:-20}
bin=$CARGO_TARGET_DIR/release
lambda=$CARGO_TARGET_DIR/lambda
start=scripts/bench-lambda-start.py
qemu="qemu-aarch64 -L /usr/aarch64-linux-gnu"
for f in "$bin/etl" "$bin/api" "$lambda/etl/bootstrap" "$lambda/api/bootstrap"; do
  [[ -x $f ]] || { echo "bench-cold-start: $f is missing (make bench builds it)" >&2; exit 1; }
done
start_dynamodb "$(free_port)"
trap 'kill $DDB_PID 2>/dev/null || true' EXIT
export TABLE_NAME=cold-start NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU RUST_LOG=warn
export NYT_STATES_URL=$SNAPSHOT_STATES POPULATION_URL=$SNAPSHOT_POPULATION NYT_COUNTIES_URL=
"$bin/etl" init 2>/dev/null
"$bin/etl" run >/dev/null
# Warm DynamoDB Local's JVM on these reads (untimed), as a long-running DynamoDB would be.
"$start" 20 "$bin/api" --path /v1/regions/NY/series >/dev/null
"$start" 20 "$bin/api" --path /v1/regions >/dev/null

echo "# cold start, $runs runs each, $(nproc) cores, DynamoDB Local in memory on loopback"
"$start" "$runs" "$bin/etl"
"$start" "$runs" "$bin/api"
"$start" "$runs" "$bin/api" --path /v1/regions/NY/series
"$start" "$runs" "$bin/api" --path /v1/regions
"$start" "$runs" "$qemu $lambda/etl/bootstrap"
"$start" "$runs" "$qemu $lambda/api/bootstrap"
"$start" "$runs" "$qemu $lambda/api/bootstrap" --path /v1/regions/NY/series
"$start" "$runs" "$qemu $lambda/api/bootstrap" --path /v1/regions
