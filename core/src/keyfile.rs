//! Key files, an I/O edge: one Ed25519 secret per file, 64 hex characters,
//! owner-only permissions. Operators keep the sequencer's, validators' and
//! organisations' keys this way (or in an HSM, later); the secret is wiped
//! from memory after use. Patients' keys never live here (keystore, vault).

use crate::keys::SigningKey;
use rand_core::{OsRng, RngCore};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// It cannot be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Others may read it.
    #[error("key file {path} is readable by others (mode {mode:o}); chmod 600 it")]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Not 64 hex characters.
    #[error("key file {0} is not 64 hex characters")]
    Malformed(PathBuf),
}

type Result<T> = std::result::Result<T, KeyFileError>;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads a key file.
///
/// # Errors
/// If the file is missing, readable by others, or not 64 hex characters.
pub fn read(path: &Path) -> Result<SigningKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(io(path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(KeyFileError::Exposed {
                path: path.to_owned(),
                mode: mode & 0o777,
            });
        }
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io(path))?);
    let bytes = Zeroizing::new(
        data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.trim().as_bytes())
            .ok()
            .filter(|b| b.len() == 32)
            .ok_or_else(|| KeyFileError::Malformed(path.to_owned()))?,
    );
    let mut secret = Zeroizing::new([0u8; 32]);
    secret.copy_from_slice(&bytes);
    Ok(SigningKey::from_secret_bytes(&secret))
}

/// Writes a fresh key to `path` (which must not exist) and returns it.
///
/// # Errors
/// If the file exists or cannot be written.
pub fn generate(path: &Path) -> Result<SigningKey> {
    let mut secret = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(secret.as_mut());
    write(path, &secret)
}

/// Writes the key of `secret` to `path` (which must not exist), readable by
/// its owner only, and returns it.
///
/// # Errors
/// If the file exists or cannot be written.
pub fn write(path: &Path, secret: &[u8; 32]) -> Result<SigningKey> {
    let text = Zeroizing::new(data_encoding::HEXLOWER.encode(secret) + "\n");
    write_private(path, text.as_bytes())?;
    Ok(SigningKey::from_secret_bytes(secret))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_reads_back_and_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let key = generate(&path).unwrap();
        assert_eq!(read(&path).unwrap().public_key(), key.public_key());
        assert!(generate(&path).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        generate(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read(&path).unwrap_err().to_string().contains("chmod 600"));
    }
}
