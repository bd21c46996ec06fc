//! The monitor on a live ledger (`assent-monitor run`): the I/O edge around
//! the pure parts. Each [`Monitor::pass`] follows the log to the newest
//! quorum-cosigned checkpoint (every leaf hashed into the tree and the root
//! compared, [`LogFollower`]), feeds the new entries to the [`Detector`],
//! and then takes the next step the ledger's rules allow, waiting for the
//! step before to be on the log:
//!
//! 1. once the training week is in, register the model (its parameter
//!    hash, code version, seed, window, training summary, evaluation hash);
//! 2. activate it;
//! 3. post one `MonitoringAlert` per chosen case with accesses it has not
//!    flagged yet ([`crate::alerting`]).
//!
//! It keeps nothing on disk: what it registered, activated and posted is on
//! the ledger, read back from its own signed entries, so a restarted
//! monitor picks up where it stopped; what it sends depends only on the log
//! it followed, so a restart before its last transactions were cosigned
//! sends the same bytes again, and the ledger refuses them as replays.
//! It never revokes or suspends anything.

use crate::alerting::{alert_for, case_id, chosen};
use crate::detector::Detector;
use crate::entries::LedgerEntry;
use crate::eval::cases;
use crate::rescore::params_hash;
use crate::rules::Alert;
use assent_core::client::log_follower::{FollowError, LogFollower};
use assent_core::client::{ClientError, LedgerClient};
use assent_core::ids::{CaseId, ContentHash, ModelId, TxId};
use assent_core::keys::SigningKey;
use assent_core::state::Genesis;
use assent_core::tx::{ActivateModel, Body, Kind, RegisterModel, SignedTx, TxError};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The code version registered with each model.
pub const CODE_VERSION: &str = concat!("assent-monitor-", env!("CARGO_PKG_VERSION"));

/// Why a pass failed. The monitor should then start again from the
/// ledger (what it sent is on the log or refused; it reads it back).
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// Following the log failed (unreachable, a rollback, wrong leaves).
    #[error(transparent)]
    Follow(#[from] FollowError),
    /// The ledger refused what the monitor sent.
    #[error("the ledger refused the monitor's {kind}: {source}")]
    Refused {
        /// The transaction's kind.
        kind: &'static str,
        /// Why.
        source: ClientError,
    },
    /// A leaf under the cosigned root holds no valid transaction.
    #[error("entry {index} is not a valid transaction: {reason}")]
    BadEntry {
        /// Its index.
        index: usize,
        /// Why.
        reason: TxError,
    },
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// New entries followed.
    pub followed: usize,
    /// Transactions sent, by kind.
    pub sent: Vec<&'static str>,
    /// Transactions sent earlier that are not on the log yet.
    pub waiting: usize,
}

impl Pass {
    /// Nothing new, nothing sent, nothing waited for.
    pub fn idle(&self) -> bool {
        self.followed == 0 && self.sent.is_empty() && self.waiting == 0
    }
}

