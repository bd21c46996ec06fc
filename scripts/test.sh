#!/usr/bin/env bash
# Runs every test: the workspace's cargo tests with a real OS keystore (a
# private Secret Service) and a real PostgreSQL server (a private cluster on
# loopback); the ledger's end-to-end and crash suites once more with the
# sequencer on PostgreSQL; then the web app in a real browser against a real
# local consortium, then the desktop app in a real window under Xvfb.
# Ends with one line totalling every test binary's results.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
bash scripts/with-keystore.sh bash scripts/with-postgres.sh \
  cargo test --workspace --locked 2>&1 | tee "$log" || status=$?
ASSENT_TEST_STORE=postgres bash scripts/with-postgres.sh \
  cargo test -p assent-ledger --locked --test e2e_consortium --test e2e_faults --test e2e_wallet \
  2>&1 | tee -a "$log" || status=$?
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
bash scripts/web-e2e.sh || { echo "web end-to-end test: FAILED" >&2; status=1; }
bash scripts/desktop-smoke.sh || { echo "desktop smoke test: FAILED" >&2; status=1; }
exit "$status"
