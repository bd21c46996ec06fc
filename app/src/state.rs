//! The app's shared state ([`AppState`], given to every screen as context)
//! and loading it from the storage edge.

use crate::model::{self, keys, LedgerView, Records, Settings, WalletMeta};
use crate::platform::SharedStorage;
use assent_core::client::sync::LedgerState;
use assent_core::ids::TxId;
use assent_core::wallet::WalletSecret;
use dioxus::prelude::*;
use std::collections::BTreeMap;
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
    /// Problems met while loading or saving state, in plain words.
    pub load_errors: Signal<Vec<String>>,
    /// Saved values that did not read back, by storage key, with why. Each
    /// is kept exactly as found and never saved over until the person sets
    /// it aside ([`AppState::set_aside`]).
    pub damaged: Signal<BTreeMap<String, String>>,
}

impl AppState {
    /// Loads the saved state (call inside a component: signals need an
    /// owner). `defaults` fill settings that were never saved.
    pub fn load(store: SharedStorage, defaults: Settings) -> Self {
        let mut damaged = BTreeMap::new();
        let mut settings: Settings = read(&*store, keys::SETTINGS, &mut damaged);
        if !settings.is_configured() {
            settings = Settings {
                clinic: settings.clinic,
                ..defaults
            };
        }
        let meta: Option<WalletMeta> = read(&*store, keys::WALLET, &mut damaged);
        let records: Records = read(&*store, keys::RECORDS, &mut damaged);
        let ledger: LedgerState = read(&*store, keys::LEDGER, &mut damaged);
        AppState {
            store,
            settings: Signal::new(settings),
            meta: Signal::new(meta),
            wallet: Signal::new(None),
            records: Signal::new(records),
            ledger: Signal::new(ledger),
            view: Signal::new(LedgerView::default()),
            acting_for: Signal::new(None),
            load_errors: Signal::new(Vec::new()),
            damaged: Signal::new(damaged),
        }
    }

    /// Whether the wallet may talk to the ledger and sign: not while its
    /// ledger memory or its records are damaged, as a fresh memory would
    /// trust whatever checkpoint comes next without a word (no rollback or
    /// fork could be seen against the one verified before).
    ///
    /// # Errors
    /// Which file stands in the way, in plain words.
    pub fn ledger_usable(&self) -> Result<(), String> {
        match [keys::LEDGER, keys::RECORDS]
            .into_iter()
            .find(|k| self.damaged.read().contains_key(*k))
        {
            Some(key) => Err(format!(
                "{key} is damaged, so nothing is sent, signed or checked against the ledger \
                 until you set it aside"
            )),
            None => Ok(()),
        }
    }

    /// Sets a damaged value aside: its text is kept under
    /// `<key>.damaged-<time>` (evidence, never deleted by the app) and the
    /// app goes on with what it holds now, which later saves write under
    /// `key`.
    ///
    /// # Errors
    /// When the copy cannot be written; then nothing changed.
    pub fn set_aside(&mut self, key: &str) -> Result<String, String> {
        let kept = format!("{key}.damaged-{}", crate::platform::now());
        if let Some(text) = self.store.get(key) {
            self.store.put(&kept, &text)?;
        }
        self.damaged.write().remove(key);
        self.load_errors.write().push(format!(
            "{key} was set aside (kept as {kept}); the app now starts it afresh."
        ));
        // Saved at once, so a relaunch does not find the damage again.
        if let Some(what) = Persist::ALL.into_iter().find(|p| p.key() == key) {
            self.persist(what);
        }
        Ok(kept)
    }
    /// The ledger origin the wallet signs for.
    pub fn origin(&self) -> String {
        self.settings.read().origin()
    }

    /// Saves one part of the model; a failure, or a damaged value that
    /// must not be saved over, is shown as a load error.
    pub fn persist(&mut self, what: Persist) {
        let key = what.key();
        let result = if self.damaged.read().contains_key(key) {
            Err(format!(
                "{key} was not saved: the damaged file is kept as it is until you set it aside"
            ))
        } else {
            match what {
                Persist::Settings => model::save(&*self.store, key, &*self.settings.read()),
                Persist::Records => model::save(&*self.store, key, &*self.records.read()),
                Persist::Ledger => model::save(&*self.store, key, &*self.ledger.read()),
                Persist::Meta => match &*self.meta.read() {
                    Some(meta) => model::save(&*self.store, key, meta),
                    None => Ok(()),
                },
            }
        };
        if let Err(e) = result {
            let mut errors = self.load_errors.write();
            if !errors.contains(&e) {
                errors.push(e);
            }
        }
    }
}

/// Reads one saved value, noting it in `damaged` (and starting from the
/// default) when it does not read back.
fn read<T: for<'de> serde::Deserialize<'de> + Default>(
    store: &dyn crate::platform::Storage,
    key: &str,
    damaged: &mut BTreeMap<String, String>,
) -> T {
    model::load(store, key).unwrap_or_else(|e| {
        damaged.insert(key.to_string(), e);
        T::default()
    })
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

impl Persist {
    /// Every part.
    pub const ALL: [Persist; 4] = [
        Persist::Settings,
        Persist::Records,
        Persist::Ledger,
        Persist::Meta,
    ];

    /// Its storage key.
    pub fn key(self) -> &'static str {
        match self {
            Persist::Settings => keys::SETTINGS,
            Persist::Records => keys::RECORDS,
            Persist::Ledger => keys::LEDGER,
            Persist::Meta => keys::WALLET,
        }
    }
}

/// The app state from context.
pub fn use_app() -> AppState {
    use_context::<AppState>()
}
