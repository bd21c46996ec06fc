//! The roots each platform launches: they open the platform's storage and
//! find the settings to start from (the local consortium's on the desktop;
//! the deployment's `assent-config.json` on the web).

use crate::model::Settings;
use crate::platform::PlatformStorage;
use crate::App;
use dioxus::prelude::*;
use std::rc::Rc;
use std::sync::OnceLock;

static DEFAULTS: OnceLock<Settings> = OnceLock::new();

/// Sets the settings a fresh install starts from (call before launch).
pub fn set_defaults(settings: Settings) {
    let _ = DEFAULTS.set(settings);
}

#[cfg(not(target_arch = "wasm32"))]
static STARTED: OnceLock<std::time::Instant> = OnceLock::new();

/// Marks the process start, to report the time to the first screen.
#[cfg(not(target_arch = "wasm32"))]
pub fn mark_start(at: std::time::Instant) {
    let _ = STARTED.set(at);
}

/// The desktop root: files in the OS data folder, defaults set before launch.
#[component]
pub fn Root() -> Element {
    let store: crate::platform::SharedStorage = use_hook(|| Rc::new(PlatformStorage::open()));
    let defaults = DEFAULTS.get().cloned().unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    use_effect(|| {
        let measure = std::env::var_os("ASSENT_MEASURE_START").is_some();
        if let (true, Some(at)) = (measure, STARTED.get()) {
            // Printed once the first screen is on the page.
            println!("first screen after {} ms", at.elapsed().as_millis());
            if std::env::var_os("ASSENT_EXIT_AFTER_FIRST_SCREEN").is_some() {
                std::process::exit(0);
            }
        }
    });
    rsx! { App { store, defaults, start: None } }
}

/// The web root: `localStorage`, and the deployment's settings from
/// `assent-config.json` next to the page (ledger URL and trust policy: the
/// policy comes with the app, never from the ledger).
#[component]
pub fn WebRoot() -> Element {
    let store: crate::platform::SharedStorage = use_hook(|| Rc::new(PlatformStorage::open()));
    let config = use_resource(fetch_config);
    let loaded = config.read().clone();
    match loaded {
        None => rsx! { p { role: "status", "Starting…" } },
        Some(defaults) => rsx! { App { store, defaults, start: None } },
    }
}

/// `assent-config.json`: `{ "ledger": URL, "trust": TOML text }`; empty
/// settings when there is none.
async fn fetch_config() -> Settings {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) else {
            return Settings::default();
        };
        let url = format!("{origin}/assent-config.json");
        match reqwest_get(&url).await {
            Some(s) => s,
            None => Settings::default(),
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Settings::default()
    }
}

#[cfg(target_arch = "wasm32")]
async fn reqwest_get(url: &str) -> Option<Settings> {
    let response = assent_core::client::fetch_text(url).await.ok()?;
    serde_json::from_str(&response).ok()
}
