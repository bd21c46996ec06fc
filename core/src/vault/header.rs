//! The vault header: `magic(8) ‖ version(1) ‖ m_kib(4) ‖ t(4) ‖ p(4) ‖
//! salt(16) ‖ nonce(24)`, integers big-endian, 61 bytes in all. The whole
//! header is the AEAD's associated data, so no field of it can be changed
//! without the tag failing.

use super::VaultError;

/// The first bytes of every vault and backup file.
pub const MAGIC: [u8; 8] = *b"ASSENTVT";
/// The format version written by this code.
pub const VERSION: u8 = 1;
/// Header length in bytes.
pub const HEADER_LEN: usize = 8 + 1 + 4 + 4 + 4 + 16 + 24;

/// Argon2id memory (KiB), passes and lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes (parallelism).
    pub p: u32,
}

impl KdfParams {
    /// PROTOCOL §1's default: 64 MiB and 3 passes as in RFC 9106 §4's second
    /// recommendation, with one lane (that recommendation uses four); well
    /// above OWASP's minimum (19 MiB, 2 passes, 1 lane).
    pub const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// The weakest setting read or written: 19 MiB (PROTOCOL §1's `TooWeak`
    /// bound, OWASP's minimum memory), and the one pass and one lane Argon2
    /// itself needs.
    pub const MINIMUM: KdfParams = KdfParams {
        m_kib: 19 * 1024,
        t: 1,
        p: 1,
    };
    /// The most work a file may ask of this machine (1 GiB, 10 passes, 4 lanes).
    pub const MAXIMUM: KdfParams = KdfParams {
        m_kib: 1024 * 1024,
        t: 10,
        p: 4,
    };

    /// Checks that the parameters are neither too weak nor too costly.
    ///
    /// # Errors
    /// [`VaultError::ExcessiveWork`] above [`KdfParams::MAXIMUM`] (a hostile
    /// file must not pin the machine); [`VaultError::TooWeak`] below
    /// [`KdfParams::MINIMUM`].
    pub fn check(&self) -> Result<(), VaultError> {
        let max = Self::MAXIMUM;
        if self.m_kib > max.m_kib || self.t > max.t || self.p > max.p {
            return Err(VaultError::ExcessiveWork {
                required: *self,
                max,
            });
        }
        let min = Self::MINIMUM;
        if self.m_kib < min.m_kib || self.t < min.t || self.p < min.p {
            return Err(VaultError::TooWeak { found: *self, min });
        }
        Ok(())
    }
}

/// A parsed vault header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Key-derivation cost.
    pub kdf: KdfParams,
    /// Argon2id salt.
    pub salt: [u8; 16],
    /// XChaCha20-Poly1305 nonce.
    pub nonce: [u8; 24],
}

impl Header {
    /// The header's bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..8].copy_from_slice(&MAGIC);
        out[8] = VERSION;
        out[9..13].copy_from_slice(&self.kdf.m_kib.to_be_bytes());
        out[13..17].copy_from_slice(&self.kdf.t.to_be_bytes());
        out[17..21].copy_from_slice(&self.kdf.p.to_be_bytes());
        out[21..37].copy_from_slice(&self.salt);
        out[37..61].copy_from_slice(&self.nonce);
        out
    }

    /// Parses and checks the header at the start of `file`.
    ///
    /// # Errors
    /// [`VaultError::NotAVault`], [`VaultError::UnsupportedVersion`],
    /// [`VaultError::Truncated`], or the parameter checks of [`KdfParams::check`].
    pub fn parse(file: &[u8]) -> Result<Header, VaultError> {
        if file.len() < MAGIC.len() || file[..8] != MAGIC {
            return Err(VaultError::NotAVault);
        }
        if file.len() < 9 {
            return Err(VaultError::Truncated);
        }
        if file[8] != VERSION {
            return Err(VaultError::UnsupportedVersion(file[8]));
        }
        let header: &[u8; HEADER_LEN] = file
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(VaultError::Truncated)?;
        let be = |at: usize| {
            u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
        };
        let kdf = KdfParams {
            m_kib: be(9),
            t: be(13),
            p: be(17),
        };
        kdf.check()?;
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&header[21..37]);
        let mut nonce = [0u8; 24];
        nonce.copy_from_slice(&header[37..61]);
        Ok(Header { kdf, salt, nonce })
    }
}
