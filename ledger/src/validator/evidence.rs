//! The validator's HTTP face and its evidence desk: `GET /checkpoint` (the
//! newest checkpoint it cosigned) and `POST /evidence` (PROTOCOL §6), whose
//! judgement is core's [`assent_core::evidence::judge`] against the
//! validator's own log. A proven equivocation halts the validator; a broken
//! promise is kept in `evidence.jsonl` in its data folder and the
//! transaction is forwarded to the sequencer.

use super::{Refusal, Validator};
use crate::api::ApiError;
use crate::node::unix_now;
use assent_core::evidence::{check, judge_checked, Answer, Checked, Evidence, Finding, Forwarded};
use assent_core::ids::TxId;
use assent_core::note::{SignedCheckpoint, Vkey};
use axum::http::StatusCode;
use axum::Json;
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, RwLock};
use tokio::sync::{mpsc, oneshot};

/// One posting and where its answer goes.
type Posting = (Evidence, Checked, oneshot::Sender<Answer>);

/// How many postings may wait while the validator is busy; more are told
/// to come back (the endpoint is public).
const QUEUE: usize = 64;

/// How long a validator that proved an equivocation keeps answering before
/// it halts, so the poster gets its finding.
const HALT_GRACE: std::time::Duration = std::time::Duration::from_millis(300);

/// The validator's end of the evidence channel.
pub(super) struct Inbox {
    tx: mpsc::Sender<Posting>,
    rx: mpsc::Receiver<Posting>,
}

impl Inbox {
    pub(super) fn new() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Inbox { tx, rx }
    }

    pub(super) fn sender(&self) -> mpsc::Sender<Posting> {
        self.tx.clone()
    }
}

/// What the HTTP face shares with the running validator.
#[derive(Clone)]
pub struct Handle {
    pub(super) published: Arc<RwLock<Option<String>>>,
    pub(super) evidence: mpsc::Sender<Posting>,
    /// The sequencer's checkpoint and receipt keys and the origin, to check
    /// a posting's signatures before it is queued.
    pub(super) keys: Arc<(Vkey, Vkey, String)>,
}

/// Broken promises already judged, by transaction and deadline: a posting
/// seen again is answered without keeping or forwarding it again.
pub(super) type Judged = BTreeSet<(TxId, u64)>;

