#!/usr/bin/env bash
# The deploy job's own scripts, checked by `make test` (they run nowhere else before a deploy):
# the deployed template is the source template with only the functions' CodeUri changed, and
# cfn-lint takes it; the ETL check after a deploy passes a run that loaded and fails the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-deploy.sh: $*" >&2; exit 1; }

for fn in EtlFunction CountyArchiveFunction ApiFunction; do
  mkdir -p "$tmp/build/$fn"
  printf '#!/bin/sh\n' > "$tmp/build/$fn/bootstrap"
  chmod +x "$tmp/build/$fn/bootstrap"
done
python3 scripts/deploy-template.py template.yaml "$tmp/build" > "$tmp/deploy.yaml"
changed=$(diff template.yaml "$tmp/deploy.yaml" | grep '^[<>]' || true)
[ "$(grep -c '^>' <<< "$changed")" = 3 ] || fail "expected 3 changed lines, got: $changed"
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
# The artifact: files and folders only, the bootstraps and web/dist only. Each refused
# artifact must be refused for its own reason.
root=$PWD
mkdir -p "$tmp/art"
python3 - "$tmp/art" <<'PY'
import io, sys, tarfile
def add(t, name, kind=None, link=""):
    info = tarfile.TarInfo(name)
    info.mode = 0o755
    if kind:
        info.type, info.linkname = kind, link
        t.addfile(info)
    else:
        info.size = 2
        t.addfile(info, io.BytesIO(b"x\n"))
extra = {
    "clean": [],
    "symlink": [("web/dist/passwd", tarfile.SYMTYPE, "/etc/passwd")],
    "hardlink": [("web/dist/copy.html", tarfile.LNKTYPE, "web/dist/index.html")],
    "dotdot": [("web/dist/../../escape", None, "")],
    "absolute": [("/tmp/escape", None, "")],
    "other": [("scripts/run.sh", None, "")],
}
for case, entries in extra.items():
    with tarfile.open(f"{sys.argv[1]}/{case}.tgz", "w:gz") as t:
        for name in [".aws-sam/build/EtlFunction/bootstrap",
                     ".aws-sam/build/CountyArchiveFunction/bootstrap",
                     ".aws-sam/build/ApiFunction/bootstrap",
                     "web/dist/index.html", "web/dist/alerts.html", "web/dist/boot.js"]:
            add(t, name)
        for name, kind, link in entries:
            add(t, name, kind, link)
PY
unpack() { # NAME: unpack-artifact.sh on $tmp/art/NAME.tgz in a fresh $tmp/out
  rm -rf "$tmp/out" && mkdir -p "$tmp/out"
  (cd "$tmp/out" && "$root/scripts/unpack-artifact.sh" "$tmp/art/$1.tgz") > "$tmp/unpack.log" 2>&1
}
unpack clean || fail "a clean artifact was refused: $(cat "$tmp/unpack.log")"
[ -x "$tmp/out/.aws-sam/build/ApiFunction/bootstrap" ] || fail "the bootstrap lost its mode"
for case in "symlink:not files or folders" "hardlink:not files or folders" \
  "dotdot:outside the folder" "absolute:outside the folder" "other:does not take"; do
  if unpack "${case%%:*}"; then fail "the ${case%%:*} artifact was taken"; fi
  grep -q "${case#*:}" "$tmp/unpack.log" || fail "the ${case%%:*} artifact: $(cat "$tmp/unpack.log")"
  [ ! -e "$tmp/out/web" ] || fail "the ${case%%:*} artifact was unpacked before it was refused"
done

# The upload never follows a link (a stand-in `aws` records what it was asked).
unpack clean || fail "a clean artifact was refused"
mkdir -p "$tmp/bin" && cat > "$tmp/bin/aws" <<'AWS'
#!/bin/sh
echo "$*" >> "$AWS_CALLS"
AWS
chmod +x "$tmp/bin/aws"
(cd "$tmp/out" && AWS_CALLS="$tmp/calls" PATH="$tmp/bin:$PATH" "$root/scripts/upload-site.sh" b) \
  || fail "upload-site.sh failed on a clean site"
grep -q '^s3 sync web/dist s3://b .*--no-follow-symlinks' "$tmp/calls" || fail "the sync may follow links"
for page in index.html alerts.html; do
  grep -q "^s3 cp web/dist/$page s3://b/$page --cache-control no-cache" "$tmp/calls" \
    || fail "$page is not uploaded to be revalidated"
  grep -q "^s3 sync .*--exclude $page" "$tmp/calls" || fail "$page is synced as immutable"
done
ln -s /etc/passwd "$tmp/out/web/dist/passwd"
if (cd "$tmp/out" && AWS_CALLS="$tmp/calls" PATH="$tmp/bin:$PATH" "$root/scripts/upload-site.sh" b) \
  > /dev/null 2>&1; then fail "upload-site.sh uploaded a site with a link"; fi
# The workflow runs these scripts, not its own copies of them.
grep -q 'scripts/unpack-artifact.sh artifacts.tgz' .github/workflows/deploy.yml || fail "deploy.yml unpacks by hand"
grep -q 'scripts/upload-site.sh' .github/workflows/deploy.yml || fail "deploy.yml uploads by hand"
if grep -q 'tar -x' .github/workflows/deploy.yml; then fail "deploy.yml untars by hand"; fi
if grep -q 's3 sync' .github/workflows/deploy.yml; then fail "deploy.yml syncs by hand"; fi

echo "test-deploy.sh: ok"
