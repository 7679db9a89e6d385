#!/usr/bin/env bash
# The browser test (part of `make test`): DynamoDB Local in memory, loaded by the real ETL from
# three earlier publications, then the snapshot; the api in local mode serving web/dist; then node's test runner drives Debian
# Chromium through playwright-core (web/e2e). Screenshots go to test-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
[ -f web/dist/index.html ] || { echo "e2e: web/dist is not built: run 'make web'" >&2; exit 1; }
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
# Three earlier publications (testkit::publications: the snapshot cut at each vintage, its newest two
# days under-reported) are backfilled first: the snapshot's run revises their newest days.
HISTORY=.local/e2e-history
cargo run --locked --quiet -p testkit --bin history-snapshots -- "$HISTORY" 2021-07-05 3
HISTORY=$HISTORY start_stack "$CARGO_TARGET_DIR/debug" e2e
# A test that hangs fails after two minutes rather than holding CI until its limit.
SITE_URL=$API_URL node --test --test-timeout=120000 --test-reporter=spec web/e2e/
