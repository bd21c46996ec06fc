//! A consortium validator (`assent-ledger validate`): replays every entry
//! with core's rules, recomputes the log root and the state root, and only
//! then cosigns the sequencer's checkpoint (C2SP `tlog-cosignature`,
//! PROTOCOL §6).
//!
//! Entries are fetched through the standard tiles read path. What the
//! validator has verified is kept durably in its own store, so a signed
//! checkpoint whose root is not the replayed log's at its size (smaller or
//! not) is a fork: the validator refuses, says why in its log, and cosigns
//! nothing more until its operator looks (it halts). What proves nothing
//! (an unsigned answer, an older checkpoint of this very log) is logged and
//! asked again; a store that cannot keep what was verified halts too. It re-cosigns
//! the newest checkpoint every `recosign` period even when the log has not
//! grown, so clients can tell a live view from a stale one.
//!
//! It also takes evidence against the sequencer ([`evidence`]): two
//! checkpoints that cannot both be honest, or a broken receipt. It judges
//! each against its own log with core's rules; a proven equivocation halts
//! it like any other refusal, and a broken promise is kept and the
//! transaction forwarded to the sequencer.

mod evidence;

pub use evidence::{router, Handle};

use crate::genesis::LedgerGenesis;
use crate::node::unix_now;
use crate::storage::{load_replica, RedbStore, Store};
use anyhow::{anyhow, Context, Result};
use assent_core::keys::SigningKey;
use assent_core::merkle::tile_path::{entry_tiles, split_bundle};
use assent_core::note::{Checkpoint, Cosignature, SignedCheckpoint, Vkey};
use assent_core::replica::Replica;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The file in a validator's data folder that keeps it halted after it
/// proved an equivocation (removed by its operator).
pub const HALTED: &str = "HALTED";

/// How far ahead of the validator's clock the newest leaf may be (PROTOCOL §3).
pub const MAX_LEAF_AHEAD: u64 = 60;

/// How a validator runs.
pub struct ValidatorConfig {
    /// The sequencer's base URL.
    pub ledger: String,
    /// The validator's data directory.
    pub data: PathBuf,
    /// Its cosigning key.
    pub key: SigningKey,
    /// How often it polls the sequencer.
    pub poll: Duration,
    /// How often it re-cosigns an unchanged checkpoint.
    pub recosign: Duration,
}

/// Why the validator will not cosign.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The sequencer's signature does not verify.
    #[error("the checkpoint's sequencer signature does not verify: {0}")]
    BadCheckpoint(String),
    /// A checkpoint smaller than what was already verified, whose root is
    /// not this log's at that size.
    #[error("rollback to another history: the sequencer serves size {served} with a root this log does not have ({verified} entries verified)")]
    RolledBack {
        /// Size served.
        served: u64,
        /// Size verified.
        verified: u64,
    },
    /// Posted evidence proves the sequencer signed a checkpoint this log
    /// contradicts, or two of one size.
    #[error("evidence posted to this validator proves the sequencer equivocated at size {size}")]
    Equivocation {
        /// Where the histories part.
        size: u64,
    },
    /// What was verified could not be kept.
    #[error("the validator's store cannot keep what it verified: {0}")]
    Store(String),
    /// Another validator cosigned a checkpoint this one's log contradicts.
    #[error("split view: {peer} cosigned size {size} with a root this log does not have")]
    SplitView {
        /// The other validator.
        peer: String,
        /// The size.
        size: u64,
    },
    /// An entry does not replay under core's rules.
    #[error("entry refused on replay: {0}")]
    Replay(#[from] assent_core::replica::ReplayError),
    /// The replayed log's roots are not the checkpoint's.
    #[error("fork: the checkpoint of size {size} does not match the replayed log (log root {log}, state root {state})")]
    Mismatch {
        /// The size.
        size: u64,
        /// Whether the log root matched.
        log: &'static str,
        /// Whether the state root matched.
        state: &'static str,
    },
}

/// One validator's view.
pub struct Validator {
    genesis: LedgerGenesis,
    vkey: Vkey,
    config: ValidatorConfig,
    store: RedbStore,
    replica: Replica,
    client: reqwest::Client,
    last_cosigned: Option<(u64, Instant)>,
    published: Arc<RwLock<Option<String>>>,
    evidence: evidence::Inbox,
    judged: evidence::Judged,
}

