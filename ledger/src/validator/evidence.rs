//! The validator's HTTP face and its evidence desk: `GET /checkpoint` (the
//! newest checkpoint it cosigned) and `POST /evidence` (PROTOCOL §6), whose
//! judgement is core's [`assent_core::evidence::judge`] against the
//! validator's own log. A proven equivocation halts the validator; a broken
//! promise is kept in `evidence.jsonl` in its data folder and the
//! transaction is forwarded to the sequencer.

use super::{Refusal, Validator};
use crate::api::ApiError;
use crate::node::unix_now;
use assent_core::evidence::{judge, Answer, Evidence, Finding, Forwarded};
use axum::http::StatusCode;
use axum::Json;
use data_encoding::BASE64;
use std::io::Write;
use std::sync::{Arc, RwLock};
use tokio::sync::{mpsc, oneshot};

/// One posting and where its answer goes.
type Posting = (Evidence, oneshot::Sender<Result<Answer, String>>);

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
}

impl Validator {
    /// Waits one poll period, judging evidence as it arrives; a proven
    /// equivocation ends the wait as a refusal.
    pub(super) async fn wait_taking_evidence(&mut self) -> Option<Refusal> {
        let sleep = tokio::time::sleep(self.config.poll);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return None,
                Some((evidence, reply)) = self.evidence.rx.recv() => {
                    let answer = self.consider(&evidence).await;
                    let halt = match &answer {
                        Ok(Answer { finding: Finding::Equivocation { size }, .. }) => Some(*size),
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

    /// Judges one posting, keeps what matters, forwards a broken promise.
    async fn consider(&mut self, evidence: &Evidence) -> Result<Answer, String> {
        let keys = (&self.genesis.sequencer, &self.genesis.receipt);
        let finding =
            judge(evidence, keys, &self.replica, unix_now()).map_err(|e| e.to_string())?;
        let forwarded = match (&finding, evidence) {
            (Finding::BrokenPromise, Evidence::Overdue { tx, .. }) => Some(self.forward(tx).await),
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
        Ok(Answer { finding, forwarded })
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
    async fn forward(&self, tx: &str) -> Forwarded {
        let Ok(bytes) = BASE64.decode(tx.as_bytes()) else {
            return Forwarded {
                status: 0,
                body: "not base64".into(),
            };
        };
        let url = format!("{}/api/v1/submit", self.config.ledger);
        match self.client.post(&url).body(bytes).send().await {
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
                    let desk = handle.evidence.clone();
                    async move { post_evidence(desk, body?.0).await }
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
    evidence: Evidence,
) -> Result<Json<Answer>, ApiError> {
    let busy = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "this validator is not taking evidence now; try again",
        )
    };
    let (reply, answer) = oneshot::channel();
    desk.try_send((evidence, reply)).map_err(|_| busy())?;
    match answer.await.map_err(|_| busy())? {
        Ok(answer) => Ok(Json(answer)),
        Err(why) => Err(ApiError::bad_request("bad_evidence", why)),
    }
}
