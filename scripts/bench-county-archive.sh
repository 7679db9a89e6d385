#!/usr/bin/env bash
# `make bench`: the county archive (every county day since 2020) loaded by `etl archive` (issue 36). Method: see
# BENCHMARKS.md ("The county archive"). DynamoDB Local in memory, release build.
#
# The input is SYNTHETIC (`etl/examples/county_history.rs --csv`: every county of NYT's real
# window of 2021-07-08 on every day from 2020-01-21 to 2023-03-23, seeded, as NYT's four yearly
# files; for speed and size only). `etl archive` validates the four, loads each in blocks of 30
# dates and writes the listings, in one process: its wall time, peak RSS, DynamoDB requests, and
# the write units its items cost (scripts/table-wru.py); then the daily run that announces it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=$CARGO_TARGET_DIR/release
folder=.local/bench-county-archive
mkdir -p .local
start_dynamodb "$(free_port)"
trap 'kill $DDB_PID 2>/dev/null || true' EXIT
export TABLE_NAME=bench-county-archive POPULATION_URL=$SNAPSHOT_POPULATION RUST_LOG=warn
"$bin/etl" init 2>/dev/null
echo "# the synthetic yearly files"
"$bin/examples/county_history" --csv "$folder" "$SNAPSHOT_COUNTIES"
ls -l "$folder"
echo "# etl archive --vintage 2023-03-23 (all four files)"
/usr/bin/time -f "peak RSS %M KiB, %e s wall" "$bin/etl" archive --vintage 2023-03-23 \
  "$folder"/us-counties-202{0,1,2,3}.csv | tail -n 1 | python3 -c '
import json, sys
report = json.load(sys.stdin)["archive"]
for step in report["loaded"]:
    print("load {source}: {rows} rows, {blocks} blocks, {new} new, {items} items, "
          "{dynamodb_requests} requests, {duration_ms} ms".format(**step))
print("validated: {:,} rows in {} files".format(sum(v["rows"] for v in report["validated"]), len(report["validated"])))
print("listings: {listings}, {dynamodb_requests} requests, {duration_ms} ms".format(**report["listed"]))
'
python3 scripts/table-wru.py "$AWS_ENDPOINT_URL_DYNAMODB" "$TABLE_NAME"
echo "# the daily run that announces it (the state machine's last step; the nation's snapshot)"
NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU NYT_STATES_URL= NYT_COUNTIES_URL= \
  /usr/bin/time -f "peak RSS %M KiB, %e s wall" "$bin/etl" run | tail -n 1 | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("run: {status}, {inserted} national days, {dynamodb_requests} requests, {duration_ms} ms".format(**s))
'
echo "# a daily run on top of it: the archive's last 29 days and a new one (synthetic: 2023-03-23 plus a case)"
python3 - "$folder/us-counties-2023.csv" .local/bench-county-archive-window.csv <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
header, rows = lines[0], lines[1:]
out = [r for r in rows if r[:10] >= "2023-02-23"]
for r in rows:
    if r.startswith("2023-03-23,"):
        f = r.split(",")
        f[0], f[4] = "2023-03-24", str(int(f[4]) + 1)
        out.append(",".join(f))
open(sys.argv[2], "w").write(header + "\n" + "\n".join(out) + "\n")
PY
for day in 1 2; do
  NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU NYT_STATES_URL= NYT_COUNTIES_URL=.local/bench-county-archive-window.csv \
    /usr/bin/time -f "peak RSS %M KiB, %e s wall" "$bin/etl" run | tail -n 1 | python3 -c '
import json, sys
s = json.load(sys.stdin)
c = s["counties"]
print("daily run: {} new county days, {} items, {} listings, {} requests, {} ms".format(
    c["new"], c["items"], c["listings"], s["dynamodb_requests"], s["duration_ms"]))
'
  # The second time, the same file again: nothing to read but the national partition.
done
echo "# again: nothing to write"
/usr/bin/time -f "peak RSS %M KiB, %e s wall" "$bin/etl" archive --vintage 2023-03-23 \
  "$folder"/us-counties-202{0,1,2,3}.csv | tail -n 1 | python3 -c '
import json, sys
report = json.load(sys.stdin)["archive"]
print("new {}, requests {}".format(sum(s["new"] for s in report["loaded"]),
      sum(s["dynamodb_requests"] for s in report["loaded"]) + report["listed"]["dynamodb_requests"]))
'
