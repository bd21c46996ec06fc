//! The HTTP edge to a ledger (feature `client`): reqwest with rustls (the
//! system's TLS on Apple platforms), async so the same code runs in the
//! desktop app, the browser and the CLI.
//!
//! Every answer is checked with core's rules before it is returned: a
//! checkpoint under the trust policy (never one taken from the ledger), a
//! receipt under the receipt key, proofs against a verified checkpoint. What
//! to do with them (checkpoint memory, history sync, the outbox) is in
//! [`sync`].

pub mod log_follower;
pub mod report;
pub mod round;
pub mod sync;
mod wire;

use crate::history::ServedHistory;
use crate::ids::{GrantId, IdentityId, OrgId, TxId};
use crate::keys::SigningKey;
use crate::merkle::Hash;
use crate::note::Receipt;
use crate::replica::{OrgEntry, Status};
use crate::smt::MapProof;
use crate::trust::{CheckpointError, ReceiptError, TrustPolicy, VerifiedCheckpoint};
use reqwest::StatusCode;
pub use wire::Included;

/// Why a ledger call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The ledger could not be reached (offline, refused, timed out).
    #[error("the ledger at {url} cannot be reached: {reason}")]
    Unreachable {
        /// The URL asked.
        url: String,
        /// What the network said.
        reason: String,
    },
    /// The ledger answered with an error.
    #[error("the ledger refused ({status}): {code}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Its error code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The answer is not what the API promises.
    #[error("the ledger's answer is malformed: {0}")]
    Malformed(String),
    /// No checkpoint has a quorum of cosignatures yet.
    #[error("the ledger has no quorum-cosigned checkpoint yet")]
    NotCosigned,
    /// The checkpoint does not verify under the trust policy.
    #[error("the ledger's checkpoint does not verify: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The receipt does not verify under the trust policy.
    #[error("the ledger's receipt does not verify: {0}")]
    Receipt(#[from] ReceiptError),
}

/// The HTTP client: a ledger that stalls fails a call after
/// [`REQUEST_TIMEOUT`] (connecting: [`CONNECT_TIMEOUT`]) instead of hanging
/// the wallet, the clinic or the monitor. In the browser, fetch has no such
/// setting and the page's own limits apply.
fn http_client() -> reqwest::Client {
    #[cfg(not(target_arch = "wasm32"))]
    {
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_default()
    }
    #[cfg(target_arch = "wasm32")]
    {
        reqwest::Client::new()
    }
}

/// How long one call to a ledger may take in all.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long connecting to a ledger may take.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A client for one ledger under one trust policy.
#[derive(Debug, Clone)]
pub struct LedgerClient {
    http: reqwest::Client,
    base: String,
    policy: TrustPolicy,
}

impl LedgerClient {
    /// A client for the ledger at `base` (e.g. `http://127.0.0.1:7400`).
    pub fn new(base: &str, policy: TrustPolicy) -> Self {
        LedgerClient {
            http: http_client(),
            base: base.trim_end_matches('/').to_owned(),
            policy,
        }
    }

    /// The trust policy answers are checked under.
    pub fn policy(&self) -> &TrustPolicy {
        &self.policy
    }

