//! Web edges: the browser's clock and `localStorage` (under an `assent.`
//! prefix).

use super::Storage;

/// POSIX seconds now (`Date.now()`; `SystemTime` panics on the web).
pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// Waits `pause` without blocking the page (`setTimeout`).
pub async fn pause(pause: std::time::Duration) {
    let ms = i32::try_from(pause.as_millis()).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// `window.localStorage`.
pub struct LocalStorage;

impl LocalStorage {
    /// The page's storage.
    pub fn open() -> Self {
        LocalStorage
    }

    fn store() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }
}

impl Storage for LocalStorage {
    fn get(&self, key: &str) -> Option<String> {
        Self::store()?.get_item(&format!("assent.{key}")).ok()?
    }

    fn put(&self, key: &str, value: &str) -> Result<(), String> {
        Self::store()
            .ok_or("this browser gives the page no storage")?
            .set_item(&format!("assent.{key}"), value)
            .map_err(|_| "the browser refused to store the data (storage full?)".to_string())
    }

    fn remove(&self, key: &str) {
        if let Some(s) = Self::store() {
            let _ = s.remove_item(&format!("assent.{key}"));
        }
    }
}
