//! Desktop edges: files in the OS data folder, the system clock.

use super::Storage;
use std::path::PathBuf;

/// POSIX seconds now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Waits `pause` on the desktop's async runtime (tokio).
pub async fn pause(pause: std::time::Duration) {
    tokio::time::sleep(pause).await;
}

/// One file per key in a folder: `$ASSENT_APP_DIR`, else the OS data folder
/// (`~/.local/share/assent/app` on Linux). Writes are atomic.
pub struct FileStorage {
    root: PathBuf,
}

impl FileStorage {
    /// The app's folder.
    pub fn open() -> Self {
        let root = std::env::var_os("ASSENT_APP_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                directories::ProjectDirs::from("org", "Assent", "assent")
                    .map(|p| p.data_dir().join("app"))
            })
            .unwrap_or_else(|| PathBuf::from(".assent-app"));
        FileStorage { root }
    }

    /// The folder.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    fn path(&self, key: &str) -> PathBuf {
        // Keys are the app's own constants; refuse anything path-like.
        debug_assert!(!key.contains(['/', '\\']) && !key.starts_with('.'));
        self.root.join(key)
    }
}

impl Storage for FileStorage {
    fn get(&self, key: &str) -> Option<String> {
        std::fs::read_to_string(self.path(key)).ok()
    }

    fn put(&self, key: &str, value: &str) -> Result<(), String> {
        std::fs::create_dir_all(&self.root).map_err(|e| e.to_string())?;
        assent_core::fsio::write_atomic(&self.path(key), value.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", self.path(key).display()))
    }

    fn remove(&self, key: &str) {
        let _ = std::fs::remove_file(self.path(key));
    }
}
