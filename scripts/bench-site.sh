#!/usr/bin/env bash
# The site's budgets (part of `make bench`): first-load bytes gzipped, time to a drawn chart,
# and Lighthouse scores, against the release api in local mode serving web/dist on DynamoDB
# Local loaded by the release etl from the snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=$CARGO_TARGET_DIR/release
mkdir -p .local
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT

echo "## First load, gzip -9 (html + js + wasm + css)"
scripts/first-load.sh

start_stack "$bin" bench-site

echo "## Time to chart"
node web/e2e/visible.mjs "$API_URL/" 10

echo "## Lighthouse (default mobile settings: simulated slow 4G and 4x CPU slowdown)"
CHROME_PATH=/usr/bin/chromium node_modules/.bin/lighthouse "$API_URL/" --quiet \
  --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync" \
  --output=json --output-path=.local/lighthouse.json
node -e '
  const r = require("./.local/lighthouse.json");
  for (const [k, c] of Object.entries(r.categories)) console.log(`${c.title}: ${Math.round(c.score * 100)}`);
  for (const a of ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift"])
    console.log(`${r.audits[a].title}: ${r.audits[a].displayValue}`);
  const failed = Object.values(r.audits).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary");
  if (failed.length) console.log("not passed: " + failed.map((a) => a.id).join(", "));
'
