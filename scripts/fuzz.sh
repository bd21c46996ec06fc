#!/usr/bin/env bash
# Builds core's fuzz targets (cargo-fuzz layout under core/fuzz) and runs each
# for a while: `bash scripts/fuzz.sh [SECONDS]` (default 20 per target).
# Seeds come from one valid transaction of each kind. Stable Rust: libFuzzer's
# coverage without a sanitizer (`--sanitizer none`); panics still fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet --locked -p assent-core --example sample_transactions "$work/seed" >/dev/null
cd core/fuzz
for target in $(cargo fuzz list); do
  mkdir -p "$work/corpus-$target"
  echo "fuzzing $target for ${seconds}s"
  status=0
  cargo fuzz run --sanitizer none "$target" "$work/corpus-$target" "$work/seed" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 >"$work/$target.log" 2>&1 || status=$?
  if ((status != 0)); then
    tail -40 "$work/$target.log"
    echo "fuzz target $target FAILED (the crashing input is under core/fuzz/artifacts/$target)" >&2
    exit "$status"
  fi
  grep -E "^(Done|stat::number_of_executed_units)" "$work/$target.log" || true
done
