//! Evidence against the sequencer, posted to each validator's evidence
//! endpoint (PROTOCOL §6), and a validator's judgement of it against the log
//! it verified itself.
//!
//! Two kinds travel: two sequencer-signed checkpoints that a wallet's memory
//! found cannot both be honest ([`ForkEvidence`]), and a receipt whose
//! deadline passed without the transaction it promised. Neither is taken on
//! the poster's word: [`judge`] checks every signature and compares each
//! checkpoint with the validator's own replayed log. Only a checkpoint that
//! log contradicts, or two of one size, proves the sequencer equivocated.
//!
//! ```
//! use assent_core::evidence::{judge, Evidence, EvidenceError, Finding};
//! # use assent_core::{keys::SigningKey, note::*, replica::Replica, state::{Genesis, Role}};
//! # let seq = SigningKey::from_secret_bytes(&[1; 32]);
//! # let rcpt = SigningKey::from_secret_bytes(&[3; 32]);
//! # let sequencer = Vkey::new("seq", VkeyKind::Ed25519, seq.public_key()).unwrap();
//! # let receipt_key = Vkey::new("rcpt", VkeyKind::Ed25519, rcpt.public_key()).unwrap();
//! # let genesis = Genesis::new("ledger.example", vec![(seq.public_key(), Role::Regulator)], 1);
//! let log = Replica::new(genesis); // the validator's verified log (empty here)
//! let note = |root: [u8; 32]| {
//!     let cp = Checkpoint { origin: "ledger.example".into(), size: 0, root, state_root: [0; 32] };
//!     String::from_utf8(SignedCheckpoint::sign(cp, "seq", &seq).unwrap().to_bytes()).unwrap()
//! };
//! // Two roots for size 0, both signed by the sequencer: proven.
//! let two = Evidence::Fork { held: note([1; 32]), offered: note([2; 32]), proof: vec![] };
//! let keys = (&sequencer, &receipt_key);
//! assert_eq!(judge(&two, keys, &log, 0), Ok(Finding::Equivocation { size: 0 }));
//! // A note nobody signed proves nothing.
//! let forged = Evidence::Fork { held: "x".into(), offered: note([2; 32]), proof: vec![] };
//! assert!(matches!(judge(&forged, keys, &log, 0), Err(EvidenceError::Checkpoint(_))));
//! ```

use crate::ids::TxId;
use crate::memory::ForkEvidence;
use crate::note::{Checkpoint, NoteError, Receipt, SignedCheckpoint, Vkey};
use crate::replica::Replica;
use data_encoding::BASE64;
use serde::{Deserialize, Serialize};

/// What is posted to a validator's `POST /evidence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Two sequencer-signed checkpoint notes that cannot both be honest.
    Fork {
        /// The checkpoint the wallet held.
        held: String,
        /// The one it was offered.
        offered: String,
        /// The consistency proof that failed (base64 hashes), if any.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        proof: Vec<String>,
    },
    /// A receipt whose deadline passed, with the transaction it promised
    /// (base64 COSE bytes), which the validator forwards to the sequencer.
    Overdue {
        /// The receipt's signed note.
        receipt: String,
        /// The transaction.
        tx: String,
    },
}

impl From<&ForkEvidence> for Evidence {
    fn from(e: &ForkEvidence) -> Self {
        Evidence::Fork {
            held: e.held.clone(),
            offered: e.offered.clone(),
            proof: e.proof.clone(),
        }
    }
}

/// A validator's judgement of posted evidence, against its own log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// The sequencer signed a checkpoint of `size` that the validator's
    /// verified log contradicts, or two different ones: it stops cosigning.
    Equivocation {
        /// The size at which the histories part.
        size: u64,
    },
    /// Both checkpoints agree with the validator's log: the poster was shown
    /// an older checkpoint (a rollback of its view, not of the log).
    Consistent,
    /// The validator's verified log is behind what it must judge (a
    /// checkpoint larger than its log, or a sequencer that has moved on
    /// since): it cannot judge now, and the poster asks again later.
    Ahead,
    /// The promised transaction is in the validator's log at `index`.
    Included {
        /// Its leaf index.
        index: u64,
    },
    /// The deadline passed and the transaction is not in the validator's
    /// log: the promise is broken.
    BrokenPromise,
    /// The deadline has not passed on the validator's clock.
    NotDue {
        /// The receipt's deadline.
        deadline: u64,
    },
}

/// A validator's answer to `POST /evidence`: its finding and, for a broken
/// promise, what the sequencer answered when the validator forwarded the
/// transaction (PROTOCOL §6, "resubmits through a validator").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The sequencer's answer to the forwarded transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<Forwarded>,
}

/// The sequencer's answer to a transaction a validator forwarded, passed on
/// as it came (the poster checks any receipt in it under its trust policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarded {
    /// The HTTP status (0 when the sequencer could not be reached).
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

/// Why posted evidence cannot be judged at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// A checkpoint is not signed by the ledger's sequencer.
    #[error("a checkpoint is not signed by this ledger's sequencer: {0}")]
    Checkpoint(NoteError),
    /// A checkpoint names another ledger.
    #[error("a checkpoint is for another ledger ({0:?})")]
    Origin(String),
    /// The receipt is not signed by the ledger's receipt key.
    #[error("the receipt is not signed by this ledger's receipt key: {0}")]
    Receipt(NoteError),
    /// The transaction is not the one the receipt names.
    #[error("the transaction is not the one the receipt names")]
    WrongTx,
    /// The transaction is not base64.
    #[error("the transaction is not base64")]
    Encoding,
}

