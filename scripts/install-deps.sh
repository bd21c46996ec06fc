#!/usr/bin/env bash
# Installs what building and testing Assent needs on a fresh Debian 12 machine
# (run as root, or with sudo available). Quick when everything is there.
set -euo pipefail

# pkg-config + libdbus-1-dev: keyring's Secret Service backend links libdbus.
# dbus + gnome-keyring: a real Secret Service for the keystore tests
# (scripts/with-keystore.sh starts a private one).
APT_PACKAGES=(build-essential pkg-config libdbus-1-dev dbus gnome-keyring)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [[ "$(id -u)" -ne 0 ]] && sudo=sudo
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is needed: install it with rustup (https://rustup.rs), then run this again" >&2
  exit 1
fi
for component in clippy rustfmt; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done
