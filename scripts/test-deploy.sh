#!/usr/bin/env bash
# The deploy job's own scripts, checked by `make test` (they run nowhere else before a deploy):
# the deployed template is the source template with only the functions' CodeUri changed, and
# cfn-lint takes it; the ETL check after a deploy passes a run that loaded and fails the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-deploy.sh: $*" >&2; exit 1; }

for fn in EtlFunction ApiFunction; do
  mkdir -p "$tmp/build/$fn"
  printf '#!/bin/sh\n' > "$tmp/build/$fn/bootstrap"
  chmod +x "$tmp/build/$fn/bootstrap"
done
python3 scripts/deploy-template.py template.yaml "$tmp/build" > "$tmp/deploy.yaml"
changed=$(diff template.yaml "$tmp/deploy.yaml" | grep '^[<>]' || true)
[ "$(grep -c '^>' <<< "$changed")" = 2 ] || fail "expected 2 changed lines, got: $changed"
if grep -v 'CodeUri: ' <<< "$changed"; then fail "a line other than CodeUri changed"; fi
grep -qx "      CodeUri: $tmp/build/EtlFunction" "$tmp/deploy.yaml" || fail "the ETL's CodeUri"
cfn-lint "$tmp/deploy.yaml"
chmod -x "$tmp/build/ApiFunction/bootstrap"
if python3 scripts/deploy-template.py template.yaml "$tmp/build" > /dev/null 2>&1; then
  fail "a bootstrap that is not executable was accepted"
fi

summary() { echo "$1" > "$tmp/error.txt"; echo "$2" > "$tmp/summary.json"; python3 scripts/check-etl-summary.py "$tmp/error.txt" "$tmp/summary.json" > /dev/null 2>&1; }
summary None '{"status":"ok","inserted":0,"updated":0,"unchanged":420,"first_date":"2020-01-22","last_date":"2021-03-16","states":{"inserted":0,"updated":0,"unchanged":27129}}' \
  || fail "a loaded run was refused"
if summary Unhandled '{"errorType":"store","errorMessage":"AccessDeniedException"}'; then fail "a function error passed"; fi
if summary None '{"status":"failed","kind":"store","written":0}'; then fail "a failed run passed"; fi
if summary None '{"status":"ok","inserted":0,"updated":0,"unchanged":0,"first_date":null,"last_date":null}'; then fail "a run with no data passed"; fi
if summary None '{"status":"ok","inserted":420,"updated":0,"unchanged":0,"last_date":"2021-03-16","states":{"inserted":0,"updated":0,"unchanged":0}}'; then fail "a run without state days passed"; fi
if summary None 'not json'; then fail "an answer that is not JSON passed"; fi
echo "test-deploy.sh: ok"
