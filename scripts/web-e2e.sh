#!/usr/bin/env bash
# The web app end to end in a real browser: builds it (scripts/build-web.sh),
# the ledger and the CLI; starts a local demo consortium on free loopback
# ports and serves the app (with its assent-config.json) on another; then
# tests/web/e2e.mjs drives Debian's chromium through onboarding, a grant, its
# QR code, the clinic's checks (CLI and Clinic mode), an access and a
# revocation. Everything started here is stopped on exit.
# Screenshots: target/screenshots/web-*.png in the repository, wherever
# cargo builds (CARGO_TARGET_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}

for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "web-e2e: $tool is needed (scripts/install-deps.sh)" >&2; exit 1; }
done
chromium_bin=${CHROMIUM:-/usr/bin/chromium}
[[ -x "$chromium_bin" ]] || { echo "web-e2e: no chromium at $chromium_bin (apt install chromium, or set CHROMIUM)" >&2; exit 1; }

bash scripts/build-web.sh
cargo build --quiet --locked --release -p assent-ledger -p assent-cli

# The test's npm packages, from the lock file (only when it changed).
if [[ ! -f tests/web/node_modules/.package-lock.json || tests/web/package-lock.json -nt tests/web/node_modules/.package-lock.json ]]; then
  (cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((status != 0)) && [[ -f "$work/ledger.log" ]]; then
    echo "--- ledger output (last 30 lines) ---" >&2
    tail -n 30 "$work/ledger.log" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A base port with the next three free too (the demo's validators use them),
# and one more for the web server.
read -r ledger_port web_port < <(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(200):
    base = random.randrange(20000, 60000)
    if all(free(base + i) for i in range(5)):
        print(base, base + 4); break
PY
) || true
[[ -n "${web_port:-}" ]] || { echo "web-e2e: no free ports found" >&2; exit 1; }
web_origin="http://127.0.0.1:$web_port"

"$target_dir/release/assent-ledger" demo --data "$work/demo" --listen "127.0.0.1:$ledger_port" \
  --cors-origin "$web_origin" >"$work/ledger.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  grep -q '^Assent demo ledger: ' "$work/ledger.log" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "web-e2e: the demo ledger exited" >&2; exit 1; }
  sleep 0.1
done
ledger_url=$(sed -n 's/^Assent demo ledger: \(http[^ ]*\).*/\1/p' "$work/ledger.log")
org_id=$(sed -n 's/^registered Riverside Clinic .*: organisation id \([0-9a-f]\{64\}\)$/\1/p' "$work/ledger.log")
[[ -n "$ledger_url" ]] || { echo "web-e2e: the demo ledger did not start in 30 s" >&2; exit 1; }
[[ -n "$org_id" ]] || { echo "web-e2e: the demo did not print Riverside Clinic's organisation id" >&2; exit 1; }

# The site: the built app and the deployment's settings next to it.
mkdir -p "$work/site"
cp -r "$target_dir/web-dist/." "$work/site/"
python3 - "$ledger_url" "$work/demo/trust.toml" "$work/site/assent-config.json" <<'PY'
import json, sys
url, trust, out = sys.argv[1:]
json.dump({"ledger": url, "trust": open(trust).read(), "clinic": None}, open(out, "w"), indent=2)
PY
python3 -m http.server --bind 127.0.0.1 --directory "$work/site" "$web_port" >"$work/web.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "$web_origin/assent-config.json" && break
  sleep 0.1
done

echo "web-e2e: ledger $ledger_url, app $web_origin"
APP_URL="$web_origin/" LEDGER_URL="$ledger_url" TRUST="$work/demo/trust.toml" ORG_ID="$org_id" \
  CLINIC_KEY="$work/demo/org-riverside-clinic.key" ASSENT_BIN="$target_dir/release/assent" \
  CLI_WALLET="$work/clinic" SHOTS="$root/target/screenshots" CHROMIUM="$chromium_bin" \
  node "$root/tests/web/e2e.mjs"
echo "web-e2e: passed; screenshots in $root/target/screenshots/web-*.png"
