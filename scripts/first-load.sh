#!/usr/bin/env bash
# usage: scripts/first-load.sh [PAGE…]   (default: index.html alerts.html)
#
# A page's first load: every file it needs before it works (the markup, boot.js, the JS glue
# and the wasm its script tag names, its style sheet), each gzipped at -9, and their sum; fails
# above the budget of 120,000 B (the budget in ARCHITECTURE.md; `make web` runs it, and
# `scripts/bench-site.sh` prints it). Each page counts its own files only: the charts' page
# (index.html) does not load the alerts page's wasm (alerts.html), nor the other way round.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=120000
status=0
for page in "${@:-index.html alerts.html}"; do
  for p in $page; do
    html=web/dist/$p
    # The files the page names: its style sheet, boot.js, and the glue and wasm boot.js loads.
    names=$(grep -o -E '(href|src|data-js|data-wasm)=/[^ >/]+\.(css|js|wasm)[ >]' "$html" | sed -e 's/.*=\///' -e 's/.$//' | sort -u)
    total=0
    for f in "$html" $(printf 'web/dist/%s\n' $names); do
      size=$(gzip -9 -c "$f" | wc -c)
      total=$((total + size))
      printf '%-40s %8d B raw %8d B gzip\n' "$(basename "$f")" "$(stat -c %s "$f")" "$size"
    done
    echo "$p first load: $total B gzip (budget $BUDGET B)"
    if [ "$total" -gt "$BUDGET" ]; then
      echo "first-load.sh: $p's first load is $((total - BUDGET)) B over its budget" >&2
      status=1
    fi
  done
done
exit $status