    /// The ledger's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let response = request.send().await.map_err(|e| ClientError::Unreachable {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body: wire::ErrorBody = response.json().await.unwrap_or_default();
        let code = if status == StatusCode::NOT_FOUND && body.error.code.is_empty() {
            "not_found".to_owned()
        } else {
            body.error.code
        };
        Err(ClientError::Refused {
            status: status.as_u16(),
            code,
            message: body.error.message,
        })
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        target: &str,
        signer: Option<(&SigningKey, u64)>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{target}", self.base);
        let mut request = self.http.get(&url);
        if let Some((key, now)) = signer {
            let auth = crate::read_auth::sign(key, &self.policy.origin, "GET", target, now);
            request = request.header("authorization", auth);
        }
        let response = self.send(request, &url).await?;
        response
            .json()
            .await
            .map_err(|e| ClientError::Malformed(e.to_string()))
    }

    /// The newest quorum-cosigned checkpoint, verified under the policy.
    ///
    /// # Errors
    /// [`ClientError::NotCosigned`], [`ClientError::Checkpoint`], or a
    /// transport error.
    pub async fn checkpoint(&self) -> Result<VerifiedCheckpoint, ClientError> {
        let answer: wire::CheckpointAnswer = self.get_json("/api/v1/checkpoint", None).await?;
        let note = answer.cosigned.ok_or(ClientError::NotCosigned)?;
        Ok(self.policy.verify_checkpoint(note.as_bytes())?)
    }

    /// A validator's latest cosigned checkpoint note (`GET {url}/checkpoint`),
    /// with the sequencer's signature checked.
    ///
    /// # Errors
    /// A transport error, or [`ClientError::Malformed`] if the note does not
    /// carry a valid sequencer signature.
    pub async fn validator_checkpoint(
        &self,
        url: &str,
    ) -> Result<(crate::note::Checkpoint, String), ClientError> {
        let url = format!("{}/checkpoint", url.trim_end_matches('/'));
        let response = self.send(self.http.get(&url), &url).await?;
        let note = response
            .text()
            .await
            .map_err(|e| ClientError::Malformed(e.to_string()))?;
        let signed = crate::note::SignedCheckpoint::parse(note.as_bytes())
            .map_err(|e| ClientError::Malformed(e.to_string()))?;
        signed
            .verify_signer(&self.policy.sequencer)
            .map_err(|e| ClientError::Malformed(format!("validator's checkpoint: {e}")))?;
        Ok((signed.checkpoint().clone(), note))
    }

    /// Posts evidence to a validator's `POST {url}/evidence` and returns
    /// its answer (unsigned: for people to read, and any forwarded receipt
    /// is checked under the trust policy by the caller).
    ///
    /// # Errors
    /// [`ClientError::Refused`] (`bad_evidence`, `busy`), or a transport
    /// error.
    pub async fn post_evidence(
        &self,
        url: &str,
        evidence: &crate::evidence::Evidence,
    ) -> Result<crate::evidence::Answer, ClientError> {
        let url = format!("{}/evidence", url.trim_end_matches('/'));
        let request = self.http.post(&url).json(evidence);
        self.send(request, &url)
            .await?
            .json()
            .await
            .map_err(|e| ClientError::Malformed(e.to_string()))
    }

    /// The consistency proof between two sizes.
    ///
    /// # Errors
    /// A transport error or a malformed answer.
    pub async fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, ClientError> {
        let answer: wire::ProofAnswer = self
            .get_json(
                &format!("/api/v1/consistency?first={first}&second={second}"),
                None,
            )
            .await?;
        wire::hashes(&answer.proof)
    }

    /// Leaves `[from, to)` through the C2SP tiles read path, as the ledger
    /// serves them. Only their count is checked here: the caller hashes them
    /// into the tree and compares the root with a verified checkpoint (see
    /// [`log_follower::LogFollower`]).
    ///
    /// # Errors
    /// A transport error, or [`ClientError::Malformed`] for a truncated or
    /// short bundle.
    pub async fn entries(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, ClientError> {
        let mut out = Vec::with_capacity(usize::try_from(to.saturating_sub(from)).unwrap_or(0));
        for (path, skip) in crate::merkle::tile_path::entry_tiles(from, to) {
            let url = format!("{}/{path}", self.base);
            let bundle = self
                .send(self.http.get(&url), &url)
                .await?
                .bytes()
                .await
                .map_err(|e| ClientError::Unreachable {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
            let leaves = crate::merkle::tile_path::split_bundle(&bundle)
                .filter(|l| l.len() as u64 == path.width)
                .ok_or_else(|| {
                    ClientError::Malformed(format!("{path}: not {} entries", path.width))
                })?;
            out.extend(leaves.into_iter().skip(skip).map(<[u8]>::to_vec));
        }
        Ok(out)
    }

    /// Submits a transaction and checks its receipt. Returns the receipt and
    /// its note.
    ///
    /// # Errors
    /// [`ClientError::Refused`] with the ledger's code (e.g. `replay`),
    /// [`ClientError::Receipt`], or a transport error.
    pub async fn submit(&self, tx: &[u8]) -> Result<(Receipt, String), ClientError> {
        let url = format!("{}/api/v1/submit", self.base);
        let request = self.http.post(&url).body(tx.to_vec());
        let answer: wire::SubmitAnswer = self
            .send(request, &url)
            .await?
            .json()
            .await
            .map_err(|e| ClientError::Malformed(e.to_string()))?;
        let receipt = self.policy.verify_receipt(answer.receipt.as_bytes())?;
        if receipt.tx != TxId::of(tx) {
            return Err(ClientError::Malformed(
                "the receipt names another transaction".into(),
            ));
        }
        Ok((receipt, answer.receipt))
    }

    /// A transaction's leaf and inclusion proof at `size`, checked against
    /// `checkpoint` (its root) and against the transaction's own bytes.
    ///
    /// # Errors
    /// [`ClientError::Refused`] (`no_such_tx` when the ledger does not hold
    /// it), [`ClientError::Malformed`] when the proof or leaf fails.
    pub async fn inclusion(
        &self,
        tx: &[u8],
        checkpoint: &VerifiedCheckpoint,
    ) -> Result<Included, ClientError> {
        let cp = checkpoint.checkpoint();
        let answer: wire::InclusionAnswer = self
            .get_json(
                &format!("/api/v1/inclusion?tx={}&size={}", TxId::of(tx), cp.size),
                None,
            )
            .await?;
        answer.verify(tx, cp)
    }

    /// An identity's history since the entry `since` at checkpoint `size`,
    /// signed by `key` (the identity's or a delegate's).
    ///
    /// # Errors
    /// A transport error or a malformed answer (verification is
    /// [`crate::history::verify_history`]'s job).
    pub async fn history(
        &self,
        identity: &IdentityId,
        key: &SigningKey,
        since: Option<u64>,
        size: u64,
        now: u64,
    ) -> Result<ServedHistory, ClientError> {
        let mut target = format!("/api/v1/history/{}?size={size}", identity.key());
        if let Some(since) = since {
            target.push_str(&format!("&since={since}"));
        }
        let answer: wire::HistoryAnswer = self.get_json(&target, Some((key, now))).await?;
        answer.into_served()
    }

    /// A grant's status and map proof at `size` (signed by `reader` when
    /// given: the patient, a delegate, or the organisation the grant names).
    ///
    /// # Errors
    /// A transport error or a malformed answer.
    pub async fn grant_status(
        &self,
        grant: &GrantId,
        size: u64,
        reader: Option<(&SigningKey, u64)>,
    ) -> Result<(Option<Status>, MapProof), ClientError> {
        let answer: wire::StatusAnswer = self
            .get_json(&format!("/api/v1/status/grant/{grant}?size={size}"), reader)
            .await?;
        answer.decode()
    }

    /// An organisation's directory entry and map proof at `size`.
    ///
    /// # Errors
    /// A transport error or a malformed answer.
    pub async fn org(
        &self,
        org: &OrgId,
        size: u64,
    ) -> Result<(Option<OrgEntry>, MapProof), ClientError> {
        let answer: wire::OrgAnswer = self
            .get_json(&format!("/api/v1/org/{org}?size={size}"), None)
            .await?;
        answer.decode()
    }

    /// The organisations the ledger lists (`GET /api/v1/orgs`), unproven:
    /// for a search box only.
    ///
    /// # Errors
    /// A transport error or a malformed answer.
    pub async fn listing(&self) -> Result<Vec<(OrgId, String)>, ClientError> {
        let listed: Vec<wire::ListedOrg> = self.get_json("/api/v1/orgs", None).await?;
        listed
            .into_iter()
            .map(|o| {
                let id = o
                    .id
                    .parse()
                    .map_err(|_| ClientError::Malformed(format!("organisation id {:?}", o.id)))?;
                Ok((id, o.name))
            })
            .collect()
    }
}

/// Fetches a small text file (an app's deployment settings, for instance);
/// no ledger rules apply to it.
///
/// # Errors
/// [`ClientError::Unreachable`] or [`ClientError::Refused`].
pub async fn fetch_text(url: &str) -> Result<String, ClientError> {
    let unreachable = |e: reqwest::Error| ClientError::Unreachable {
        url: url.to_owned(),
        reason: e.to_string(),
    };
    let response = reqwest::get(url).await.map_err(unreachable)?;
    if !response.status().is_success() {
        return Err(ClientError::Refused {
            status: response.status().as_u16(),
            code: "not_found".into(),
            message: format!("{url} answered {}", response.status()),
        });
    }
    response.text().await.map_err(unreachable)
}
