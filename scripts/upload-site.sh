#!/usr/bin/env bash
# usage: scripts/upload-site.sh BUCKET
#
# The deploy job's upload of web/dist to the site bucket. Hashed assets are immutable; the pages
# (index.html, alerts.html) and boot.js (unhashed names) are revalidated. The sync never follows a link (the artifact was
# refused if it held one: scripts/unpack-artifact.sh), so no runner file can be published.
# Checked by scripts/test-deploy.sh with a stand-in `aws`.
set -euo pipefail
bucket=${1:?usage: upload-site.sh BUCKET}
links=$(find web/dist ! -type f ! -type d)
[ -z "$links" ] || { echo "upload-site: web/dist holds links: $links" >&2; exit 1; }
aws s3 sync web/dist "s3://$bucket" --delete --no-follow-symlinks \
  --exclude index.html --exclude alerts.html --exclude boot.js \
  --cache-control "public, max-age=31536000, immutable"
aws s3 cp web/dist/boot.js "s3://$bucket/boot.js" \
  --cache-control "no-cache" --content-type "text/javascript; charset=utf-8"
for page in index.html alerts.html; do
  aws s3 cp "web/dist/$page" "s3://$bucket/$page" \
    --cache-control "no-cache" --content-type "text/html; charset=utf-8"
done
