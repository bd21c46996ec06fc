//! A file edge: atomic, durable writes for the wallet's files.
//!
//! Both writers put the bytes in a temporary file beside the target (a random
//! name, created exclusively, readable by its owner only), flush it to disk,
//! move it into place and flush the directory, so a crash leaves either the
//! old file or the new one, never a torn mix.
//!
//! - [`write_atomic`] replaces the target if it exists.
//! - [`write_new_atomic`] never replaces anything: it fails with
//!   [`io::ErrorKind::AlreadyExists`] if the target exists, even if it appeared
//!   a moment ago (the move is a hard link, which the OS refuses atomically).

use rand_core::RngCore;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically and durably, replacing any old file.
///
/// # Errors
/// Any I/O error. If it happens before the move, the target is unchanged; the
/// temporary file is always removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, bytes, |tmp, target| fs::rename(tmp, target))
}

/// Writes `bytes` to a new file at `path`, atomically and durably; never
/// replaces an existing file.
///
/// # Errors
/// [`io::ErrorKind::AlreadyExists`] if `path` exists (it is left untouched),
/// or any other I/O error.
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, bytes, |tmp, target| {
        fs::hard_link(tmp, target)?;
        fs::remove_file(tmp)
    })
}

fn write_via_temp(
    path: &Path,
    bytes: &[u8],
    place: impl FnOnce(&Path, &Path) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (tmp, mut file) = create_temp(dir, path)?;
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        place(&tmp, path)?;
        sync_dir(dir)
    })();
    // Only ever removes the file this call created; after a move it is gone
    // (rename) or an extra link (hard link) and removing it is harmless.
    if tmp.exists() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn create_temp(dir: &Path, target: &Path) -> io::Result<(PathBuf, File)> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path names no file"))?;
    loop {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{:016x}", rand_core::OsRng.next_u64()));
        let tmp = dir.join(tmp_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut n: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.vault");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(
            names(dir.path()),
            vec![std::ffi::OsString::from("wallet.vault")]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }

    #[test]
    fn write_new_never_replaces_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup.assent");
        write_new_atomic(&path, b"first").unwrap();
        let err = write_new_atomic(&path, b"second").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert_eq!(
            names(dir.path()),
            vec![std::ffi::OsString::from("backup.assent")]
        );
    }

    #[test]
    fn concurrent_writers_to_one_file_do_not_trip_over_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.json");
        std::thread::scope(|s| {
            for i in 0..8u8 {
                let path = &path;
                s.spawn(move || write_atomic(path, &[i; 64]).unwrap());
            }
        });
        let content = fs::read(&path).unwrap();
        assert!(
            content.iter().all(|b| *b == content[0]),
            "one whole write won"
        );
        assert_eq!(
            names(dir.path()),
            vec![std::ffi::OsString::from("wallet.json")]
        );
    }

    #[test]
    fn a_failed_write_leaves_no_trace() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("f");
        assert!(write_atomic(&path, b"x").is_err());
        assert!(names(dir.path()).is_empty());
    }
}
