#!/usr/bin/env bash
# `make bench`: the daily county run (issue 36) against the floor of the same items. Method: see
# BENCHMARKS.md ("Issue 36"). DynamoDB Local in memory, release build.
#
# NEXT is NYT's real 30-day window of 2021-07-08. PREV, the day before's window, is derived from
# it (synthetic, for speed and size only): its newest day removed, 2021-06-08 added as a copy of
# 2021-06-09, and 12 rows of 2021-07-01 with one case fewer, which NEXT revises (NYT revises a
# median 12 rows a day). The timed run is `etl run` of NEXT on a table that holds PREV.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
runs=${RUNS:-5}
bin=$CARGO_TARGET_DIR/release/etl
floor=$CARGO_TARGET_DIR/release/examples/county_floor
mkdir -p .local
prev=.local/bench-counties-prev.csv
next=$SNAPSHOT_COUNTIES
python3 - "$next" "$prev" <<'PY'
import gzip, sys
lines = gzip.open(sys.argv[1], "rt").read().splitlines()
header, rows = lines[0], lines[1:]
out = [r for r in rows if not r.startswith("2021-07-08,")]
out += ["2021-06-08" + r[10:] for r in rows if r.startswith("2021-06-09,")]
revised = 0
for i, r in enumerate(out):
    if r.startswith("2021-07-01,") and revised < 12:
        f = r.split(",")
        if int(f[4]) > 0:
            f[4] = str(int(f[4]) - 1)
            out[i] = ",".join(f)
            revised += 1
out.sort()
open(sys.argv[2], "w").write(header + "\n" + "\n".join(out) + "\n")
PY
start_dynamodb "$(free_port)"
trap 'kill $DDB_PID 2>/dev/null || true' EXIT
export NYT_URL=$SNAPSHOT_NYT JHU_URL=$SNAPSHOT_JHU NYT_STATES_URL= POPULATION_URL=$SNAPSHOT_POPULATION
export RUST_LOG=warn
# Warm the JVM of DynamoDB Local once (untimed).
for i in 1 2; do TABLE_NAME=warm-c$i "$bin" init; NYT_COUNTIES_URL=$next TABLE_NAME=warm-c$i "$bin" run >/dev/null; done

# A fresh table holding PREV (and the nation), untimed.
prepare='export TABLE_NAME=counties-$(date +%s%N) && echo $TABLE_NAME > .local/bench-table && '"$bin"' init && NYT_COUNTIES_URL='"$prev $bin"' run >/dev/null'
echo "# the daily county run, $runs runs each, $(nproc) cores, DynamoDB Local in memory"
hyperfine --runs "$runs" --style basic --export-markdown .local/bench-counties.md \
  --prepare "$prepare" \
  -n "etl run: the next day's county window" 'TABLE_NAME=$(cat .local/bench-table) NYT_COUNTIES_URL='"$next $bin"' run' \
  -n "floor: BatchWriteItem of the same items, 16 in flight" 'TABLE_NAME=$(cat .local/bench-table) '"$floor $prev $next"' 16'
export TABLE_NAME=count-counties
"$bin" init
NYT_COUNTIES_URL=$prev "$bin" run >/dev/null
echo "etl run:     $(NYT_COUNTIES_URL=$next "$bin" run | tail -n 1)"
echo "nothing new: $(NYT_COUNTIES_URL=$next "$bin" run | tail -n 1)"
TABLE_NAME=count-floor "$bin" init
echo "floor:       $(TABLE_NAME=count-floor "$floor" "$prev" "$next" 16)"
cat .local/bench-counties.md
