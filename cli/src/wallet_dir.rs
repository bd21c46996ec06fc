//! The wallet folder: non-secret files (today `wallet.json`), and where the
//! secret itself is kept (OS keystore or vault file).

use crate::error::hinted;
use crate::prompt::{self, Purpose};
use anyhow::{bail, Context, Result};
use assent_core::fsio::write_new_atomic;
use assent_core::keystore::{KeystoreError, OsKeystore, SecretStore};
use assent_core::vault::{self, KdfParams};
use assent_core::wallet::{WalletId, WalletSecret};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const META_FILE: &str = "wallet.json";
const META_VERSION: u32 = 1;

/// `wallet.json`: which wallet this folder holds and where its secret is.
/// Nothing in it is secret.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletMeta {
    /// Format version.
    pub version: u32,
    /// The wallet id (the keystore account).
    pub wallet_id: String,
    /// Where the secret is.
    pub store: StoreMeta,
    /// The primary identity's public key, to check the store against.
    pub public_key: String,
}

/// Where a wallet's secret is kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StoreMeta {
    /// In the OS keystore.
    Keystore {
        /// The store's name, for people.
        name: String,
    },
    /// In an encrypted vault file.
    Vault {
        /// The vault file (absolute).
        path: PathBuf,
    },
}

/// The wallet folder.
pub struct WalletDir {
    root: PathBuf,
}

impl WalletDir {
    /// `--wallet DIR`, or the OS data folder.
    pub fn resolve(dir: Option<PathBuf>) -> Result<Self> {
        let root = match dir {
            Some(d) => d,
            None => directories::ProjectDirs::from("org", "Assent", "assent")
                .map(|p| p.data_dir().to_path_buf())
                .ok_or_else(|| {
                    hinted("cannot find this system's data folder", "pass --wallet DIR")
                })?,
        };
        Ok(WalletDir { root })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn meta_path(&self) -> PathBuf {
        self.root.join(META_FILE)
    }

    /// The folder's `wallet.json`, if there is one.
    pub fn read_meta(&self) -> Result<Option<WalletMeta>> {
        let path = self.meta_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let meta: WalletMeta = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a wallet description", path.display()))?;
        if meta.version != META_VERSION {
            bail!(
                "{} has version {}, this assent reads {META_VERSION}",
                path.display(),
                meta.version
            );
        }
        Ok(Some(meta))
    }

    /// The folder's `wallet.json`, which must exist.
    pub fn require_meta(&self) -> Result<WalletMeta> {
        self.read_meta()?.ok_or_else(|| self.no_wallet())
    }

    fn no_wallet(&self) -> anyhow::Error {
        hinted(
            format!("no wallet in {}", self.root.display()),
            "create one with `assent key new`, restore one with `assent key restore` or \
             `assent key import`, or pass --wallet DIR",
        )
    }

    /// Refuses to go on if the folder already holds a wallet.
    pub fn ensure_empty(&self) -> Result<()> {
        if let Some(meta) = self.read_meta()? {
            return Err(hinted(
                format!(
                    "{} already holds a wallet (public key {})",
                    self.root.display(),
                    meta.public_key
                ),
                "choose another folder with --wallet DIR; nothing was changed",
            ));
        }
        Ok(())
    }

    /// Creates the folder if needed.
    fn create(&self) -> Result<()> {
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("creating {}", self.root.display()))
    }

    /// Writes a new `wallet.json` atomically; never replaces one.
    fn write_new_meta(&self, meta: &WalletMeta) -> Result<()> {
        let json = serde_json::to_vec_pretty(meta).context("encoding wallet.json")?;
        write_new_atomic(&self.meta_path(), &json).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                hinted(
                    format!("{} already holds a wallet", self.root.display()),
                    "choose another folder with --wallet DIR; nothing was changed",
                )
            } else {
                anyhow::Error::new(e).context(format!("writing {}", self.meta_path().display()))
            }
        })
    }

    /// Removes `wallet.json`.
    pub fn remove_meta(&self) -> Result<()> {
        std::fs::remove_file(self.meta_path())
            .with_context(|| format!("removing {}", self.meta_path().display()))
    }
}

/// Opens the OS keystore, or says plainly that there is none and what to do.
pub fn os_keystore() -> Result<OsKeystore> {
    OsKeystore::open().map_err(|e| match e {
        KeystoreError::Unavailable { .. } => hinted(
            e.to_string(),
            "keep the key in an encrypted file instead: add --vault FILE",
        ),
        other => other.into(),
    })
}

/// Reads and decrypts a vault file (the passphrase from ASSENT_PASSPHRASE or asked).
pub fn open_vault(path: &Path) -> Result<WalletSecret> {
    let bytes = read_bounded(path)?;
    let pass = prompt::passphrase(
        prompt::VAULT_PASSPHRASE_ENV,
        "vault passphrase",
        Purpose::Enter,
    )?;
    vault::open_wallet(&bytes, &pass).with_context(|| format!("opening vault {}", path.display()))
}

