//! The OS keystore through `keyring` 3, one native store per platform.

use super::{KeystoreError, SecretStore, SERVICE};
use crate::wallet::{WalletId, WalletSecret};
use keyring::{Entry, Error as KrError};

/// The operating system's keystore.
#[derive(Debug)]
pub struct OsKeystore {
    _private: (),
}

/// The account used to check that the store answers at all.
const PROBE_ACCOUNT: &str = "assent-keystore-probe";

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
mod native {
    pub const NAME: &str = "Linux Secret Service";
    pub fn credential(account: &str) -> keyring::Result<Box<keyring::credential::Credential>> {
        Ok(Box::new(
            keyring::secret_service::SsCredential::new_with_target(None, super::SERVICE, account)?,
        ))
    }
}

#[cfg(target_os = "macos")]
mod native {
    pub const NAME: &str = "macOS Keychain";
    pub fn credential(account: &str) -> keyring::Result<Box<keyring::credential::Credential>> {
        Ok(Box::new(keyring::macos::MacCredential::new_with_target(
            None,
            super::SERVICE,
            account,
        )?))
    }
}

#[cfg(target_os = "ios")]
mod native {
    pub const NAME: &str = "iOS Keychain";
    pub fn credential(account: &str) -> keyring::Result<Box<keyring::credential::Credential>> {
        Ok(Box::new(keyring::ios::IosCredential::new_with_target(
            None,
            super::SERVICE,
            account,
        )?))
    }
}

#[cfg(target_os = "windows")]
mod native {
    pub const NAME: &str = "Windows Credential Manager";
    pub fn credential(account: &str) -> keyring::Result<Box<keyring::credential::Credential>> {
        Ok(Box::new(keyring::windows::WinCredential::new_with_target(
            None,
            super::SERVICE,
            account,
        )?))
    }
}

impl OsKeystore {
    /// Opens the platform's keystore after checking that it answers.
    ///
    /// # Errors
    /// [`KeystoreError::Unavailable`] when the platform has no store, or the
    /// store does not answer (for example no Secret Service on the session bus).
    pub fn open() -> Result<Self, KeystoreError> {
        let unavailable = |e: KrError| KeystoreError::Unavailable {
            store: native::NAME,
            reason: e.to_string(),
        };
        let entry =
            Entry::new_with_credential(native::credential(PROBE_ACCOUNT).map_err(unavailable)?);
        match entry.get_secret() {
            Ok(_) | Err(KrError::NoEntry) | Err(KrError::Ambiguous(_)) => {
                Ok(OsKeystore { _private: () })
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    fn entry(&self, wallet: &WalletId) -> Result<Entry, KeystoreError> {
        native::credential(&wallet.to_string())
            .map(Entry::new_with_credential)
            .map_err(|e| platform(&e))
    }
}

fn platform(e: &KrError) -> KeystoreError {
    KeystoreError::Platform {
        store: native::NAME,
        reason: e.to_string(),
    }
}

impl SecretStore for OsKeystore {
    fn name(&self) -> &'static str {
        native::NAME
    }

    fn load(&self, wallet: &WalletId) -> Result<WalletSecret, KeystoreError> {
        match self.entry(wallet)?.get_secret() {
            Ok(bytes) => {
                let bytes = zeroize::Zeroizing::new(bytes);
                Ok(WalletSecret::from_item(&bytes)?)
            }
            Err(KrError::NoEntry) => Err(KeystoreError::NotFound {
                store: native::NAME,
                wallet: *wallet,
            }),
            Err(e) => Err(platform(&e)),
        }
    }

    fn create(&self, wallet: &WalletId, secret: &WalletSecret) -> Result<(), KeystoreError> {
        let entry = self.entry(wallet)?;
        match entry.get_secret() {
            Ok(mut existing) => {
                zeroize::Zeroize::zeroize(&mut existing);
                return Err(KeystoreError::AlreadyExists {
                    store: native::NAME,
                    wallet: *wallet,
                });
            }
            Err(KrError::NoEntry) => {}
            Err(e) => return Err(platform(&e)),
        }
        entry
            .set_secret(&secret.to_item())
            .map_err(|e| platform(&e))
    }

    fn update(&self, wallet: &WalletId, secret: &WalletSecret) -> Result<(), KeystoreError> {
        let held = self.load(wallet)?;
        if held.primary_public_key() != secret.primary_public_key() {
            return Err(KeystoreError::OtherWallet {
                store: native::NAME,
                wallet: *wallet,
            });
        }
        self.entry(wallet)?
            .set_secret(&secret.to_item())
            .map_err(|e| platform(&e))
    }

    fn delete(&self, wallet: &WalletId) -> Result<(), KeystoreError> {
        match self.entry(wallet)?.delete_credential() {
            Ok(()) => Ok(()),
            Err(KrError::NoEntry) => Err(KeystoreError::NotFound {
                store: native::NAME,
                wallet: *wallet,
            }),
            Err(e) => Err(platform(&e)),
        }
    }
}
