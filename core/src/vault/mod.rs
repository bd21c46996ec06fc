//! The encrypted file vault (and the backup file, which has the same format).
//!
//! Where no OS keystore is usable, the wallet's secret lives in a file:
//! Argon2id (RFC 9106) turns a passphrase and a random salt into a key, and
//! XChaCha20-Poly1305 encrypts the keystore item under it with the whole
//! [`header`] as associated data (PROTOCOL §1).
//!
//! On reading, the cost parameters come from the (untrusted) file, so they are
//! checked before any work: more than 1 GiB, 10 passes or 4 lanes is
//! [`VaultError::ExcessiveWork`]; less than 19 MiB (or no pass or lane at all)
//! is [`VaultError::TooWeak`]. Passphrases are Unicode-normalised (NFKD, as
//! BIP39 does) so that the same words typed on another device open the file.
//! A wrong passphrase and an altered file give the same
//! [`VaultError::DecryptionFailed`]: no oracle says which.
//!
//! ```
//! use assent_core::vault::{self, KdfParams, Passphrase};
//! let pass = Passphrase::new("correct horse battery staple".into());
//! let file = vault::seal(b"secret", &pass, KdfParams::MINIMUM, &mut rand_core::OsRng).unwrap();
//! assert_eq!(vault::open(&file, &pass).unwrap().as_slice(), b"secret");
//! let wrong = Passphrase::new("Tr0ub4dor&3".into());
//! assert_eq!(vault::open(&file, &wrong).unwrap_err(), vault::VaultError::DecryptionFailed);
//! ```

pub mod aead;
pub mod header;

pub use header::{Header, KdfParams, HEADER_LEN};

use crate::wallet::{WalletError, WalletSecret};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

/// The largest vault file read: header, a keystore item at its limit, tag.
pub const MAX_FILE_SIZE: usize = HEADER_LEN + crate::wallet::MAX_ITEM_SIZE + aead::TAG_LEN;

/// Why a vault could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The file does not start with the vault's magic bytes.
    #[error("not an Assent vault or backup file")]
    NotAVault,
    /// A format version this code does not read.
    #[error("vault format version {0} is not supported (this build reads version {v})", v = header::VERSION)]
    UnsupportedVersion(u8),
    /// Shorter than a header and a tag.
    #[error("the vault file is truncated")]
    Truncated,
    /// Larger than [`MAX_FILE_SIZE`].
    #[error("the vault file is {len} bytes, more than the {MAX_FILE_SIZE} a vault can be")]
    TooLarge {
        /// Its size.
        len: usize,
    },
    /// The file asks for more key-derivation work than this machine allows.
    #[error(
        "the vault asks for Argon2id m={} KiB, t={}, p={}; at most m={} KiB, t={}, p={} is allowed",
        required.m_kib, required.t, required.p, max.m_kib, max.t, max.p
    )]
    ExcessiveWork {
        /// What the file asks for.
        required: KdfParams,
        /// The limit.
        max: KdfParams,
    },
    /// The file's key derivation is weaker than the minimum.
    #[error(
        "the vault uses Argon2id m={} KiB, t={}, p={}, weaker than the minimum m={} KiB, t={}, p={}",
        found.m_kib, found.t, found.p, min.m_kib, min.t, min.p
    )]
    TooWeak {
        /// What the file has.
        found: KdfParams,
        /// The minimum.
        min: KdfParams,
    },
    /// An empty passphrase was given for a new vault.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// Wrong passphrase, or the file was altered.
    #[error("wrong passphrase, or the file was altered")]
    DecryptionFailed,
    /// It decrypted, but the content is not a wallet.
    #[error("the vault decrypted but holds no valid wallet: {0}")]
    Wallet(#[from] WalletError),
}

/// A passphrase typed by a person. Wiped on drop; `Debug` is redacted.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase, normalised to Unicode NFKD (the given string is
    /// wiped).
    pub fn new(passphrase: String) -> Self {
        use unicode_normalization::UnicodeNormalization;
        let given = Zeroizing::new(passphrase);
        let mut normalised = Zeroizing::new(String::with_capacity(given.len() * 3));
        normalised.extend(given.nfkd());
        Passphrase(normalised)
    }

    /// The passphrase text.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase([REDACTED])")
    }
}

