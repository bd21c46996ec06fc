//! Assent's JSON API (`/api/v1/…`): what tiles cannot give — submission,
//! proofs by id, a patient's history with completeness, grant and
//! delegation status with map proofs, the organisation directory, decisions.
//!
//! Hashes and byte strings are standard base64, as in checkpoints.

use super::{ApiError, AppState};
use crate::node::{SubmitError, View};
use assent_core::ids::{DelegationId, GrantId, IdentityId, OrgId, TxId};
use assent_core::keys::PublicKey;
use assent_core::replica::{delegation_key, grant_key, identity_key, org_key, Head, Status};
use assent_core::smt::MapKey;
use assent_core::tx::SignedTx;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Json;
use data_encoding::BASE64;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Entries one history answer may hold; ask again with `since` for more.
pub const MAX_HISTORY: usize = 50_000;

fn b64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

fn hashes(hs: &[assent_core::merkle::Hash]) -> Vec<String> {
    hs.iter().map(|h| b64(&h.0)).collect()
}

/// A stored leaf's bytes; a storage read failure is a 503.
fn stored_leaf(state: &AppState, index: u64) -> Result<Vec<u8>, ApiError> {
    state
        .node
        .store()
        .leaf(index)
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::unavailable("entry unreadable"))
}

/// `POST /api/v1/submit`: a transaction's COSE_Sign1 bytes.
pub async fn submit(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body?;
    state.node.metrics.submitted.inc();
    let tx = SignedTx::open(&body, &state.node.genesis().genesis.origin).map_err(|e| {
        state.node.metrics.refused(e.code());
        ApiError::bad_request(e.code(), e.to_string())
    })?;
    if !state.limits.submit.allow(&tx.signer().to_bytes()) {
        state.node.metrics.rate_limited.inc();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many transactions from this key; retry later",
        ));
    }
    let id = tx.id();
    match state.node.submit(tx).await {
        Ok(ack) => Ok(Json(json!({
            "tx": id.to_string(),
            "index": ack.index,
            "time": ack.time,
            "receipt": ack.receipt,
        }))),
        Err(SubmitError::Refused { code, message }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message,
        )),
        Err(e @ (SubmitError::Busy | SubmitError::Stopped | SubmitError::Unavailable(_))) => {
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                e.to_string(),
            ))
        }
    }
}

/// `GET /api/v1/checkpoint`: the newest checkpoint and the newest
/// quorum-cosigned one, as notes.
pub async fn checkpoint(State(state): State<AppState>) -> Json<Value> {
    let view = state.node.view();
    let latest = view.latest();
    Json(json!({
        "latest": latest.note(),
        "size": latest.checkpoint().size,
        "cosigned": view.latest_cosigned().map(|p| p.note()),
        "cosigned_size": view.cosigned,
        "k": state.node.genesis().k,
    }))
}

/// A validator's cosignature.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignatureBody {
    /// The checkpoint size cosigned.
    pub size: u64,
    /// The signature line (`— name base64…`).
    pub cosignature: String,
}

/// `POST /api/v1/cosignature`.
pub async fn cosignature(
    State(state): State<AppState>,
    body: Result<Json<CosignatureBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(body) = body?;
    state
        .node
        .add_cosignature(body.size, &body.cosignature)
        .map_err(|e| ApiError::bad_request("bad_cosignature", e.to_string()))?;
    Ok(Json(json!({ "accepted": true })))
}

/// The size a proof is asked at: given, or the newest cosigned, or the newest.
fn proof_size(view: &View, size: Option<u64>) -> Result<u64, ApiError> {
    let latest = view.latest().checkpoint().size;
    let size = size.unwrap_or_else(|| view.cosigned.unwrap_or(latest));
    if size > latest {
        return Err(ApiError::not_found(
            "beyond_checkpoint",
            format!("size {size} is beyond the newest checkpoint ({latest})"),
        ));
    }
    Ok(size)
}

/// Query of `GET /api/v1/inclusion`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The entry's index…
    pub index: Option<u64>,
    /// …or its transaction id (hex).
    pub tx: Option<String>,
    /// The tree size (default: the newest cosigned checkpoint).
    pub size: Option<u64>,
}

