#!/usr/bin/env bash
# `make bench`: alerts at county scale (SYNTHETIC regions, for scale only): 100,000 email
# subscriptions over 3,300 regions' topics counted by the quota gate, and one run's flush on
# moto behind the gates with every topic subscribed to and with none (etl/examples/
# alert_fanout.rs). Method and figures: BENCHMARKS.md, "Alerts at any number of subscribers".
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .local
echo "# alert fan-out, $(nproc) cores, moto behind the IAM and quota gates"
"$CARGO_TARGET_DIR/release/examples/alert_fanout" | tee .local/bench-alerts.jsonl
