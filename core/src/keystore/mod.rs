//! Where the wallet's secret is kept: an edge between core and the platform.
//!
//! [`SecretStore`] is the small interface the wallet uses; [`OsKeystore`] (with
//! the `os-keystore` feature) keeps the keystore item in the operating system's
//! store under service [`SERVICE`] and account = wallet id (PROTOCOL §1):
//! Apple Keychain (macOS, iOS), Windows Credential Manager, the Secret Service
//! on Linux and the BSDs. Each platform's store is chosen explicitly: keyring's
//! mock store, which keyring 3 falls back to silently, is never used. Where no
//! store is usable (no platform store, a headless session with no Secret
//! Service, the web) [`OsKeystore::open`] says so with
//! [`KeystoreError::Unavailable`] and the caller can choose the encrypted
//! [`vault`](crate::vault) instead.

// One file per case: the native stores, or (Android until its Keystore is
// wired in, the web, other targets) a type whose `open` says there is none,
// so callers compile everywhere.
#[cfg(feature = "os-keystore")]
#[cfg_attr(
    any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        target_os = "ios",
        target_os = "windows"
    ),
    path = "os.rs"
)]
#[cfg_attr(
    not(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        target_os = "ios",
        target_os = "windows"
    )),
    path = "unsupported.rs"
)]
mod platform;
#[cfg(feature = "os-keystore")]
pub use platform::OsKeystore;

use crate::wallet::{WalletError, WalletId, WalletSecret};

/// The keystore service name under which every Assent wallet is kept.
pub const SERVICE: &str = "org.assent.wallet";

/// Why the keystore could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeystoreError {
    /// No usable keystore on this machine or platform.
    #[error("no OS keystore is usable here ({store}): {reason}")]
    Unavailable {
        /// Which store was tried.
        store: &'static str,
        /// What it answered.
        reason: String,
    },
    /// No secret for this wallet in the store.
    #[error("the {store} holds no secret for wallet {wallet}")]
    NotFound {
        /// Which store.
        store: &'static str,
        /// Which wallet.
        wallet: WalletId,
    },
    /// An update would replace the secret of another wallet.
    #[error("{store} holds another wallet's secret under {wallet}; nothing was changed")]
    OtherWallet {
        /// Which store.
        store: &'static str,
        /// Which wallet.
        wallet: WalletId,
    },
    /// The store already holds a secret for this wallet.
    #[error("the {store} already holds a secret for wallet {wallet}")]
    AlreadyExists {
        /// Which store.
        store: &'static str,
        /// Which wallet.
        wallet: WalletId,
    },
    /// The store failed while answering.
    #[error("the {store} failed: {reason}")]
    Platform {
        /// Which store.
        store: &'static str,
        /// What it answered.
        reason: String,
    },
    /// The stored item is not a valid wallet.
    #[error("the stored wallet is damaged: {0}")]
    Item(#[from] WalletError),
}

/// A place that keeps wallet secrets.
pub trait SecretStore {
    /// A name for people ("Linux Secret Service", …).
    fn name(&self) -> &'static str;

    /// Reads a wallet's secret.
    ///
    /// # Errors
    /// [`KeystoreError::NotFound`], [`KeystoreError::Platform`], or a damaged item.
    fn load(&self, wallet: &WalletId) -> Result<WalletSecret, KeystoreError>;

    /// Stores a new wallet's secret; refuses if one is already there. (A check
    /// then a write, not one atomic step: wallet ids are 128 random bits, so
    /// two writers never race for one account.)
    ///
    /// # Errors
    /// [`KeystoreError::AlreadyExists`] or [`KeystoreError::Platform`].
    fn create(&self, wallet: &WalletId, secret: &WalletSecret) -> Result<(), KeystoreError>;

    /// Replaces a wallet's secret by a later state of the same wallet (its
    /// identities moved on after a key rotation). Refuses a secret of
    /// another wallet, so no words are ever overwritten.
    ///
    /// # Errors
    /// [`KeystoreError::NotFound`], [`KeystoreError::OtherWallet`] or
    /// [`KeystoreError::Platform`].
    fn update(&self, wallet: &WalletId, secret: &WalletSecret) -> Result<(), KeystoreError>;

    /// Removes a wallet's secret.
    ///
    /// # Errors
    /// [`KeystoreError::NotFound`] or [`KeystoreError::Platform`].
    fn delete(&self, wallet: &WalletId) -> Result<(), KeystoreError>;
}
