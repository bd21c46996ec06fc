#!/usr/bin/env bash
# The desktop app in a real window: under Xvfb, with a real Secret Service
# (scripts/with-keystore.sh), a wallet whose secret is in that keystore, and
# the local ledger the app starts itself. Takes a screenshot once the home
# screen is up and reads it back with OCR, so the test fails unless the
# pixels show the home screen. Screenshot: target/screenshots/desktop-home.png
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')}

if [[ "${ASSENT_SMOKE_INNER:-}" != 1 ]]; then
  cargo build --quiet --locked --release -p assent-app --features desktop -p assent-ledger -p assent-cli
  export ASSENT_SMOKE_INNER=1
  exec bash scripts/with-keystore.sh xvfb-run -a -s "-screen 0 1280x900x24" bash "$0" "$@"
fi

# Test artefacts stay in the repository's target/, wherever cargo builds.
shots="$PWD/target/screenshots"
mkdir -p "$shots"
work=$(mktemp -d)
app_pid=""
cleanup() {
  [[ -n "$app_pid" ]] && kill "$app_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A wallet in the OS keystore, made by the CLI; the app is told where it is.
"$target_dir/release/assent" --wallet "$work/cli" key new >/dev/null
python3 - "$work/cli/wallet.json" "$work/app/wallet.json" <<'PY'
import json, os, sys
cli = json.load(open(sys.argv[1]))
os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
json.dump({"wallet_id": cli["wallet_id"], "public_key": cli["public_key"],
           "keeper": {"kind": "keystore", "name": cli["store"]["name"]}}, open(sys.argv[2], "w"))
PY

ASSENT_APP_DIR="$work/app" ASSENT_LEDGER_BIN="$target_dir/release/assent-ledger" \
  "$target_dir/release/assent-app" >"$work/app.log" 2>&1 &
app_pid=$!

# Poll the window until OCR reads the home screen's heading (at most 60 s).
for _ in $(seq 1 60); do
  sleep 1
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; echo "desktop smoke: the app exited" >&2; exit 1; }
  import -window root "$shots/desktop-home.png" 2>/dev/null || continue
  if tesseract "$shots/desktop-home.png" - 2>/dev/null | tee "$work/ocr.txt" | grep -q "Your consent"; then
    grep -q "Checkpoint" "$work/ocr.txt" && break
  fi
done
if ! grep -q "Your consent" "$work/ocr.txt" 2>/dev/null; then
  echo "desktop smoke: the home screen did not appear; OCR read:" >&2
  cat "$work/ocr.txt" >&2 || true
  cat "$work/app.log" >&2
  exit 1
fi
grep -q "Checkpoint" "$work/ocr.txt" || echo "desktop smoke: home is up, but no checkpoint was shown yet" >&2
echo "desktop smoke: home screen shown ($(grep -c . "$work/ocr.txt") lines read); screenshot $shots/desktop-home.png"
