//! The app's view state: what it keeps between runs (settings, the wallet's
//! public description, its own signed transactions, the ledger memory) and
//! what the last round with the ledger showed. Every decision about these
//! values is made by `assent-core`; this module only holds and stores them.

use crate::platform::Storage;
use assent_core::audit::AuditedAccess;
use assent_core::client::round::Directory;
use assent_core::client::LedgerClient;
use assent_core::ids::{IdentityId, OrgId, TxId};
use assent_core::outbox::Outgoing;
use assent_core::trust::TrustPolicy;
use assent_core::tx::{Delegate, Grant, Kind, SignedTx};
use data_encoding::BASE64;
use serde::{Deserialize, Serialize};

/// Storage keys.
pub mod keys {
    /// [`super::Settings`].
    pub const SETTINGS: &str = "settings.json";
    /// [`super::WalletMeta`].
    pub const WALLET: &str = "wallet.json";
    /// The encrypted vault (base64), where the secret is not in a keystore.
    pub const VAULT: &str = "vault.b64";
    /// [`super::Records`].
    pub const RECORDS: &str = "records.json";
    /// The ledger memory (`LedgerState`).
    pub const LEDGER: &str = "ledger.json";
}

/// Which ledger, under which trust policy; and, in clinic mode, which
/// organisation this device scans for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The ledger's base URL.
    pub ledger: String,
    /// The trust policy (`trust.toml` text): never taken from the ledger.
    pub trust: String,
    /// The organisation this device verifies grants for, in clinic mode.
    #[serde(default)]
    pub clinic: Option<OrgId>,
}

impl Settings {
    /// Whether a ledger is configured at all.
    pub fn is_configured(&self) -> bool {
        !self.ledger.is_empty() && !self.trust.is_empty()
    }

    /// The trust policy, checked.
    ///
    /// # Errors
    /// A plain message naming the problem.
    pub fn policy(&self) -> Result<TrustPolicy, String> {
        if self.trust.trim().is_empty() {
            return Err(
                "no trust policy is set: add your consortium's trust.toml in Settings".into(),
            );
        }
        TrustPolicy::from_toml(&self.trust)
            .map_err(|e| format!("the trust policy is not valid: {e}"))
    }

    /// A ledger client under the trust policy.
    ///
    /// # Errors
    /// As [`Settings::policy`], or no ledger URL.
    pub fn client(&self) -> Result<LedgerClient, String> {
        if self.ledger.trim().is_empty() {
            return Err("no ledger is set: add its address in Settings".into());
        }
        Ok(LedgerClient::new(self.ledger.trim(), self.policy()?))
    }

    /// The ledger's origin (from the trust policy), or the demo's.
    pub fn origin(&self) -> String {
        self.policy()
            .map(|p| p.origin)
            .unwrap_or_else(|_| "local.assent.example".into())
    }
}

/// Where this wallet's secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Keeper {
    /// The OS keystore, by name.
    Keystore {
        /// Its name.
        name: String,
    },
    /// The encrypted vault under [`keys::VAULT`].
    Vault,
}

/// The wallet's public description (nothing secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletMeta {
    /// The wallet id (the keystore account).
    pub wallet_id: String,
    /// The primary identity's public key (`assent1…`).
    pub public_key: String,
    /// Where the secret is.
    pub keeper: Keeper,
}

/// Transactions this wallet signed, and delegations it received, as COSE
/// bytes (base64). The ledger is the source of truth for their status; these
/// are kept so the app can show a grant's QR code and terms at any time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Records {
    /// Signed by this wallet (grants, revocations, delegations).
    #[serde(default)]
    pub signed: Vec<String>,
    /// Delegations from patients naming this wallet as caregiver.
    #[serde(default)]
    pub received: Vec<String>,
}

/// A grant this wallet signed, with what is known of its end.
#[derive(Debug, Clone)]
pub struct MyGrant {
    /// The signed grant.
    pub tx: SignedTx,
    /// Its terms.
    pub grant: Grant,
    /// The revocation this wallet signed for it, if any.
    pub revoked_by: Option<TxId>,
}

impl MyGrant {
    /// Live at `now`: not revoked, period not over.
    pub fn is_live(&self, now: u64) -> bool {
        self.revoked_by.is_none() && self.grant.scope.permit.period.is_none_or(|p| p.end > now)
    }
}

fn open_all(texts: &[String], origin: &str) -> Vec<SignedTx> {
    texts
        .iter()
        .filter_map(|t| BASE64.decode(t.as_bytes()).ok())
        .filter_map(|b| SignedTx::open(&b, origin).ok())
        .collect()
}

impl Records {
    /// Adds a transaction this wallet signed (once).
    pub fn add_signed(&mut self, tx: &SignedTx) {
        let text = BASE64.encode(tx.bytes());
        if !self.signed.contains(&text) {
            self.signed.push(text);
        }
    }

    /// Puts a transaction signed again in place of the one it replaces.
    pub fn replace_signed(&mut self, old: &TxId, new: &SignedTx) {
        let old = old.to_string();
        self.signed.retain(|text| {
            BASE64
                .decode(text.as_bytes())
                .map(|b| TxId::of(&b).to_string() != old)
                .unwrap_or(true)
        });
        self.add_signed(new);
    }

