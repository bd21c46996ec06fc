//! The wallet's outbox (DESIGN §4 "Receipts"): signed transactions waiting
//! for the ledger, the receipts it gave, and the promise each receipt makes.
//!
//! A transaction is queued once (by id) and sent whenever the ledger is
//! reachable; it leaves the queue only with a receipt, a refusal, or the
//! ledger's word that it already holds it (`replay`), so a lost answer never
//! makes a duplicate. A receipt promises inclusion in a cosigned checkpoint
//! by its deadline; [`Outbox::overdue`] names every promise broken, above all
//! a withheld revocation, so the wallet can show it.
//!
//! ```
//! use assent_core::outbox::{Outbox, State};
//! # use assent_core::{keys::SigningKey, tx::*};
//! # let key = SigningKey::from_secret_bytes(&[1; 32]);
//! # let tx = SignedTx::sign(&Body::new(1_790_000_000, [0; 8], Kind::Enroll(Enroll { next: assent_core::ids::KeyCommitment::to(&key.public_key()) })), &key, "ledger.example");
//! let mut outbox = Outbox::default();
//! assert!(outbox.push(&tx, 1_790_000_000));
//! assert!(!outbox.push(&tx, 1_790_000_001), "queued once");
//! assert_eq!(outbox.to_send().count(), 1);
//! ```

use crate::ids::TxId;
use crate::note::Receipt;
use crate::tx::SignedTx;
use data_encoding::BASE64;
use serde::{Deserialize, Serialize};

/// Where one outgoing transaction stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Signed, not yet accepted by the ledger (offline, or the answer was lost).
    Queued,
    /// Accepted: the ledger promised inclusion by `deadline`.
    Sent {
        /// The receipt's signed note (`None` when the ledger answered that it
        /// already held the transaction).
        receipt: Option<String>,
        /// When the receipt said it was received.
        received: u64,
        /// The promised deadline (POSIX seconds).
        deadline: u64,
        /// The leaf index, if the receipt named one.
        index: Option<u64>,
    },
    /// Seen in a quorum-cosigned checkpoint, with an inclusion proof.
    Included {
        /// Its leaf index.
        index: u64,
        /// The checkpoint size it was proven at.
        size: u64,
    },
    /// Refused by the ledger, with its error code and message.
    Refused {
        /// The ledger's error code (e.g. `grant_revoked`).
        code: String,
        /// Its message.
        message: String,
    },
}

/// One transaction in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The transaction id (hex).
    pub id: TxId,
    /// What kind of transaction it is (e.g. `Revoke`), for people.
    pub kind: String,
    /// The COSE_Sign1 bytes, base64.
    pub tx: String,
    /// When it was queued (POSIX seconds).
    pub queued_at: u64,
    /// Where it stands.
    #[serde(flatten)]
    pub state: State,
    /// The validators that took its overdue receipt as evidence (by vkey
    /// name), since its current promise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reported_to: Vec<String>,
}

impl Outgoing {
    /// The transaction's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        BASE64.decode(self.tx.as_bytes()).unwrap_or_default()
    }

    /// Whether its deadline passed at `now` without inclusion.
    pub fn is_overdue(&self, now: u64) -> bool {
        matches!(self.state, State::Sent { deadline, .. } if now > deadline)
    }
}

/// Signed transactions on their way to the ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    items: Vec<Outgoing>,
}

impl Outbox {
    /// Queues a transaction; `false` if it is already in the outbox.
    pub fn push(&mut self, tx: &SignedTx, now: u64) -> bool {
        if self.get(&tx.id()).is_some() {
            return false;
        }
        self.items.push(Outgoing {
            id: tx.id(),
            kind: tx.body().kind.name().to_owned(),
            tx: BASE64.encode(tx.bytes()),
            queued_at: now,
            state: State::Queued,
            reported_to: Vec::new(),
        });
        true
    }

    /// Every transaction, oldest first.
    pub fn items(&self) -> &[Outgoing] {
        &self.items
    }

    /// One transaction by id.
    pub fn get(&self, id: &TxId) -> Option<&Outgoing> {
        self.items.iter().find(|o| o.id == *id)
    }

    fn get_mut(&mut self, id: &TxId) -> Option<&mut Outgoing> {
        self.items.iter_mut().find(|o| o.id == *id)
    }

