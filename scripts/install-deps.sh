#!/usr/bin/env bash
# Installs what building and testing Assent needs on a fresh Debian 12 machine
# (run as root, or with sudo available). Quick when everything is there.
set -euo pipefail

# pkg-config + libdbus-1-dev: keyring's Secret Service backend links libdbus.
# dbus + gnome-keyring: a real Secret Service for the keystore tests
# (scripts/with-keystore.sh starts a private one).
# libwebkit2gtk-4.1-dev libxdo-dev libssl-dev: the desktop app (Dioxus on
#   wry/webkit2gtk; libssl-dev because dioxus-desktop's devtools link it).
# xvfb imagemagick tesseract-ocr fonts-dejavu-core: the desktop app in a real
#   window on a headless machine, its screenshot, and reading that back.
# chromium: the web app's end-to-end test in a real browser (Playwright).
# zbar-tools: an independent QR decoder to check the app's codes against.
# postgresql: the ledger's PostgreSQL backend is tested against a real server
#   (scripts/with-postgres.sh starts a private one on loopback).
# gcc-mingw-w64-x86-64: the desktop app's Windows check (scripts/check-targets.sh;
#   ring, under rustls, compiles C for the target).
# clang llvm: the desktop app's macOS check (objc2's exception helper is
#   Objective-C; clang compiles it for the target, llvm-ar archives it).
APT_PACKAGES=(build-essential pkg-config libdbus-1-dev dbus gnome-keyring
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  xvfb imagemagick tesseract-ocr fonts-dejavu-core
  chromium zbar-tools postgresql gcc-mingw-w64-x86-64 clang llvm)
# Node.js runs the browser test; any recent one will do (Debian's or another).
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)

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
