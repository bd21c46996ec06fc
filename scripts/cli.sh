#!/usr/bin/env bash
# Builds and runs the `assent` command line with your arguments (no
# arguments: its help). Your wallet lives in the OS data folder unless you
# pass --wallet DIR; its secret goes into your OS keystore, or --vault FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --quiet --locked --release -p assent-cli
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
if (($# == 0)); then set -- --help; fi
exec "$target_dir/release/assent" "$@"
