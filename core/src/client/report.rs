//! Telling the validators what the ledger did (PROTOCOL §6): every fork the
//! checkpoint memory caught, and every receipt whose deadline passed, are
//! posted to each validator's evidence endpoint once; a validator that finds
//! a promise broken forwards the transaction to the sequencer, and a fresh
//! receipt that comes back (checked under the trust policy) renews the
//! promise. Runs even when the sequencer cannot be reached: that is when it
//! matters.

use super::sync::LedgerState;
use super::wire::SubmitAnswer;
use super::LedgerClient;
use crate::evidence::{settled, Answer, Evidence, Finding};
use crate::ids::TxId;
use crate::outbox::State;
use std::collections::BTreeSet;

/// What one [`report`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reported {
    /// Each posting a validator took: its vkey name and finding.
    pub taken: Vec<(String, Finding)>,
    /// Transactions the sequencer promised again after a validator
    /// forwarded them.
    pub renewed: Vec<TxId>,
    /// Validators that could not be reached or refused, with why (tried
    /// again next round).
    pub failed: Vec<(String, String)>,
}

/// Posts what has not been posted yet to every validator in the trust
/// policy; what each judged for good ([`settled`]) is noted in `state` so
/// it is posted once. A validator that cannot be reached is skipped for the
/// rest of the round.
pub async fn report(client: &LedgerClient, state: &mut LedgerState, now: u64) -> Reported {
    let mut desk = Desk::default();
    let validators = client.policy().validators.clone();
    let forks = state.memory.evidence().to_vec();
    for (i, fork) in forks.iter().enumerate() {
        for v in &validators {
            let Some(answer) = desk
                .post(client, v, &fork.reported_to, &Evidence::from(fork))
                .await
            else {
                continue;
            };
            if settled(&answer.finding) {
                state.memory.reported(i, v.vkey.name());
            }
        }
    }
    let overdue: Vec<_> = state.outbox.overdue(now).cloned().collect();
    for item in overdue {
        // A `replay` answer carries no signed promise: nothing to post.
        let State::Sent {
            receipt: Some(receipt),
            ..
        } = &item.state
        else {
            continue;
        };
        let evidence = Evidence::Overdue {
            receipt: receipt.clone(),
            tx: item.tx.clone(),
        };
        for v in &validators {
            let Some(answer) = desk.post(client, v, &item.reported_to, &evidence).await else {
                continue;
            };
            if settled(&answer.finding) {
                state.outbox.reported(&item.id, v.vkey.name());
            }
            if renewed(client, state, &item.id, &answer) {
                desk.done.renewed.push(item.id);
                break;
            }
        }
    }
    desk.done
}

/// One round's postings: what was done, and which validators are down.
#[derive(Default)]
struct Desk {
    done: Reported,
    down: BTreeSet<String>,
}

impl Desk {
    /// Posts `evidence` to validator `v` unless it took it already
    /// (`reported_to`) or is down this round; notes the answer or failure.
    async fn post(
        &mut self,
        client: &LedgerClient,
        v: &crate::trust::ValidatorEntry,
        reported_to: &[String],
        evidence: &Evidence,
    ) -> Option<Answer> {
        let name = v.vkey.name();
        if reported_to.iter().any(|n| n == name) || self.down.contains(name) {
            return None;
        }
        match client.post_evidence(&v.url, evidence).await {
            Ok(answer) => {
                self.done.taken.push((name.to_owned(), answer.finding));
                Some(answer)
            }
            Err(e) => {
                if unreachable(&e) {
                    self.down.insert(name.to_owned());
                }
                self.done.failed.push((name.to_owned(), e.to_string()));
                None
            }
        }
    }
}

/// Whether a validator's failure means it is not answering now (a transport
/// error, a 5xx): it is skipped for the rest of the round. A 4xx refusal of
/// one posting says nothing about the next.
fn unreachable(e: &super::ClientError) -> bool {
    !matches!(e, super::ClientError::Refused { status, .. } if *status < 500)
}

/// Takes a receipt from the sequencer's answer to a forwarded transaction,
/// if it is one, for this transaction, signed under the trust policy.
fn renewed(client: &LedgerClient, state: &mut LedgerState, id: &TxId, answer: &Answer) -> bool {
    let Some(forwarded) = &answer.forwarded else {
        return false;
    };
    let Ok(submitted) = serde_json::from_str::<SubmitAnswer>(&forwarded.body) else {
        return false;
    };
    match client.policy().verify_receipt(submitted.receipt.as_bytes()) {
        Ok(receipt) if receipt.tx == *id => state.outbox.renew(&receipt, &submitted.receipt),
        _ => false,
    }
}
