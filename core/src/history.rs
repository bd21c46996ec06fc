//! Wallet-side history verification (in progress).