/// `GET /api/v1/inclusion?index=I|tx=ID[&size=N]`.
pub async fn inclusion(
    State(state): State<AppState>,
    query: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query?;
    let view = state.node.view();
    let index = match (q.index, &q.tx) {
        (Some(i), None) => i,
        (None, Some(tx)) => {
            let id: TxId = tx
                .parse()
                .map_err(|_| ApiError::bad_request("bad_tx_id", "tx must be 64 hex characters"))?;
            view.replica
                .index_of(&id)
                .ok_or_else(|| ApiError::not_found("no_such_tx", "no such transaction"))?
        }
        _ => {
            return Err(ApiError::bad_request(
                "bad_query",
                "give index or tx, not both",
            ))
        }
    };
    let size = proof_size(&view, q.size)?;
    let proof = view
        .replica
        .tree()
        .inclusion(index, size)
        .map_err(|e| ApiError::not_found("not_in_tree", e.to_string()))?;
    let leaf_hash = view.replica.tree().leaf(index).expect("index below size");
    let leaf = stored_leaf(&state, index)?;
    Ok(Json(json!({
        "index": index, "size": size, "leaf_hash": b64(&leaf_hash.0), "leaf": b64(&leaf),
        "proof": hashes(&proof),
    })))
}

/// Query of `GET /api/v1/consistency`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The smaller size.
    pub first: u64,
    /// The larger size (default: the newest cosigned checkpoint).
    pub second: Option<u64>,
}

/// `GET /api/v1/consistency?first=M[&second=N]`.
pub async fn consistency(
    State(state): State<AppState>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query?;
    let view = state.node.view();
    let second = proof_size(&view, q.second)?;
    let proof = view
        .replica
        .tree()
        .consistency(q.first, second)
        .map_err(|e| ApiError::bad_request("bad_sizes", e.to_string()))?;
    Ok(Json(
        json!({ "first": q.first, "second": second, "proof": hashes(&proof) }),
    ))
}

/// Query of history and status requests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    /// The checkpoint size (default: the newest cosigned one).
    pub size: Option<u64>,
    /// History: the index of the newest entry the wallet already verified.
    pub since: Option<u64>,
}

/// A map value and its proof at a held checkpoint.
struct MapAnswer {
    size: u64,
    value: Option<Vec<u8>>,
    proof: Vec<u8>,
}

fn map_lookup(view: &View, size: Option<u64>, key: &MapKey) -> Result<MapAnswer, ApiError> {
    let size = proof_size(view, size)?;
    let published = view.recent.get(&size).ok_or_else(|| {
        ApiError::not_found(
            "checkpoint_not_held",
            format!("no map snapshot at size {size}; ask at a newer checkpoint"),
        )
    })?;
    let map = published.map();
    Ok(MapAnswer {
        size,
        value: map.get_value(key).map(<[u8]>::to_vec),
        proof: map.prove(key).to_bytes(),
    })
}

/// `GET /api/v1/history/{identity}?since=INDEX&size=N`: the identity's chain
/// head with its map proof and the entries after `since`, newest first,
/// each with an inclusion proof.
pub async fn history(
    State(state): State<AppState>,
    (method, uri, headers): (Method, Uri, HeaderMap),
    identity: Result<Path<String>, PathRejection>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (Path(identity), Query(q)) = (identity?, query?);
    let identity = IdentityId(
        identity
            .parse::<PublicKey>()
            .map_err(|e| ApiError::bad_request("bad_identity", e.to_string()))?,
    );
    let reader = super::auth::reader(&state, &headers, &method, &uri)?;
    let view = state.node.view();
    reader.check_identity(view.replica.state(), &identity, crate::node::unix_now())?;
    let MapAnswer {
        size,
        value: head,
        proof: head_proof,
    } = map_lookup(&view, q.size, &identity_key(&identity))?;
    let head = head
        .map(|bytes| Head::from_bytes(&bytes))
        .transpose()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "damaged", e.to_string()))?;
    let mut entries = Vec::new();
    let mut next = head.map(|h| h.index);
    while let Some(index) = next {
        if Some(index) <= q.since {
            break;
        }
        if entries.len() == MAX_HISTORY {
            return Err(ApiError::bad_request(
                "history_too_long",
                format!("more than {MAX_HISTORY} entries; sync in steps with since"),
            ));
        }
        let leaf = stored_leaf(&state, index)?;
        let decoded = assent_core::replica::Leaf::from_bytes(&leaf).map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "damaged", e.to_string())
        })?;
        next = decoded
            .link_for(&identity)
            .and_then(|l| l.prev)
            .map(|(i, _)| i);
        let proof = view
            .replica
            .tree()
            .inclusion(index, size)
            .expect("entry below size");
        entries.push(json!({ "index": index, "leaf": b64(&leaf), "inclusion": hashes(&proof) }));
    }
    Ok(Json(json!({
        "size": size,
        "head": head.map(|h| json!({"count": h.count, "index": h.index, "leaf_hash": b64(&h.leaf_hash.0)})),
        "head_proof": b64(&head_proof),
        "entries": entries,
    })))
}

