#!/usr/bin/env bash
# Runs a command with a real OS keystore on a headless Linux machine: a private
# D-Bus session with gnome-keyring's Secret Service unlocked, its keyring files
# in a throw-away folder (never your own login keyring).
#
#   bash scripts/with-keystore.sh CMD [ARGS…]
set -euo pipefail
if [[ "${ASSENT_IN_KEYSTORE_SESSION:-}" != 1 ]]; then
  export ASSENT_IN_KEYSTORE_SESSION=1
  exec dbus-run-session -- bash "$0" "$@"
fi
keyring_home=$(mktemp -d)
trap 'kill "${GNOME_KEYRING_PID:-}" 2>/dev/null || true; rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'assent-test-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL GNOME_KEYRING_PID
# Tests that need the keystore must find it here, not skip.
export ASSENT_REQUIRE_REAL_KEYSTORE=1
"$@"