impl Validator {
    /// Waits one poll period, judging evidence as it arrives; a proven
    /// equivocation ends the wait as a refusal.
    pub(super) async fn wait_taking_evidence(&mut self) -> Option<Refusal> {
        let sleep = tokio::time::sleep(self.config.poll);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return None,
                Some((evidence, checked, reply)) = self.evidence.rx.recv() => {
                    let answer = self.consider(&evidence, &checked).await;
                    let halt = match &answer.finding {
                        Finding::Equivocation { size } => Some(*size),
                        _ => None,
                    };
                    let _ = reply.send(answer);
                    if let Some(size) = halt {
                        // Let the answer reach the poster before halting
                        // (a standalone validator's process ends with it).
                        tokio::time::sleep(HALT_GRACE).await;
                        return Some(Refusal::Equivocation { size });
                    }
                }
            }
        }
    }

    /// Judges one posting, checked at the door, keeps what matters, forwards
    /// a broken promise (each once per promise). An overdue receipt is judged
    /// only once this validator has caught up with the sequencer's newest
    /// checkpoint, so its own lag is never taken for a withheld transaction.
    async fn consider(&mut self, evidence: &Evidence, checked: &Checked) -> Answer {
        if let Checked::Overdue { receipt, .. } = checked {
            // Behind the sequencer and not yet past the deadline in its own
            // log: it cannot tell a withheld transaction from its own lag.
            // (Past the deadline, the log alone decides, however much the
            // sequencer appends meanwhile.)
            let absent = self.replica.index_of(&receipt.tx).is_none();
            if absent && self.replica.last_time() <= receipt.deadline && self.behind().await {
                return Answer {
                    finding: Finding::Ahead,
                    forwarded: None,
                };
            }
            if absent && self.judged.contains(&(receipt.tx, receipt.deadline)) {
                return Answer {
                    finding: Finding::BrokenPromise,
                    forwarded: None,
                };
            }
        }
        let finding = judge_checked(checked, &self.replica, unix_now());
        let forwarded = match (&finding, checked) {
            (Finding::BrokenPromise, Checked::Overdue { receipt, tx }) => {
                let forwarded = self.forward(tx).await;
                // Forwarded once per promise; tried again if the sequencer
                // could not be reached.
                if forwarded.status != 0 {
                    self.judged.insert((receipt.tx, receipt.deadline));
                }
                Some(forwarded)
            }
            _ => None,
        };
        if matches!(
            finding,
            Finding::Equivocation { .. } | Finding::BrokenPromise
        ) {
            tracing::error!(
                "validator {}: evidence against the sequencer: {finding:?}",
                self.vkey.name()
            );
            if let Err(e) = self.keep(evidence, &finding) {
                tracing::error!(
                    "validator {}: could not keep evidence: {e}",
                    self.vkey.name()
                );
            }
        }
        Answer { finding, forwarded }
    }

    /// Whether the sequencer's newest checkpoint is past this validator's
    /// verified log (unknown when it cannot be asked: then the log stands).
    async fn behind(&self) -> bool {
        let url = format!("{}/checkpoint", self.config.ledger);
        let Ok(note) = self.get(&url).await else {
            return false;
        };
        SignedCheckpoint::parse(&note)
            .ok()
            .filter(|s| s.verify_signer(&self.genesis.sequencer).is_ok())
            .is_some_and(|s| s.checkpoint().size > self.replica.len())
    }

    /// Appends the evidence and its finding to `evidence.jsonl`.
    fn keep(&self, evidence: &Evidence, finding: &Finding) -> std::io::Result<()> {
        let line =
            serde_json::json!({ "at": unix_now(), "finding": finding, "evidence": evidence });
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.config.data.join("evidence.jsonl"))?;
        writeln!(file, "{line}")
    }

    /// Submits the transaction to the sequencer on the poster's behalf.
    async fn forward(&self, tx: &[u8]) -> Forwarded {
        let url = format!("{}/api/v1/submit", self.config.ledger);
        match self.client.post(&url).body(tx.to_vec()).send().await {
            Ok(r) => Forwarded {
                status: r.status().as_u16(),
                body: r.text().await.unwrap_or_default(),
            },
            Err(e) => Forwarded {
                status: 0,
                body: format!("the sequencer could not be reached: {e}"),
            },
        }
    }
}

/// The validator's API: `GET /checkpoint`, its newest cosigned checkpoint
/// (public, readable from any origin: wallets in a browser compare it with
/// the sequencer's), and `POST /evidence` (JSON [`Evidence`], answered with
/// an [`Answer`]).
pub fn router(handle: Handle) -> axum::Router {
    use axum::routing::{get, post};
    let published = Arc::clone(&handle.published);
    axum::Router::new()
        .route(
            "/checkpoint",
            get(move || {
                let note = published.read().unwrap_or_else(|e| e.into_inner()).clone();
                async move {
                    note.ok_or_else(|| {
                        ApiError::not_found(
                            "nothing_cosigned",
                            "this validator has cosigned nothing yet",
                        )
                    })
                }
            }),
        )
        .route(
            "/evidence",
            post(
                move |body: Result<Json<Evidence>, axum::extract::rejection::JsonRejection>| {
                    let (desk, keys) = (handle.evidence.clone(), Arc::clone(&handle.keys));
                    async move { post_evidence(desk, keys, body?.0).await }
                },
            ),
        )
        .fallback(crate::api::error::not_found)
        .layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([axum::http::header::CONTENT_TYPE]),
        )
}

async fn post_evidence(
    desk: mpsc::Sender<Posting>,
    keys: Arc<(Vkey, Vkey, String)>,
    evidence: Evidence,
) -> Result<Json<Answer>, ApiError> {
    let (sequencer, receipt, origin) = &*keys;
    let checked = check(&evidence, (sequencer, receipt), origin)
        .map_err(|e| ApiError::bad_request("bad_evidence", e.to_string()))?;
    let (reply, answer) = oneshot::channel();
    desk.try_send((evidence, checked, reply))
        .map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => busy(),
            mpsc::error::TrySendError::Closed(_) => halted(),
        })?;
    Ok(Json(answer.await.map_err(|_| halted())?))
}

fn busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "this validator has too much evidence waiting; try again",
    )
}

fn halted() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "halted",
        "this validator has halted and takes no evidence until its operator acts",
    )
}
