//! # assent-app: the Assent wallet app
//!
//! The Dioxus app (desktop and web from one code base; mobile manifests in
//! `platforms/`) that patients, caregivers and clinic staff use (DESIGN §6).
//! Every rule — signing, proofs, the policy engine, QR codes, the clinic's
//! verdict — comes from `assent-core`; the app holds view state only.
//!
//! - [`platform`]: the edges (clock, storage, where the secret is kept);
//! - [`model`] and [`state`]: what is kept and shown;
//! - [`actions`]: what the screens ask core and the ledger to do;
//! - [`screens`]: one file per screen; [`components`]: the pieces they share.
//!
//! The screens render without a window, which is how they are tested:
//!
//! ```
//! use assent_app::{platform::MemoryStorage, App, AppProps};
//! let props = AppProps::in_memory(std::rc::Rc::new(MemoryStorage::default()));
//! let mut dom = dioxus::prelude::VirtualDom::new_with_props(App, props);
//! dom.rebuild_in_place();
//! let html = dioxus_ssr::render(&dom);
//! assert!(html.contains("Create a new wallet"));
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod actions;
pub mod components;
pub mod launch;
pub mod model;
pub mod onboarding;
pub mod platform;
pub mod screens;
pub mod state;

use dioxus::prelude::*;
use platform::SharedStorage;
use screens::{
    caregiving::Caregiving, clinic::Clinic, grant_detail::GrantDetail, history::History,
    home::Home, settings::SettingsScreen, wizard::Wizard,
};

/// The app's styles (`assets/app.css`), inlined so every platform gets them
/// without a bundler.
pub const STYLE: &str = include_str!("../../assets/app.css");

/// The screens and their addresses.
#[derive(Routable, Clone, PartialEq, Debug)]
#[rustfmt::skip]
#[allow(missing_docs)]
pub enum Route {
    #[layout(components::shell::Shell)]
        #[route("/")]
        Home {},
        #[route("/grant/new")]
        Wizard {},
        #[route("/grant/:id")]
        GrantDetail { id: String },
        #[route("/history")]
        History {},
        #[route("/care")]
        Caregiving {},
        #[route("/clinic")]
        Clinic {},
        #[route("/settings")]
        SettingsScreen {},
}

/// What the app starts with.
#[derive(Props, Clone)]
pub struct AppProps {
    /// The storage edge.
    pub store: SharedStorage,
    /// Settings used when none were saved (the local consortium's).
    pub defaults: model::Settings,
    /// Initial path (tests render a screen directly).
    #[props(default)]
    pub start: Option<Route>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.store, &other.store) && self.defaults == other.defaults
    }
}

impl AppProps {
    /// An app over `store` with no ledger configured.
    pub fn in_memory(store: SharedStorage) -> Self {
        AppProps {
            store,
            defaults: model::Settings::default(),
            start: None,
        }
    }
}

/// The app: state from storage, styles, and the router.
#[component]
pub fn App(props: AppProps) -> Element {
    let store = props.store.clone();
    let defaults = props.defaults.clone();
    use_context_provider(move || state::AppState::load(store, defaults));
    // Tests (and deep links) start on a given screen; platforms otherwise
    // provide their own history (the browser's URL on the web).
    let start = props.start.clone();
    use_hook(move || {
        if let Some(start) = start {
            dioxus::history::provide_history_context(std::rc::Rc::new(
                dioxus::history::MemoryHistory::with_initial_path(start),
            ));
        }
    });
    rsx! {
        style { {STYLE} }
        Router::<Route> {}
    }
}
