//! Platforms with no OS keystore that Assent supports (Android until its
//! Keystore is wired in, the web, others): [`OsKeystore::open`] always says so.

use super::{KeystoreError, SecretStore};
use crate::wallet::{WalletId, WalletSecret};

const NAME: &str = "no OS keystore";
const REASON: &str =
    "this platform has no OS keystore that Assent supports; use the encrypted vault";

/// The OS keystore; on this platform there is none, so it cannot be opened.
#[derive(Debug)]
pub struct OsKeystore {
    _private: (),
}

fn unavailable() -> KeystoreError {
    KeystoreError::Unavailable {
        store: NAME,
        reason: REASON.into(),
    }
}

impl OsKeystore {
    /// Always [`KeystoreError::Unavailable`] on this platform.
    ///
    /// # Errors
    /// Always.
    pub fn open() -> Result<Self, KeystoreError> {
        Err(unavailable())
    }
}

impl SecretStore for OsKeystore {
    fn name(&self) -> &'static str {
        NAME
    }
    fn load(&self, _wallet: &WalletId) -> Result<WalletSecret, KeystoreError> {
        Err(unavailable())
    }
    fn create(&self, _wallet: &WalletId, _secret: &WalletSecret) -> Result<(), KeystoreError> {
        Err(unavailable())
    }
    fn update(&self, _wallet: &WalletId, _secret: &WalletSecret) -> Result<(), KeystoreError> {
        Err(unavailable())
    }
    fn delete(&self, _wallet: &WalletId) -> Result<(), KeystoreError> {
        Err(unavailable())
    }
}
