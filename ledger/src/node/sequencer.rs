//! The sequencing thread: batch, append with core's rules, make durable,
//! sign, answer.

use super::{unix_now, Ack, Node, NodeConfig, Pending, Published, SubmitError, RECENT_CHECKPOINTS};
use assent_core::note::{Receipt, SignedCheckpoint};
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

impl Node {
    /// Appends one batch. A storage failure here leaves memory ahead of
    /// disk, so the process stops; on restart it replays what is durable.
    fn sequence(&self, batch: Vec<Pending>) {
        let mut view = self.view.write().unwrap_or_else(|e| e.into_inner());
        let time = unix_now().max(view.replica.last_time());
        let at = view.replica.len();
        let mut leaves = Vec::new();
        let mut accepted = Vec::new();
        for pending in batch {
            match view.replica.append(&pending.tx, time) {
                Ok(appended) => {
                    leaves.push(appended.bytes);
                    accepted.push((pending, appended.leaf.index));
                }
                Err(refusal) => {
                    self.metrics.refused(refusal_code(&refusal));
                    let error = match refusal {
                        assent_core::replica::AppendError::Refused(r) => SubmitError::Refused(r),
                        assent_core::replica::AppendError::TimeWentBack { .. } => {
                            unreachable!("the leaf time never goes back")
                        }
                    };
                    let _ = pending.reply.send(Err(error));
                }
            }
        }
        if leaves.is_empty() {
            return;
        }
        let checkpoint = view.replica.checkpoint();
        if let Err(e) = self
            .store
            .append(at, &leaves, checkpoint.to_text().as_bytes())
        {
            tracing::error!("storage failed; stopping so a restart replays what is durable: {e}");
            std::process::abort();
        }
        let size = checkpoint.size;
        let signed = SignedCheckpoint::sign(
            checkpoint,
            self.genesis.sequencer.name(),
            &self.keys.checkpoint,
        )
        .expect("the genesis origin and key name are valid note names");
        let snapshot = view.replica.map_snapshot();
        view.recent.insert(size, Published::new(signed, snapshot));
        // Drop the oldest, but keep the newest quorum-cosigned one.
        while view.recent.len() > RECENT_CHECKPOINTS {
            let cosigned = view.cosigned;
            let oldest = view.recent.keys().copied().find(|s| Some(*s) != cosigned);
            match oldest {
                Some(size) => view.recent.remove(&size),
                None => break,
            };
        }
        drop(view);
        self.metrics.batches.inc();
        self.metrics.accepted.add(accepted.len() as u64);
        let origin = &self.genesis.genesis.origin;
        for (pending, index) in accepted {
            let receipt = Receipt {
                origin: origin.clone(),
                tx: pending.tx.id(),
                received: pending.received,
                deadline: pending.received + self.genesis.merge_delay,
                index: Some(index),
            }
            .sign(self.genesis.receipt.name(), &self.keys.receipt)
            .expect("the genesis receipt key name is a valid note name");
            let _ = pending.reply.send(Ok(Ack {
                index,
                time,
                receipt,
            }));
        }
    }
}

fn refusal_code(error: &assent_core::replica::AppendError) -> &'static str {
    match error {
        assent_core::replica::AppendError::Refused(r) => r.code(),
        assent_core::replica::AppendError::TimeWentBack { .. } => "time_went_back",
    }
}