fn status_answer(view: &View, size: Option<u64>, key: &MapKey) -> Result<Json<Value>, ApiError> {
    let MapAnswer { size, value, proof } = map_lookup(view, size, key)?;
    let status = value
        .map(|bytes| Status::from_bytes(&bytes))
        .transpose()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "damaged", e.to_string()))?;
    Ok(Json(json!({
        "size": size,
        "status": status.map(|s| json!({"live": s.live, "since": s.since})),
        "proof": b64(&proof),
    })))
}

fn parse_id(text: &str) -> Result<[u8; 32], ApiError> {
    text.parse::<TxId>()
        .map(|id| id.0)
        .map_err(|_| ApiError::bad_request("bad_id", "ids are 64 hex characters"))
}

/// `GET /api/v1/status/grant/{id}?size=N`.
pub async fn grant_status(
    State(state): State<AppState>,
    (method, uri, headers): (Method, Uri, HeaderMap),
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (Path(id), Query(q)) = (id?, query?);
    let id = GrantId(parse_id(&id)?);
    let reader = super::auth::reader(&state, &headers, &method, &uri)?;
    let view = state.node.view();
    if let Some(grant) = view.replica.state().grant(&id) {
        let now = crate::node::unix_now();
        reader.check_identity_or_org(
            view.replica.state(),
            &grant.patient,
            Some(&grant.grantee),
            now,
        )?;
    }
    status_answer(&view, q.size, &grant_key(&id))
}

/// `GET /api/v1/status/delegation/{id}?size=N`.
pub async fn delegation_status(
    State(state): State<AppState>,
    (method, uri, headers): (Method, Uri, HeaderMap),
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (Path(id), Query(q)) = (id?, query?);
    let id = DelegationId(parse_id(&id)?);
    let reader = super::auth::reader(&state, &headers, &method, &uri)?;
    let view = state.node.view();
    if let Some(d) = view.replica.state().delegation(&id) {
        let now = crate::node::unix_now();
        let state = view.replica.state();
        reader
            .check_identity(state, &d.patient, now)
            .or_else(|_| reader.check_identity(state, &d.caregiver, now))?;
    }
    status_answer(&view, q.size, &delegation_key(&id))
}

/// One organisation in the directory.
#[derive(Debug, Serialize)]
pub struct OrgAnswer {
    id: String,
    kind: String,
    name: String,
    keys: Vec<String>,
    endpoints: Vec<String>,
}

/// `GET /api/v1/orgs`: the organisation directory.
pub async fn orgs(State(state): State<AppState>) -> Json<Vec<OrgAnswer>> {
    use assent_core::codes::Code;
    let view = state.node.view();
    Json(
        view.replica
            .state()
            .orgs()
            .map(|(id, org)| OrgAnswer {
                id: id.to_string(),
                kind: org.kind.fhir_code().to_owned(),
                name: org.name.clone(),
                keys: org.keys.iter().map(ToString::to_string).collect(),
                endpoints: org.endpoints.clone(),
            })
            .collect(),
    )
}

/// `GET /api/v1/org/{id}?size=N`: one organisation's directory entry as the
/// state map commits it (`OrgEntry` bytes, base64), with its map proof.
pub async fn org(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<AtQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let (Path(id), Query(q)) = (id?, query?);
    let id = OrgId(parse_id(&id)?);
    let view = state.node.view();
    let MapAnswer { size, value, proof } = map_lookup(&view, q.size, &org_key(&id))?;
    Ok(Json(json!({
        "size": size,
        "entry": value.map(|v| b64(&v)),
        "proof": b64(&proof),
    })))
}

/// `GET /health`.
pub async fn health(State(state): State<AppState>) -> Json<Value> {
    let view = state.node.view();
    Json(json!({
        "status": "ok",
        "origin": state.node.genesis().genesis.origin,
        "size": view.latest().checkpoint().size,
        "cosigned_size": view.cosigned,
        "sequencing": state.node.is_sequencing(),
        "started_from_snapshot": state.node.started_from_snapshot(),
    }))
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> String {
    let (size, cosigned, time) = {
        let view = state.node.view();
        (
            view.latest().checkpoint().size,
            view.cosigned.unwrap_or(0),
            view.replica.last_time(),
        )
    };
    state.node.metrics.render(&[
        ("assent_log_size", "Entries in the newest checkpoint", size),
        (
            "assent_cosigned_size",
            "Entries in the newest quorum-cosigned checkpoint",
            cosigned,
        ),
        ("assent_last_leaf_time", "Time of the newest leaf", time),
        (
            "assent_sequencing",
            "1 if this process sequences (holds the lease on a shared log)",
            u64::from(state.node.is_sequencing()),
        ),
    ])
}