/// A monitor following one ledger.
pub struct Monitor {
    client: LedgerClient,
    key: SigningKey,
    evaluation: ContentHash,
    follower: LogFollower,
    entries: Vec<LedgerEntry>,
    detector: Detector,
    alerts: Vec<Alert>,
    accesses: usize,
    /// The models this monitor registered, by parameter hash.
    registered: BTreeMap<ContentHash, ModelId>,
    active: Option<ModelId>,
    /// The accesses this monitor flagged, by case.
    posted: BTreeMap<CaseId, BTreeSet<TxId>>,
    /// Sent, not yet on the log.
    sent: BTreeSet<TxId>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("ledger", &self.client.base())
            .field("monitor", &self.key.public_key())
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Monitor {
    /// A monitor signing with `key` (registered by governance), over the
    /// ledger `client` talks to, whose genesis is `genesis`; models train
    /// with `seed` and name the evaluation report hashing to `evaluation`.
    pub fn new(
        client: LedgerClient,
        genesis: Genesis,
        key: SigningKey,
        seed: u64,
        evaluation: ContentHash,
    ) -> Self {
        Monitor {
            client,
            key,
            evaluation,
            follower: LogFollower::new(),
            entries: Vec::new(),
            detector: Detector::new(genesis, seed),
            alerts: Vec::new(),
            accesses: 0,
            registered: BTreeMap::new(),
            active: None,
            posted: BTreeMap::new(),
            sent: BTreeSet::new(),
        }
    }

    /// Entries followed so far.
    pub fn followed(&self) -> usize {
        self.entries.len()
    }

    /// Cases posted so far (on the log).
    pub fn cases_posted(&self) -> usize {
        self.posted.len()
    }

    /// The entries followed so far.
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// One pass: follow, detect, and take the next step.
    ///
    /// # Errors
    /// [`LiveError`]; a follow that fails takes no entry, a leaf that does
    /// not open fails the pass before any is observed.
    pub async fn pass(&mut self) -> Result<Pass, LiveError> {
        let leaves = self.follower.step(&self.client).await?;
        let origin = &self.client.policy().origin;
        let first = self.entries.len();
        // Every leaf opens before any is observed.
        let opened = leaves
            .into_iter()
            .enumerate()
            .map(|(i, leaf)| {
                SignedTx::open(&leaf.tx, origin)
                    .map(|tx| LedgerEntry {
                        time: leaf.time,
                        tx,
                    })
                    .map_err(|reason| LiveError::BadEntry {
                        index: first + i,
                        reason,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut pass = Pass {
            followed: opened.len(),
            ..Pass::default()
        };
        for entry in opened {
            let index = self.entries.len();
            self.alerts.extend(self.detector.observe(index, &entry));
            self.remember(&entry);
            self.entries.push(entry);
        }
        // Completing the training week raises alerts on earlier entries:
        // keep log order, as the whole-log run has it.
        self.alerts.sort_by_key(|a| a.entry);
        pass.waiting = self.sent.len();
        // Only new entries can change what to send (what was sent shows up
        // as entries too): an idle poll does no more work.
        if !self.sent.is_empty() || pass.followed == 0 {
            return Ok(pass);
        }
        for kind in self.next_step() {
            self.send(kind, &mut pass).await?;
        }
        Ok(pass)
    }

    /// What to send next: the model's registration, its activation, or the
    /// alerts of the chosen cases (nothing before the training week is in).
    fn next_step(&self) -> Vec<Kind> {
        let Some(model) = self.detector.model() else {
            return Vec::new();
        };
        let params = params_hash(model);
        let Some(&id) = self.registered.get(&params) else {
            return vec![Kind::RegisterModel(RegisterModel {
                params,
                code_version: CODE_VERSION.into(),
                seed: model.seed,
                window: model.window,
                training: model.training,
                evaluation: self.evaluation,
            })];
        };
        if self.active != Some(id) {
            return vec![Kind::ActivateModel(ActivateModel { model: id })];
        }
        let ranked = cases(&self.alerts);
        let none = BTreeSet::new();
        chosen(&ranked, self.accesses)
            .into_iter()
            .filter_map(|case| {
                let posted = self.posted.get(&case_id(case)).unwrap_or(&none);
                alert_for(
                    case,
                    posted,
                    id,
                    model,
                    self.detector.alerted_rows(),
                    self.entries.as_slice(),
                )
                .map(Kind::MonitoringAlert)
            })
            .collect()
    }

    /// Notes what the monitor's own entries say and counts accesses.
    fn remember(&mut self, entry: &LedgerEntry) {
        let kind = &entry.tx.body().kind;
        if matches!(kind, Kind::RecordAccess(_)) {
            self.accesses += 1;
        }
        if entry.tx.signer() != self.key.public_key() {
            return;
        }
        self.sent.remove(&entry.tx.id());
        match kind {
            Kind::RegisterModel(r) => {
                self.registered.insert(r.params, ModelId(entry.tx.id().0));
            }
            Kind::ActivateModel(a) => self.active = Some(a.model),
            Kind::MonitoringAlert(a) => {
                self.posted
                    .entry(a.case)
                    .or_default()
                    .extend(a.accesses.iter().copied());
            }
            _ => {}
        }
    }

    /// Signs and submits `kind`; it is waited for until it is on the log.
    ///
    /// Its bytes depend only on the log followed: created at the newest
    /// leaf's time, with a nonce from what it says ([`nonce_for`]). A monitor restarted
    /// before its last transactions were cosigned makes the very same ones
    /// again, which the ledger refuses as replays, so nothing is posted
    /// twice.
    async fn send(&mut self, kind: Kind, pass: &mut Pass) -> Result<(), LiveError> {
        let name = kind.name();
        let created = self.entries.last().map_or(0, |e| e.time);
        let tx = SignedTx::sign(
            &Body::new(created, nonce_for(&self.key, &kind), kind),
            &self.key,
            &self.client.policy().origin,
        );
        match self.client.submit(tx.bytes()).await {
            Ok(_) => {}
            Err(ClientError::Refused { code, .. }) if code == "replay" => {}
            Err(source) => return Err(LiveError::Refused { kind: name, source }),
        }
        self.sent.insert(tx.id());
        pass.sent.push(name);
        Ok(())
    }
}

/// The nonce of a monitor's transaction: random to anyone else (PROTOCOL
/// §2), as it comes from the monitor's own (deterministic, RFC 8032)
/// signature over what the transaction says, but the same when the same
/// transaction is made again.
fn nonce_for(key: &SigningKey, kind: &Kind) -> [u8; 8] {
    let mut said = Vec::from(b"assent-monitor nonce v1\0".as_slice());
    said.extend(kind.name().as_bytes());
    match kind {
        Kind::RegisterModel(r) => said.extend(r.params.0),
        Kind::ActivateModel(a) => said.extend(a.model.0),
        Kind::MonitoringAlert(a) => {
            said.extend(a.case.0);
            for access in &a.accesses {
                said.extend(access.0);
            }
        }
        _ => {}
    }
    let digest = Sha256::digest(key.sign(&said));
    digest[..8].try_into().expect("8 bytes")
}
