#!/usr/bin/env bash
# `make bench`: peak memory (max RSS, GNU time) of one `etl run` (release build) whose two
# sources are 60 MiB each: the bundled snapshot padded with rows that pass validation but fall
# outside the join (NYT: days after the join's last; JHU: other countries). The fetch cap is 64 MiB each.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=$CARGO_TARGET_DIR/release/etl
dir=$(mktemp -d)
start_dynamodb "$(free_port)"
trap 'kill $DDB_PID 2>/dev/null || true; rm -rf "$dir"' EXIT
python3 - "$dir" "$SNAPSHOT_NYT" "$SNAPSHOT_JHU" <<'PY'
import datetime, gzip, sys
out, nyt, jhu = sys.argv[1:]
target = 60 * 1024 * 1024
lines = open(nyt).read().splitlines()
# Days after the snapshot's last (2021-07-08), with counts near the 10^10 bound.
pad, day = [], datetime.date(2021, 7, 9)
size = sum(len(l) + 1 for l in lines)
while size < target:
    row = f"{day.isoformat()},{9_000_000_000 + day.toordinal()},{8_000_000_000 + day.toordinal()}"
    pad.append(row); size += len(row) + 1; day += datetime.timedelta(days=1)
open(f"{out}/nyt.csv", "w").write("\n".join(lines + pad) + "\n")
text = gzip.open(jhu, "rt").read()
extra, i, size = [], 0, len(text)
while size < target:
    row = f"2020-06-01,Padland {i},Province {i},{i},{i // 2},{i // 3}"
    extra.append(row); size += len(row) + 1; i += 1
open(f"{out}/jhu.csv", "w").write(text + "\n".join(extra) + "\n")
PY
export TABLE_NAME=memory NYT_URL=$dir/nyt.csv JHU_URL=$dir/jhu.csv RUST_LOG=warn
export NYT_STATES_URL= POPULATION_URL= NYT_COUNTIES_URL=
"$bin" init
echo "# etl run on two 60 MiB sources ($(du -m "$dir/nyt.csv" | cut -f1) MiB NYT, $(du -m "$dir/jhu.csv" | cut -f1) MiB JHU)"
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" "$bin" run | tail -n 1
