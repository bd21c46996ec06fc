#!/usr/bin/env bash
# Builds the web app: the app crate for wasm32-unknown-unknown (feature
# `web`, release), wasm-bindgen's ES-module glue, and platforms/web/index.html,
# into <target>/web-dist/. Prints that folder and the gzip -9 sizes of the
# .wasm and the .js. Quick when everything is already built.
#
# <target> is $CARGO_TARGET_DIR if set, else the workspace's target folder.
# Installs (once) the wasm32 target and the wasm-bindgen CLI of exactly the
# version of the `wasm-bindgen` crate in Cargo.lock (BUILD-NOTES: without
# --locked, which fails on a webpki-roots version the registry lacks).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}
[[ -n "$target_dir" ]] || { echo "build-web: cannot find cargo's target folder" >&2; exit 1; }
dist="$target_dir/web-dist"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# The version of the wasm-bindgen crate in Cargo.lock.
bindgen_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[[ -n "$bindgen_version" ]] || { echo "build-web: no wasm-bindgen in Cargo.lock" >&2; exit 1; }
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]]; then
  echo "build-web: installing wasm-bindgen-cli $bindgen_version (a few minutes, once)" >&2
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

cargo build --locked --release -p assent-app --bin assent-app --features web \
  --target wasm32-unknown-unknown
wasm="$target_dir/wasm32-unknown-unknown/release/assent-app.wasm"

# wasm-bindgen only when the wasm changed since the last run (or the glue is
# missing), so a warm run stays quick.
mkdir -p "$dist"
if [[ ! -f "$dist/assent-app_bg.wasm" || ! -f "$dist/assent-app.js" || "$wasm" -nt "$dist/assent-app_bg.wasm" ]]; then
  wasm-bindgen --target web --no-typescript --out-dir "$dist" "$wasm"
fi
cp platforms/web/index.html "$dist/index.html"
cp assets/icon.svg "$dist/icon.svg"

gz() { gzip -9 -c "$1" | wc -c; }
echo "web app: $dist"
printf 'assent-app_bg.wasm: %d bytes, %d gzip -9\n' "$(wc -c <"$dist/assent-app_bg.wasm")" "$(gz "$dist/assent-app_bg.wasm")"
printf 'assent-app.js: %d bytes, %d gzip -9\n' "$(wc -c <"$dist/assent-app.js")" "$(gz "$dist/assent-app.js")"
