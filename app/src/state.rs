//! The app's shared state ([`AppState`], given to every screen as context)
//! and loading it from the storage edge.

use crate::model::{self, keys, LedgerView, Records, Settings, WalletMeta};
use crate::platform::SharedStorage;
use assent_core::client::sync::LedgerState;
use assent_core::ids::TxId;
use assent_core::wallet::WalletSecret;
use dioxus::prelude::*;
use std::rc::Rc;

/// Everything the screens read and write: signals over the model, and the
/// storage edge. Cheap to copy into event handlers and tasks.
#[derive(Clone)]
pub struct AppState {
    /// The storage edge.
    pub store: SharedStorage,
    /// Ledger and trust settings.
    pub settings: Signal<Settings>,
    /// The wallet's public description, once one exists.
    pub meta: Signal<Option<WalletMeta>>,
    /// The unlocked secret (never stored by the app outside its keeper).
    pub wallet: Signal<Option<Rc<WalletSecret>>>,
    /// The wallet's own signed transactions and received delegations.
    pub records: Signal<Records>,
    /// The ledger memory: checkpoint, outbox, verified histories.
    pub ledger: Signal<LedgerState>,
    /// What the last round showed.
    pub view: Signal<LedgerView>,
    /// The delegation under which this wallet acts for a patient, if any.
    pub acting_for: Signal<Option<TxId>>,
    /// Problems met while loading saved state.
    pub load_errors: Signal<Vec<String>>,
}

impl AppState {
    /// Loads the saved state (call inside a component: signals need an
    /// owner). `defaults` fill settings that were never saved.
    pub fn load(store: SharedStorage, defaults: Settings) -> Self {
        let mut errors = Vec::new();
        let (mut settings, e1): (Settings, _) = model::load(&*store, keys::SETTINGS);
        if !settings.is_configured() {
            settings = Settings {
                clinic: settings.clinic,
                ..defaults
            };
        }
        let meta: Option<WalletMeta> = store
            .get(keys::WALLET)
            .and_then(|t| serde_json::from_str(&t).ok());
        let (records, e2): (Records, _) = model::load(&*store, keys::RECORDS);
        let (ledger, e3): (LedgerState, _) = model::load(&*store, keys::LEDGER);
        errors.extend([e1, e2, e3].into_iter().flatten());
        AppState {
            store,
            settings: Signal::new(settings),
            meta: Signal::new(meta),
            wallet: Signal::new(None),
            records: Signal::new(records),
            ledger: Signal::new(ledger),
            view: Signal::new(LedgerView::default()),
            acting_for: Signal::new(None),
            load_errors: Signal::new(errors),
        }
    }

    /// The ledger origin the wallet signs for.
    pub fn origin(&self) -> String {
        self.settings.read().origin()
    }

    /// Saves one part of the model; a failure is shown as a load error.
    pub fn persist(&mut self, what: Persist) {
        let result = match what {
            Persist::Settings => model::save(&*self.store, keys::SETTINGS, &*self.settings.read()),
            Persist::Records => model::save(&*self.store, keys::RECORDS, &*self.records.read()),
            Persist::Ledger => model::save(&*self.store, keys::LEDGER, &*self.ledger.read()),
            Persist::Meta => match &*self.meta.read() {
                Some(meta) => model::save(&*self.store, keys::WALLET, meta),
                None => Ok(()),
            },
        };
        if let Err(e) = result {
            self.load_errors.write().push(e);
        }
    }
}

/// Which part of the model to save.
#[derive(Debug, Clone, Copy)]
pub enum Persist {
    /// [`Settings`].
    Settings,
    /// [`Records`].
    Records,
    /// The ledger memory.
    Ledger,
    /// [`WalletMeta`].
    Meta,
}

/// The app state from context.
pub fn use_app() -> AppState {
    use_context::<AppState>()
}
