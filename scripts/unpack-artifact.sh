#!/usr/bin/env bash
# usage: scripts/unpack-artifact.sh ARTIFACT.tgz
#
# The deploy job's unpacking of the build job's artifact, which runs where AWS credentials are:
# only regular files and folders, only the three bootstraps and web/dist, no absolute path and no
# `..`. A link (symbolic or hard), a device or any other name fails the deploy before anything
# is unpacked, so no build step can make the deploy publish or run a file of the runner's.
# Checked by scripts/test-deploy.sh.
set -euo pipefail
artifact=${1:?usage: unpack-artifact.sh ARTIFACT.tgz}
fail() { echo "unpack-artifact: $*" >&2; exit 1; }

# The first letter of each entry's mode: `-` a file, `d` a folder, `l` `h` `c` `b` `p` others.
others=$(tar -tvzf "$artifact" | awk 'substr($1, 1, 1) != "-" && substr($1, 1, 1) != "d"')
[ -z "$others" ] || fail "the artifact holds entries that are not files or folders:
$others"
while IFS= read -r name; do
  case "$name" in
    /* | .. | ../* | */../* | */..) fail "a path outside the folder: $name" ;;
    .aws-sam/build/EtlFunction/bootstrap | .aws-sam/build/CountyArchiveFunction/bootstrap) ;;
    .aws-sam/build/ApiFunction/bootstrap) ;;
    web/dist/ | web/dist/*) ;;
    *) fail "an entry the deploy does not take: $name" ;;
  esac
done < <(tar -tzf "$artifact")
tar -xzf "$artifact" --no-same-owner \
  .aws-sam/build/EtlFunction/bootstrap .aws-sam/build/CountyArchiveFunction/bootstrap \
  .aws-sam/build/ApiFunction/bootstrap web/dist
links=$(find .aws-sam web/dist ! -type f ! -type d)
[ -z "$links" ] || fail "unpacked entries that are not files or folders: $links"
echo "unpack-artifact: ok"