fn derive_key(
    passphrase: &Passphrase,
    header: &Header,
) -> Result<Zeroizing<[u8; aead::KEY_LEN]>, VaultError> {
    let params = argon2::Params::new(
        header.kdf.m_kib,
        header.kdf.t,
        header.kdf.p,
        Some(aead::KEY_LEN),
    )
    // Checked parameters are always within Argon2's own bounds.
    .map_err(|_| VaultError::TooWeak {
        found: header.kdf,
        min: KdfParams::MINIMUM,
    })?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; aead::KEY_LEN]);
    argon
        .hash_password_into(
            passphrase.expose_secret().as_bytes(),
            &header.salt,
            key.as_mut(),
        )
        .map_err(|_| VaultError::DecryptionFailed)?;
    Ok(key)
}

/// Encrypts `plaintext` under `passphrase` into a vault file.
///
/// # Errors
/// [`VaultError::EmptyPassphrase`]; the parameter checks of [`KdfParams::check`];
/// [`VaultError::TooLarge`] for a plaintext above the item limit.
pub fn seal(
    plaintext: &[u8],
    passphrase: &Passphrase,
    kdf: KdfParams,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, VaultError> {
    if passphrase.expose_secret().is_empty() {
        return Err(VaultError::EmptyPassphrase);
    }
    kdf.check()?;
    if plaintext.len() > crate::wallet::MAX_ITEM_SIZE {
        return Err(VaultError::TooLarge {
            len: HEADER_LEN + plaintext.len() + aead::TAG_LEN,
        });
    }
    let mut header = Header {
        kdf,
        salt: [0; 16],
        nonce: [0; 24],
    };
    rng.fill_bytes(&mut header.salt);
    rng.fill_bytes(&mut header.nonce);
    let key = derive_key(passphrase, &header)?;
    let header_bytes = header.to_bytes();
    let sealed = aead::encrypt(&key, &header.nonce, &header_bytes, plaintext)
        .expect("the header's nonce has the AEAD's nonce length");
    let mut file = Vec::with_capacity(HEADER_LEN + sealed.len());
    file.extend_from_slice(&header_bytes);
    file.extend_from_slice(&sealed);
    Ok(file)
}

/// Decrypts a vault file.
///
/// # Errors
/// Structural faults ([`VaultError::NotAVault`], [`VaultError::Truncated`],
/// [`VaultError::TooLarge`], version and parameter checks) before any work;
/// then [`VaultError::DecryptionFailed`] for a wrong passphrase or any altered byte.
pub fn open(file: &[u8], passphrase: &Passphrase) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if file.len() > MAX_FILE_SIZE {
        return Err(VaultError::TooLarge { len: file.len() });
    }
    let header = Header::parse(file)?;
    if file.len() < HEADER_LEN + aead::TAG_LEN {
        return Err(VaultError::Truncated);
    }
    let key = derive_key(passphrase, &header)?;
    aead::decrypt(
        &key,
        &header.nonce,
        &file[..HEADER_LEN],
        &file[HEADER_LEN..],
    )
    .map_err(|_| VaultError::DecryptionFailed)
}

/// Encrypts a wallet's secret into a vault (or backup) file.
///
/// # Errors
/// As [`seal`].
pub fn seal_wallet(
    wallet: &WalletSecret,
    passphrase: &Passphrase,
    kdf: KdfParams,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, VaultError> {
    seal(&wallet.to_item(), passphrase, kdf, rng)
}

/// Decrypts a vault (or backup) file into a wallet's secret.
///
/// # Errors
/// As [`open`], and [`VaultError::Wallet`] if the content is not a wallet.
pub fn open_wallet(file: &[u8], passphrase: &Passphrase) -> Result<WalletSecret, VaultError> {
    Ok(WalletSecret::from_item(&open(file, passphrase)?)?)
}

#[cfg(test)]
mod tests;