    /// Adds a delegation received (once).
    pub fn add_received(&mut self, tx: &SignedTx) {
        let text = BASE64.encode(tx.bytes());
        if !self.received.contains(&text) {
            self.received.push(text);
        }
    }

    /// The signed transactions, opened for `origin`.
    pub fn signed(&self, origin: &str) -> Vec<SignedTx> {
        open_all(&self.signed, origin)
    }

    /// The grants this wallet signed, newest first, each with its revocation.
    pub fn grants(&self, origin: &str) -> Vec<MyGrant> {
        let signed = self.signed(origin);
        let mut grants: Vec<MyGrant> = signed
            .iter()
            .filter_map(|tx| match &tx.body().kind {
                Kind::Grant(g) => Some(MyGrant {
                    tx: tx.clone(),
                    grant: g.clone(),
                    revoked_by: signed.iter().find_map(|r| match &r.body().kind {
                        Kind::Revoke(rv) if rv.grant.0 == tx.id().0 => Some(r.id()),
                        _ => None,
                    }),
                }),
                _ => None,
            })
            .collect();
        grants.sort_by_key(|g| std::cmp::Reverse(g.tx.body().created));
        grants
    }

    /// The grant with this id.
    pub fn grant(&self, origin: &str, id: &str) -> Option<MyGrant> {
        self.grants(origin)
            .into_iter()
            .find(|g| g.tx.id().to_string() == id)
    }

    /// Delegations this wallet gave, with whether it revoked each.
    pub fn delegations_given(&self, origin: &str) -> Vec<(SignedTx, Delegate, bool)> {
        let signed = self.signed(origin);
        signed
            .iter()
            .filter_map(|tx| match &tx.body().kind {
                Kind::Delegate(d) => {
                    let revoked = signed.iter().any(|r| {
                        matches!(&r.body().kind, Kind::RevokeDelegation(rd) if rd.delegation.0 == tx.id().0)
                    });
                    Some((tx.clone(), d.clone(), revoked))
                }
                _ => None,
            })
            .collect()
    }

    /// Delegations received, opened for `origin`.
    pub fn delegations_received(&self, origin: &str) -> Vec<(SignedTx, Delegate)> {
        open_all(&self.received, origin)
            .into_iter()
            .filter_map(|tx| match tx.body().kind.clone() {
                Kind::Delegate(d) => Some((tx, d)),
                _ => None,
            })
            .collect()
    }
}

/// A checkpoint as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointSummary {
    /// Tree size.
    pub size: u64,
    /// Validators that cosigned.
    pub cosigned: usize,
    /// Validators in the trust policy.
    pub validators: usize,
    /// Cosignatures needed.
    pub needed: usize,
    /// When the quorum cosigned (POSIX seconds).
    pub at: u64,
}

/// What the last round with the ledger showed.
#[derive(Debug, Clone, Default)]
pub struct LedgerView {
    /// `(done, total)` while a history is being verified.
    pub progress: Option<(u64, u64)>,
    /// A round is running.
    pub busy: bool,
    /// The checkpoint held after the last round.
    pub checkpoint: Option<CheckpointSummary>,
    /// History entries verified (all of them, this and earlier rounds).
    pub verified: usize,
    /// Every recorded access, with core's verdict.
    pub accesses: Vec<AuditedAccess>,
    /// Proven directory entries of the organisations named.
    pub directory: Directory,
    /// Transactions whose promised inclusion is overdue.
    pub overdue: Vec<Outgoing>,
    /// The ledger could not be reached or refused (not a lie).
    pub offline: Option<String>,
    /// The ledger was caught lying in this round.
    pub lie: Option<String>,
    /// The wallet's key moved to the one its verified chain shows.
    pub key_moved: Option<String>,
    /// The patient each received delegation came from, as the verified
    /// history names them (see [`LedgerView::patient_of`]).
    pub delegators: std::collections::BTreeMap<TxId, IdentityId>,
    /// Organisations the ledger lists, for the wizard's search (unproven).
    pub listing: Vec<(OrgId, String)>,
}

impl LedgerView {
    /// The patient a received delegation acts for: as this wallet's verified
    /// history names them, else the delegation's signer (the patient's first
    /// key, which stops naming them once they rotate).
    pub fn patient_of(&self, delegation: &SignedTx) -> IdentityId {
        self.delegators
            .get(&delegation.id())
            .copied()
            .unwrap_or(IdentityId(delegation.signer()))
    }

    /// A proven organisation name, or a neutral description.
    pub fn org_name(&self, org: &OrgId) -> String {
        self.directory.get(org).map_or_else(
            || format!("organisation {}…", &org.to_string()[..8]),
            |o| o.name.clone(),
        )
    }
}

/// Loads a JSON value from storage: the default when absent.
///
/// # Errors
/// Why the saved text does not read as a `T`. The text is left as it was:
/// [`crate::state::AppState`] keeps a damaged value from being saved over.
pub fn load<T: for<'de> Deserialize<'de> + Default>(
    store: &dyn Storage,
    key: &str,
) -> Result<T, String> {
    match store.get(key) {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| e.to_string()),
    }
}

/// Saves a JSON value to storage.
///
/// # Errors
/// A message when it cannot be written.
pub fn save<T: Serialize>(store: &dyn Storage, key: &str, value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    store.put(key, &text)
}