/// Reads a vault or backup file, refusing one larger than a vault can be.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len > vault::MAX_FILE_SIZE as u64 {
        bail!(
            "{} is {len} bytes, too large to be an Assent vault or backup",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Loads the wallet's secret from `--vault FILE` or from where `wallet.json`
/// says it is, and checks it against the recorded public key.
pub fn load_secret(dir: &WalletDir, vault_override: Option<&Path>) -> Result<WalletSecret> {
    let meta = dir.read_meta()?;
    let secret = match (vault_override, &meta) {
        (Some(path), _) => open_vault(path)?,
        (None, Some(meta)) => match &meta.store {
            StoreMeta::Vault { path } => open_vault(path)?,
            StoreMeta::Keystore { .. } => {
                let id: WalletId = meta.wallet_id.parse()?;
                os_keystore()?.load(&id)?
            }
        },
        (None, None) => return Err(dir.no_wallet()),
    };
    if let (Some(meta), None) = (&meta, vault_override) {
        let actual = secret.primary_public_key().to_text();
        if actual != meta.public_key {
            bail!(
                "the stored secret gives key {actual}, but {} names {}",
                dir.root().join(META_FILE).display(),
                meta.public_key
            );
        }
    }
    Ok(secret)
}

/// Saves a later state of the wallet's secret (after a key rotation) where
/// it is kept: the OS keystore item is replaced (only by the same wallet's),
/// or the vault file is sealed again under its passphrase and replaced
/// atomically.
pub fn save_changed(
    dir: &WalletDir,
    vault_override: Option<&Path>,
    secret: &WalletSecret,
) -> Result<()> {
    let meta = dir.read_meta()?;
    let vault = match (vault_override, &meta) {
        (Some(path), _) => Some(path.to_path_buf()),
        (None, Some(meta)) => match &meta.store {
            StoreMeta::Vault { path } => Some(path.clone()),
            StoreMeta::Keystore { .. } => None,
        },
        (None, None) => return Err(dir.no_wallet()),
    };
    match (vault, meta) {
        (Some(path), _) => {
            let pass = prompt::passphrase(
                prompt::VAULT_PASSPHRASE_ENV,
                "vault passphrase (to save the new key)",
                Purpose::Enter,
            )?;
            // The passphrase must still open the vault being replaced, and
            // the vault must hold this wallet.
            let held = vault::open_wallet(&read_bounded(&path)?, &pass)
                .with_context(|| format!("opening vault {}", path.display()))?;
            if held.primary_public_key() != secret.primary_public_key() {
                bail!(
                    "{} holds another wallet; nothing was changed",
                    path.display()
                );
            }
            let sealed =
                vault::seal_wallet(secret, &pass, KdfParams::DEFAULT, &mut rand_core::OsRng)?;
            assent_core::fsio::write_atomic(&path, &sealed)
                .with_context(|| format!("writing {}", path.display()))
        }
        (None, Some(meta)) => {
            let id: WalletId = meta.wallet_id.parse()?;
            Ok(os_keystore()?.update(&id, secret)?)
        }
        (None, None) => Err(dir.no_wallet()),
    }
}

/// Writes a new file, refusing (with a hint) to replace an existing one.
pub fn write_new_file(path: &Path, bytes: &[u8], what: &str) -> Result<()> {
    write_new_atomic(path, bytes).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            hinted(
                format!("{} already exists", path.display()),
                format!("choose a new file name for the {what}; nothing was changed"),
            )
        } else {
            anyhow::Error::new(e).context(format!("writing {}", path.display()))
        }
    })
}

/// Stores a new wallet's secret in the vault file or the OS keystore, then
/// writes `wallet.json`. Replaces nothing; if a later step fails, what the
/// earlier ones stored is removed again, so no orphan secret is left behind.
pub fn save_new(
    dir: &WalletDir,
    vault_path: Option<&Path>,
    secret: &WalletSecret,
) -> Result<WalletMeta> {
    // What can fail without touching anything comes first: the keystore must
    // answer, or the vault passphrase must be given.
    let target = match vault_path {
        Some(path) => {
            let pass = prompt::passphrase(
                prompt::VAULT_PASSPHRASE_ENV,
                "new vault passphrase",
                Purpose::Choose,
            )?;
            let sealed =
                vault::seal_wallet(secret, &pass, KdfParams::DEFAULT, &mut rand_core::OsRng)?;
            Target::Vault(path, sealed)
        }
        None => Target::Keystore(os_keystore()?),
    };
    let created_dir = !dir.root.exists();
    dir.create()?;
    let wallet_id = WalletId::generate(&mut rand_core::OsRng);
    let result = target.store(&wallet_id, secret).and_then(|(store, undo)| {
        let meta = WalletMeta {
            version: META_VERSION,
            wallet_id: wallet_id.to_string(),
            store,
            public_key: secret.primary_public_key().to_text(),
        };
        dir.write_new_meta(&meta).inspect_err(|_| undo())?;
        Ok(meta)
    });
    if result.is_err() && created_dir {
        let _ = std::fs::remove_dir(&dir.root);
    }
    result
}

/// Where a new secret is about to go.
enum Target<'a> {
    Keystore(OsKeystore),
    Vault(&'a Path, Vec<u8>),
}

/// Takes back a secret just stored.
type Undo = Box<dyn FnOnce()>;

impl Target<'_> {
    fn store(self, wallet_id: &WalletId, secret: &WalletSecret) -> Result<(StoreMeta, Undo)> {
        match self {
            Target::Vault(path, sealed) => {
                write_new_file(path, &sealed, "vault")?;
                let written = path.to_path_buf();
                let undo: Undo = Box::new(move || {
                    let _ = std::fs::remove_file(&written);
                });
                match std::fs::canonicalize(path) {
                    Ok(path) => Ok((StoreMeta::Vault { path }, undo)),
                    Err(e) => {
                        undo();
                        Err(anyhow::Error::new(e).context(format!("resolving {}", path.display())))
                    }
                }
            }
            Target::Keystore(keystore) => {
                keystore.create(wallet_id, secret)?;
                let name = keystore.name().to_string();
                let id = *wallet_id;
                let undo: Undo = Box::new(move || {
                    let _ = keystore.delete(&id);
                });
                Ok((StoreMeta::Keystore { name }, undo))
            }
        }
    }
}
