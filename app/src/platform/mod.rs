//! The app's edges to the platform, each small and named: the clock (and
//! waiting without blocking), a
//! store for non-secret state (settings, the ledger memory, the wallet's own
//! signed transactions), and where the wallet's secret is kept.
//!
//! Native builds keep files in the OS data folder and the secret in the OS
//! keystore; the web keeps both in the browser's `localStorage`, the secret
//! only inside an encrypted vault (browsers give pages no OS keystore).

use assent_core::keystore::OsKeystore;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(not(target_arch = "wasm32"))]
pub use native::{now, pause, FileStorage as PlatformStorage};
#[cfg(target_arch = "wasm32")]
pub use web::{now, pause, LocalStorage as PlatformStorage};

/// Non-secret key–value state, as text. Keys are short names
/// (`settings.json`, `ledger.json`, …).
pub trait Storage {
    /// The value under `key`, if any.
    fn get(&self, key: &str) -> Option<String>;
    /// Replaces the value under `key`.
    ///
    /// # Errors
    /// A message when the platform refuses the write.
    fn put(&self, key: &str, value: &str) -> Result<(), String>;
    /// Removes `key` (nothing if absent).
    fn remove(&self, key: &str);
}

/// A shared handle to the storage edge.
pub type SharedStorage = Rc<dyn Storage>;

/// Storage in memory: for component tests and previews.
#[derive(Default)]
pub struct MemoryStorage(RefCell<BTreeMap<String, String>>);

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.0.borrow().get(key).cloned()
    }
    fn put(&self, key: &str, value: &str) -> Result<(), String> {
        self.0.borrow_mut().insert(key.into(), value.into());
        Ok(())
    }
    fn remove(&self, key: &str) {
        self.0.borrow_mut().remove(key);
    }
}

/// Where a new wallet's secret will be kept, and why: what onboarding tells
/// the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretHome {
    /// The OS keystore answered.
    Keystore {
        /// Its name ("Linux Secret Service", …).
        name: &'static str,
    },
    /// No keystore is usable: an encrypted vault, with the reason.
    Vault {
        /// Why no keystore is used, in plain words.
        why: String,
    },
}

impl SecretHome {
    /// Asks the platform: the OS keystore if it answers, else the vault.
    pub fn probe() -> Self {
        use assent_core::keystore::SecretStore;
        if cfg!(target_arch = "wasm32") {
            return SecretHome::Vault {
                why: "Browsers give web pages no access to the system keystore, so your \
                      secret is kept in an encrypted vault in this browser, protected by \
                      a passphrase you choose."
                    .into(),
            };
        }
        match OsKeystore::open() {
            Ok(store) => SecretHome::Keystore { name: store.name() },
            Err(e) => SecretHome::Vault {
                why: format!(
                    "The system keystore cannot be used here ({e}), so your secret is \
                     kept in an encrypted vault file, protected by a passphrase you choose."
                ),
            },
        }
    }
}
