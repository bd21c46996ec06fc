#!/usr/bin/env bash
# Runs every test of the workspace, with a real OS keystore (a private Secret
# Service) so the keystore tests run against a real backend, not a mock.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/with-keystore.sh cargo test --workspace --locked
