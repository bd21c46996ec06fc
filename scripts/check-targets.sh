#!/usr/bin/env bash
# Type-checks assent-core for the platforms it promises beyond this machine:
# Windows and Apple (their keystore code), Android and the web (no keystore);
# and the desktop app itself for Windows (WebView2, the Windows credential
# store), whose C parts mingw-w64 compiles here, and for macOS (WKWebView,
# the Keychain, the system's TLS). Linking needs each platform's SDK, so this
# checks; it does not build. On Apple targets the app's only C is objc2's
# header-free exception helper, which Debian's clang compiles for the target
# (rustls's ring would need Apple's SDK headers, so core uses the system's TLS
# there).
set -euo pipefail
cd "$(dirname "$0")/.."
export CC_x86_64_apple_darwin=clang AR_x86_64_apple_darwin=llvm-ar
targets=(x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-ios aarch64-linux-android wasm32-unknown-unknown)
installed=$(rustup target list --installed)
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
for t in x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-ios aarch64-linux-android; do
  cargo check --quiet --locked -p assent-core --target "$t"
done
cargo check --quiet --locked -p assent-app --features desktop --target x86_64-pc-windows-gnu
cargo check --quiet --locked -p assent-app --features desktop --target x86_64-apple-darwin
cargo check --quiet --locked -p assent-core --no-default-features --target wasm32-unknown-unknown
cargo check --quiet --locked -p assent-core --no-default-features
echo "assent-core checks for: ${targets[*]}; the desktop app for x86_64-pc-windows-gnu and x86_64-apple-darwin"