    /// What still has to be sent, oldest first (send in this order: a
    /// revocation queued after its grant must not overtake it).
    pub fn to_send(&self) -> impl Iterator<Item = &Outgoing> {
        self.items.iter().filter(|o| o.state == State::Queued)
    }

    /// What was accepted and is not yet seen in a cosigned checkpoint.
    pub fn awaiting(&self) -> impl Iterator<Item = &Outgoing> {
        self.items
            .iter()
            .filter(|o| matches!(o.state, State::Sent { .. }))
    }

    /// Every accepted transaction whose promised deadline passed at `now`.
    pub fn overdue(&self, now: u64) -> impl Iterator<Item = &Outgoing> {
        self.items.iter().filter(move |o| o.is_overdue(now))
    }

    /// Records a receipt (verified by the caller under the trust policy).
    /// Ignored unless it names a queued transaction.
    pub fn receipt(&mut self, receipt: &Receipt, note: &str) -> bool {
        self.mark_sent(&receipt.tx, Some(note), receipt)
    }

    /// Records the ledger's answer that it already holds the transaction
    /// (`replay`): it is awaited like an accepted one, due by `deadline`.
    pub fn already_held(&mut self, id: &TxId, now: u64, deadline: u64) -> bool {
        let receipt = Receipt {
            origin: String::new(),
            tx: *id,
            received: now,
            deadline,
            index: None,
        };
        self.mark_sent(id, None, &receipt)
    }

    fn mark_sent(&mut self, id: &TxId, note: Option<&str>, receipt: &Receipt) -> bool {
        match self.get_mut(id) {
            Some(o) if o.state == State::Queued => {
                o.state = State::Sent {
                    receipt: note.map(str::to_owned),
                    received: receipt.received,
                    deadline: receipt.deadline,
                    index: receipt.index,
                };
                true
            }
            _ => false,
        }
    }

    /// Notes that validator `name` took the overdue receipt of `id`.
    pub fn reported(&mut self, id: &TxId, name: &str) {
        if let Some(o) = self.get_mut(id) {
            if !o.reported_to.iter().any(|n| n == name) {
                o.reported_to.push(name.to_owned());
            }
        }
    }

    /// Records a fresh receipt (verified by the caller) for a transaction
    /// already sent: a later promise, as the sequencer gives when a
    /// validator forwards an overdue one. Ignored unless it was sent and
    /// the new deadline is later.
    pub fn renew(&mut self, receipt: &Receipt, note: &str) -> bool {
        match self.get_mut(&receipt.tx) {
            Some(o) if matches!(o.state, State::Sent { deadline, .. } if receipt.deadline > deadline) =>
            {
                o.state = State::Sent {
                    receipt: Some(note.to_owned()),
                    received: receipt.received,
                    deadline: receipt.deadline,
                    index: receipt.index,
                };
                o.reported_to.clear();
                true
            }
            _ => false,
        }
    }

    /// Records a refusal. Ignored unless the transaction was queued.
    pub fn refused(&mut self, id: &TxId, code: &str, message: &str) -> bool {
        match self.get_mut(id) {
            Some(o) if o.state == State::Queued => {
                o.state = State::Refused {
                    code: code.to_owned(),
                    message: message.to_owned(),
                };
                true
            }
            _ => false,
        }
    }

    /// Puts `new` in place of a refused transaction it was signed again
    /// as, queued at the end (re-signed ones go in their old order). `false`
    /// if `old` is not a refused one or `new` is already in the outbox.
    pub fn replace(&mut self, old: &TxId, new: &SignedTx, now: u64) -> bool {
        let Some(at) = self
            .items
            .iter()
            .position(|o| o.id == *old && matches!(o.state, State::Refused { .. }))
        else {
            return false;
        };
        if !self.push(new, now) {
            return false;
        }
        self.items.remove(at);
        true
    }

    /// Records that the transaction is proven in a quorum-cosigned
    /// checkpoint of `size` at leaf `index`. Ignored unless it was sent or
    /// queued (a queued one may have reached the ledger another way).
    pub fn included(&mut self, id: &TxId, index: u64, size: u64) -> bool {
        match self.get_mut(id) {
            Some(o) if matches!(o.state, State::Queued | State::Sent { .. }) => {
                o.state = State::Included { index, size };
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
