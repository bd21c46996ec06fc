#!/usr/bin/env bash
# The main job: builds and starts the Assent desktop app. With no ledger
# configured it starts a local consortium itself (`assent-ledger demo`: a
# sequencer, three validators, two demo organisations, an access monitor) and
# trusts the policy that demo writes, so a new wallet can grant consent with no other setup.
# Point it at a real ledger with ASSENT_LEDGER=URL ASSENT_TRUST=trust.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --quiet --locked --release -p assent-app --features desktop -p assent-ledger -p assent-monitor
target_dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "run.sh: no display here (DISPLAY and WAYLAND_DISPLAY are unset): start it from a desktop session," >&2
  echo "        or see it headless with: xvfb-run -a bash scripts/run.sh" >&2
  exit 1
fi
export ASSENT_LEDGER_BIN="$target_dir/release/assent-ledger"
exec "$target_dir/release/assent-app" "$@"
