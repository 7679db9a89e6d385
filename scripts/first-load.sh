#!/usr/bin/env bash
# The site's first load: every file the page needs before its first chart (the markup, the JS,
# the wasm, the style sheet), each gzipped at -9, and their sum; fails above the budget of
# 120,000 B (the budget in ARCHITECTURE.md; `make web` runs it, and `scripts/bench-site.sh` prints it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=120000
total=0
for f in web/dist/index.html web/dist/*.js web/dist/*.wasm web/dist/*.css; do
  size=$(gzip -9 -c "$f" | wc -c)
  total=$((total + size))
  printf '%-40s %8d B raw %8d B gzip\n' "$(basename "$f")" "$(stat -c %s "$f")" "$size"
done
echo "total: $total B gzip (budget $BUDGET B)"
if [ "$total" -gt "$BUDGET" ]; then
  echo "first-load.sh: the first load is $((total - BUDGET)) B over its budget" >&2
  exit 1
fi