/// What a wallet does with a finding: whether the validator has judged the
/// posting for good, so it need not be posted to it again. `NotDue` and
/// `Ahead` are judged again later.
pub fn settled(finding: &Finding) -> bool {
    !matches!(finding, Finding::NotDue { .. } | Finding::Ahead)
}

/// Whom evidence went to, for people: "reported to the validators v1, v2",
/// or "not yet reported to any validator".
///
/// ```
/// use assent_core::evidence::reported_words;
/// assert_eq!(reported_words(&["v1".into(), "v2".into()]), "reported to the validators v1, v2");
/// assert_eq!(reported_words(&[]), "not yet reported to any validator");
/// ```
pub fn reported_words(to: &[String]) -> String {
    if to.is_empty() {
        "not yet reported to any validator".into()
    } else {
        format!("reported to the validators {}", to.join(", "))
    }
}

/// What became of an overdue transaction's receipt, for people (after
/// "The ledger may be withholding it; …").
pub fn overdue_words(item: &crate::outbox::Outgoing) -> String {
    match &item.state {
        crate::outbox::State::Sent { receipt: None, .. } => {
            "the ledger gave no receipt for it (it said it already held it), so there is no \
             promise to report"
                .into()
        }
        _ => format!("its receipt was {}", reported_words(&item.reported_to)),
    }
}

/// Judges `evidence` against `log`, the validator's own verified replay,
/// with the sequencer's checkpoint and receipt keys and the validator's
/// clock `now`. Pure: the caller acts on the finding (halt, forward).
///
/// # Errors
/// [`EvidenceError`] when a signature, origin or encoding does not check.
pub fn judge(
    evidence: &Evidence,
    keys: (&Vkey, &Vkey),
    log: &Replica,
    now: u64,
) -> Result<Finding, EvidenceError> {
    Ok(judge_checked(
        &check(evidence, keys, log.origin())?,
        log,
        now,
    ))
}

/// [`judge`] for evidence already [`check`]ed (a validator checks once, at
/// the door and for its own bookkeeping).
pub fn judge_checked(checked: &Checked, log: &Replica, now: u64) -> Finding {
    match checked {
        Checked::Fork(held, offered) => judge_fork(held, offered, log),
        Checked::Overdue { receipt, .. } => match log.index_of(&receipt.tx) {
            Some(index) => Finding::Included { index },
            // The log itself ran past the deadline without it: every
            // checkpoint made by then is a prefix of this log.
            None if log.last_time() > receipt.deadline => Finding::BrokenPromise,
            None if now <= receipt.deadline => Finding::NotDue {
                deadline: receipt.deadline,
            },
            None => Finding::BrokenPromise,
        },
    }
}

/// Evidence whose signatures, origin and encoding checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Two sequencer-signed checkpoints.
    Fork(Checkpoint, Checkpoint),
    /// A receipt under the receipt key, and the transaction posted with it
    /// (its bytes, decoded once).
    Overdue {
        /// The receipt.
        receipt: Receipt,
        /// The transaction's bytes.
        tx: Vec<u8>,
    },
}

/// Checks what can be checked without the log: every signature, the
/// origin, and that the transaction is the receipt's. A validator runs this
/// before queueing a posting, so junk never waits for the judge.
///
/// # Errors
/// As [`judge`].
pub fn check(
    evidence: &Evidence,
    (sequencer, receipt_key): (&Vkey, &Vkey),
    origin: &str,
) -> Result<Checked, EvidenceError> {
    match evidence {
        Evidence::Fork { held, offered, .. } => Ok(Checked::Fork(
            signed_checkpoint(held, sequencer, origin)?,
            signed_checkpoint(offered, sequencer, origin)?,
        )),
        Evidence::Overdue { receipt, tx } => {
            let receipt = Receipt::verify(receipt, receipt_key).map_err(EvidenceError::Receipt)?;
            if receipt.origin != origin {
                return Err(EvidenceError::Origin(receipt.origin));
            }
            let bytes = BASE64
                .decode(tx.as_bytes())
                .map_err(|_| EvidenceError::Encoding)?;
            if TxId::of(&bytes) != receipt.tx {
                return Err(EvidenceError::WrongTx);
            }
            Ok(Checked::Overdue { receipt, tx: bytes })
        }
    }
}

/// A checkpoint note with the sequencer's signature and this ledger's origin.
fn signed_checkpoint(
    note: &str,
    sequencer: &Vkey,
    origin: &str,
) -> Result<Checkpoint, EvidenceError> {
    let signed = SignedCheckpoint::parse(note.as_bytes()).map_err(EvidenceError::Checkpoint)?;
    signed
        .verify_signer(sequencer)
        .map_err(EvidenceError::Checkpoint)?;
    let checkpoint = signed.checkpoint().clone();
    if checkpoint.origin != origin {
        return Err(EvidenceError::Origin(checkpoint.origin));
    }
    Ok(checkpoint)
}

/// Two authentic checkpoints against the log: two roots for one size, or a
/// root (or, at the log's own size, a state root) the log does not have.
fn judge_fork(a: &Checkpoint, b: &Checkpoint, log: &Replica) -> Finding {
    if a.size == b.size && a != b {
        return Finding::Equivocation { size: a.size };
    }
    let mut ahead = false;
    for cp in [a, b] {
        if cp.size > log.len() {
            ahead = true;
        } else if cp.size == log.len() {
            if *cp != log.checkpoint() {
                return Finding::Equivocation { size: cp.size };
            }
        } else if !log.has_root(cp.size, &cp.root) {
            return Finding::Equivocation { size: cp.size };
        }
    }
    if ahead {
        Finding::Ahead
    } else {
        Finding::Consistent
    }
}

#[cfg(test)]
mod tests;