impl Validator {
    /// Opens the validator's store and replays what it verified before.
    ///
    /// # Errors
    /// If the key is not a genesis validator or the store does not replay.
    pub fn open(genesis: LedgerGenesis, config: ValidatorConfig) -> Result<Self> {
        let public = config.key.public_key();
        let vkey = genesis
            .validators
            .iter()
            .find(|v| *v.vkey.key() == public)
            .map(|v| v.vkey.clone())
            .ok_or_else(|| anyhow!("this key is not one of the genesis validators"))?;
        let halted = config.data.join(HALTED);
        if let Ok(why) = std::fs::read_to_string(&halted) {
            anyhow::bail!(
                "this validator halted: {}; remove {} once the consortium has dealt with it",
                why.trim(),
                halted.display()
            );
        }
        let store = RedbStore::open(&config.data)?;
        let len = store.len()?;
        let replica = load_replica(&store, genesis.genesis.clone(), len, None)
            .context("replaying the validator's own store")?
            .replica;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Validator {
            genesis,
            vkey,
            config,
            store,
            replica,
            client,
            last_cosigned: None,
            published: Arc::default(),
            evidence: evidence::Inbox::new(),
            judged: evidence::Judged::new(),
        })
    }

    /// The validator's vkey name.
    pub fn name(&self) -> &str {
        self.vkey.name()
    }

    /// What its HTTP face ([`router`]) needs: the newest checkpoint it
    /// cosigned (a note with the sequencer's signature and its own
    /// cosignature, for wallets and the other validators) and the way in for
    /// evidence.
    pub fn handle(&self) -> Handle {
        Handle {
            published: Arc::clone(&self.published),
            evidence: self.evidence.sender(),
            keys: Arc::new((
                self.genesis.sequencer.clone(),
                self.genesis.receipt.clone(),
                self.genesis.genesis.origin.clone(),
            )),
        }
    }

    /// Polls, verifies and cosigns until a refusal; returns the refusal.
    /// Between polls it judges the evidence posted to it.
    pub async fn run(mut self) -> Refusal {
        tracing::info!(
            "validator {} watching {}",
            self.vkey.name(),
            self.config.ledger
        );
        loop {
            let refusal = match self.step().await {
                Ok(Step::Refused(refusal)) => Some(refusal),
                Ok(Step::Cosigned(size)) => {
                    tracing::debug!("cosigned size {size}");
                    None
                }
                Ok(Step::Idle) => None,
                Err(e) => {
                    tracing::warn!("validator {}: {e:#}; retrying", self.vkey.name());
                    None
                }
            };
            let refusal = match refusal {
                Some(r) => Some(r),
                None => self.wait_taking_evidence().await,
            };
            if let Some(refusal) = refusal {
                // Proof of equivocation does not come back on replay: keep
                // the halt on disk so a restart does not resume cosigning.
                if matches!(refusal, Refusal::Equivocation { .. }) {
                    let marker = self.config.data.join(HALTED);
                    if let Err(e) = std::fs::write(&marker, format!("{refusal}\n")) {
                        tracing::error!("could not write {}: {e}", marker.display());
                    }
                }
                tracing::error!(
                    "validator {}: refusing to cosign: {refusal}; halting until an operator intervenes",
                    self.vkey.name()
                );
                return refusal;
            }
        }
    }

    async fn step(&mut self) -> Result<Step> {
        let note = self
            .get(&format!("{}/checkpoint", self.config.ledger))
            .await?;
        // Bytes without the sequencer's signature prove nothing about it (a
        // proxy's error page, a corrupted answer): not cosigned, asked again.
        let signed = SignedCheckpoint::parse(&note)
            .and_then(|s| s.verify_signer(&self.genesis.sequencer).map(|_| s))
            .map_err(|e| anyhow!("the sequencer's checkpoint does not verify: {e}"))?;
        let checkpoint = signed.checkpoint().clone();
        if checkpoint.origin != self.genesis.genesis.origin {
            return Ok(Step::Refused(Refusal::BadCheckpoint(format!(
                "origin {:?} is not this ledger's",
                checkpoint.origin
            ))));
        }
        let verified = self.replica.len();
        if checkpoint.size < verified {
            // An older checkpoint of this very log (a stale cache on the
            // way) is not a second history: asked again. Another root is.
            if self.replica.has_root(checkpoint.size, &checkpoint.root) {
                anyhow::bail!(
                    "the sequencer served an older checkpoint (size {}, this log has {verified}); asking again",
                    checkpoint.size
                );
            }
            return Ok(Step::Refused(Refusal::RolledBack {
                served: checkpoint.size,
                verified,
            }));
        }
        if checkpoint.size > verified {
            let leaves = self.fetch(verified, checkpoint.size).await?;
            // Checked before anything is replayed, so a retry later starts
            // from a replica and a store that still agree.
            let newest = leaves
                .last()
                .and_then(|l| assent_core::replica::Leaf::from_bytes(l).ok())
                .map_or(0, |l| l.time);
            if newest > unix_now() + MAX_LEAF_AHEAD {
                anyhow::bail!(
                    "the newest leaf time {newest} is ahead of this clock; not cosigning yet"
                );
            }
            for leaf in &leaves {
                if let Err(e) = self.replica.replay(leaf) {
                    return Ok(Step::Refused(e.into()));
                }
            }
            if let Some(refusal) = self.compare(&checkpoint) {
                return Ok(Step::Refused(refusal));
            }
            // The replica moved on: a store that cannot follow would leave
            // it ahead of what survives a restart, so that is a halt too.
            let text = checkpoint.to_text();
            if let Err(e) = self.store.append(verified, &leaves, text.as_bytes()) {
                return Ok(Step::Refused(Refusal::Store(e.to_string())));
            }
        } else if let Some(refusal) = self.compare(&checkpoint) {
            return Ok(Step::Refused(refusal));
        }
        let due = match self.last_cosigned {
            Some((size, at)) => size < checkpoint.size || at.elapsed() >= self.config.recosign,
            None => true,
        };
        if !due {
            return Ok(Step::Idle);
        }
        if let Some(refusal) = self.check_peers().await {
            return Ok(Step::Refused(refusal));
        }
        self.cosign(signed).await?;
        Ok(Step::Cosigned(checkpoint.size))
    }

    /// Whether the replayed log is the checkpoint's.
    fn compare(&mut self, checkpoint: &Checkpoint) -> Option<Refusal> {
        let mine = self.replica.checkpoint();
        if mine == *checkpoint {
            return None;
        }
        let word = |same: bool| if same { "matches" } else { "differs" };
        Some(Refusal::Mismatch {
            size: checkpoint.size,
            log: word(mine.root == checkpoint.root),
            state: word(mine.state_root == checkpoint.state_root),
        })
    }

    /// PROTOCOL §6: before cosigning, fetch each other validator's newest
    /// cosigned checkpoint and refuse if this log contradicts it. A peer
    /// that cannot be reached is skipped (and logged).
    async fn check_peers(&self) -> Option<Refusal> {
        for peer in &self.genesis.validators {
            if peer.vkey.key() == self.vkey.key() || peer.url.is_empty() {
                continue;
            }
            let url = format!("{}/checkpoint", peer.url.trim_end_matches('/'));
            let note = match self.client.get(&url).send().await {
                Ok(r) if r.status().is_success() => r.bytes().await.unwrap_or_default(),
                Ok(_) => continue, // nothing cosigned yet
                Err(e) => {
                    tracing::warn!(
                        "validator {}: peer {} unreachable: {e}",
                        self.vkey.name(),
                        peer.vkey.name()
                    );
                    continue;
                }
            };
            let Ok(theirs) = SignedCheckpoint::parse(&note) else {
                continue;
            };
            let authentic = theirs.verify_signer(&self.genesis.sequencer).is_ok()
                && matches!(theirs.verify_signer(&peer.vkey), Ok(Some(_)));
            let cp = theirs.checkpoint();
            if !authentic || cp.size > self.replica.len() {
                continue;
            }
            if !self.replica.has_root(cp.size, &cp.root) {
                return Some(Refusal::SplitView {
                    peer: peer.vkey.name().to_owned(),
                    size: cp.size,
                });
            }
        }
        None
    }

    async fn cosign(&mut self, signed: SignedCheckpoint) -> Result<()> {
        let checkpoint = signed.checkpoint().clone();
        // What this validator serves: the sequencer's signature and its own
        // cosignature, not lines from others it has not checked.
        let sequencer_line = signed
            .signatures()
            .iter()
            .find(|s| self.genesis.sequencer.matches(s))
            .map(|s| s.to_line())
            .ok_or_else(|| anyhow!("the checkpoint lost its sequencer signature"))?;
        let mut signed = SignedCheckpoint::parse(format!("{}\n{sequencer_line}", signed.text()))?;
        let cosignature = Cosignature::sign(
            &checkpoint.to_text(),
            self.vkey.name(),
            &self.config.key,
            unix_now(),
        )?;
        let body =
            serde_json::json!({ "size": checkpoint.size, "cosignature": cosignature.to_line() });
        let url = format!("{}/api/v1/cosignature", self.config.ledger);
        let answer = self.client.post(&url).json(&body).send().await?;
        if !answer.status().is_success() {
            let status = answer.status();
            anyhow::bail!(
                "the ledger did not take the cosignature ({status}): {}",
                answer.text().await.unwrap_or_default()
            );
        }
        self.last_cosigned = Some((checkpoint.size, Instant::now()));
        signed.add_cosignature(&cosignature)?;
        *self.published.write().unwrap_or_else(|e| e.into_inner()) =
            Some(String::from_utf8_lossy(&signed.to_bytes()).into_owned());
        Ok(())
    }

    /// A successful GET's body.
    async fn get(&self, url: &str) -> Result<axum::body::Bytes> {
        Ok(self
            .client
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?)
    }

    /// Entries `[from, to)` through the tiles read path.
    async fn fetch(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity((to - from) as usize);
        for (path, skip) in entry_tiles(from, to) {
            let bundle = self.get(&format!("{}/{path}", self.config.ledger)).await?;
            let entries =
                split_bundle(&bundle).ok_or_else(|| anyhow!("{path}: truncated entry bundle"))?;
            if entries.len() as u64 != path.width {
                anyhow::bail!("{path}: {} entries, expected {}", entries.len(), path.width);
            }
            out.extend(entries.into_iter().skip(skip).map(<[u8]>::to_vec));
        }
        Ok(out)
    }
}

enum Step {
    Idle,
    Cosigned(u64),
    Refused(Refusal),
}
