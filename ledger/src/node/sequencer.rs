//! The sequencing thread of a node that owns its log: batch, append with
//! core's rules, make durable, sign, answer. The steps every node shares
//! (apply a batch to the replica, publish its checkpoint, sign receipts)
//! live here too.

use super::RECENT_CHECKPOINTS;
use super::{unix_now, Ack, Node, NodeConfig, Pending, Published, SubmitError, View};
use assent_core::ids::TxId;
use assent_core::note::{Receipt, SignedCheckpoint};
use assent_core::replica::AppendError;
use assent_core::tx::SignedTx;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Instant;

/// Takes batches off the queue until every sender is gone.
pub(super) fn run(node: &Node, queue: &Receiver<Pending>, config: &NodeConfig) {
    while let Ok(first) = queue.recv() {
        let closes = Instant::now() + config.batch_interval;
        let mut batch = vec![first];
        while batch.len() < config.batch_size {
            let wait = closes.saturating_duration_since(Instant::now());
            match queue.recv_timeout(wait) {
                Ok(pending) => batch.push(pending),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        node.sequence(batch);
    }
}

/// A batch applied to the replica, not yet durable.
pub(super) struct Applied {
    /// Where its leaves start.
    pub at: u64,
    /// Its leaf time.
    pub time: u64,
    /// The leaves to store.
    pub leaves: Vec<Vec<u8>>,
    /// Per transaction, in order: its index, or why it was refused.
    pub results: Vec<Result<u64, SubmitError>>,
}

impl Node {
    /// Appends `txs` to the replica with core's rules, at one leaf time.
    pub(super) fn apply<'a>(
        &self,
        view: &mut View,
        txs: impl IntoIterator<Item = &'a SignedTx>,
    ) -> Applied {
        let time = unix_now().max(view.replica.last_time());
        let at = view.replica.len();
        let mut leaves = Vec::new();
        let mut results = Vec::new();
        for tx in txs {
            match view.replica.append(tx, time) {
                Ok(appended) => {
                    leaves.push(appended.bytes);
                    results.push(Ok(appended.leaf.index));
                }
                Err(AppendError::Refused(refusal)) => {
                    self.metrics.refused(refusal.code());
                    results.push(Err(refusal.into()));
                }
                Err(AppendError::TimeWentBack { .. }) => {
                    unreachable!("the leaf time never goes back")
                }
            }
        }
        Applied {
            at,
            time,
            leaves,
            results,
        }
    }

    /// Signs the replica's checkpoint and keeps it with its map snapshot,
    /// dropping the oldest beyond [`RECENT_CHECKPOINTS`] (but never the
    /// newest quorum-cosigned one).
    pub(super) fn publish(&self, view: &mut View) {
        let checkpoint = view.replica.checkpoint();
        let size = checkpoint.size;
        let signed = SignedCheckpoint::sign(
            checkpoint,
            self.genesis.sequencer.name(),
            &self.keys.checkpoint,
        )
        .expect("the genesis origin and key name are valid note names");
        let snapshot = view.replica.map_snapshot();
        view.recent.insert(size, Published::new(signed, snapshot));
        while view.recent.len() > RECENT_CHECKPOINTS {
            let cosigned = view.cosigned;
            let oldest = view.recent.keys().copied().find(|s| Some(*s) != cosigned);
            match oldest {
                Some(size) => view.recent.remove(&size),
                None => break,
            };
        }
    }

    /// The signed receipt for transaction `tx`, received at `received` and
    /// appended at `index`.
    pub(super) fn receipt(&self, tx: TxId, received: u64, index: u64) -> String {
        Receipt {
            origin: self.genesis.genesis.origin.clone(),
            tx,
            received,
            deadline: received + self.genesis.merge_delay,
            index: Some(index),
        }
        .sign(self.genesis.receipt.name(), &self.keys.receipt)
        .expect("the genesis receipt key name is a valid note name")
    }

    /// Appends one batch. A storage failure here leaves memory ahead of
    /// disk, so the process stops; on restart it replays what is durable.
    fn sequence(&self, batch: Vec<Pending>) {
        let mut view = self.view.write().unwrap_or_else(|e| e.into_inner());
        let applied = self.apply(&mut view, batch.iter().map(|p| &p.tx));
        if !applied.leaves.is_empty() {
            let checkpoint = view.replica.checkpoint();
            if let Err(e) =
                self.store
                    .append(applied.at, &applied.leaves, checkpoint.to_text().as_bytes())
            {
                tracing::error!(
                    "storage failed; stopping so a restart replays what is durable: {e}"
                );
                std::process::abort();
            }
            self.publish(&mut view);
            self.metrics.batches.inc();
            self.metrics.accepted.add(applied.leaves.len() as u64);
            self.snapshots.after_batch(&self.store, &view.replica);
        }
        drop(view);
        for (pending, result) in batch.into_iter().zip(applied.results) {
            let answer = result.map(|index| Ack {
                index,
                time: applied.time,
                receipt: self.receipt(pending.tx.id(), pending.received, index),
            });
            let _ = pending.reply.send(answer);
        }
    }
}
