//! `POST /api/v1/decide`: an access decision for a clinic's record system,
//! from core's policy engine, with the covering grant's status proof. It
//! names the grant that permits, or the reason for a denial, and never how
//! much else was withheld (DESIGN §4).

use super::{ApiError, AppState};
use assent_core::codes::{
    Action, Category, Code, EmergencyReason, Purpose, ResourceType, SecurityLabel,
};
use assent_core::ids::{IdentityId, OrgId};
use assent_core::keys::PublicKey;
use assent_core::policy::{evaluate, Decision, Request};
use assent_core::replica::{grant_key, Status};
use assent_core::scope::AccessRequest;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::Json;
use data_encoding::BASE64;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The question.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideBody {
    /// The patient's identity (`assent1…`).
    pub patient: String,
    /// The asking organisation's id (hex).
    pub grantee: String,
    /// FHIR resource type, e.g. `Observation`.
    pub resource_type: String,
    /// Data categories (codes), if any.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Sensitive labels on the data (codes), if any.
    #[serde(default)]
    pub labels: Vec<String>,
    /// The action code, e.g. `access`.
    pub action: String,
    /// The purpose code, e.g. `TREAT`.
    pub purpose: String,
    /// When (Unix seconds; default: the newest leaf time).
    pub at: Option<u64>,
    /// A break-glass reason code, for access without a grant.
    pub emergency: Option<String>,
}

fn code<C: Code>(name: &str) -> Result<C, ApiError> {
    C::from_name(name).map_err(|e| ApiError::bad_request("unknown_code", e.to_string()))
}

fn codes<C: Code>(names: &[String]) -> Result<BTreeSet<C>, ApiError> {
    names.iter().map(|n| code(n)).collect()
}

/// Answers a decision.
pub async fn decide(
    State(state): State<AppState>,
    (method, uri, headers): (Method, Uri, HeaderMap),
    body: Result<Json<DecideBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let reader = super::auth::reader(&state, &headers, &method, &uri)?;
    let Json(q) = body?;
    let patient = IdentityId(
        q.patient
            .parse::<PublicKey>()
            .map_err(|e| ApiError::bad_request("bad_identity", e.to_string()))?,
    );
    let grantee = OrgId(
        q.grantee
            .parse::<assent_core::ids::TxId>()
            .map_err(|_| {
                ApiError::bad_request("bad_id", "grantee must be an organisation id (64 hex)")
            })?
            .0,
    );
    let view = state.node.view();
    reader.check_org(view.replica.state(), &grantee)?;
    let request = Request {
        patient,
        grantee,
        access: AccessRequest {
            resource_type: code::<ResourceType>(&q.resource_type)?,
            categories: codes::<Category>(&q.categories)?,
            labels: codes::<SecurityLabel>(&q.labels)?,
            action: code::<Action>(&q.action)?,
            purpose: code::<Purpose>(&q.purpose)?,
            at: q.at.unwrap_or_else(|| view.replica.last_time()),
        },
        emergency: q
            .emergency
            .as_deref()
            .map(code::<EmergencyReason>)
            .transpose()?,
    };
    let decision = evaluate(view.replica.state(), &request);
    let explanation = decision.explain();
    let (verdict, grant) = match &decision {
        Decision::Permit { grant } => ("permit", Some(*grant)),
        Decision::EmergencyOverride { .. } => ("emergency_override", None),
        _ => ("deny", None),
    };
    let proof = grant.map(|g| {
        let latest = view.latest();
        let size = view.cosigned.unwrap_or(latest.checkpoint().size);
        let published = view.recent.get(&size).unwrap_or(latest);
        let key = grant_key(&g);
        let status = published
            .map()
            .get_value(&key)
            .and_then(|b| Status::from_bytes(b).ok());
        json!({
            "grant": g.to_string(),
            "size": published.checkpoint().size,
            "status": status.map(|s| json!({"live": s.live, "since": s.since})),
            "proof": BASE64.encode(&published.map().prove(&key).to_bytes()),
        })
    });
    Ok(Json(json!({
        "decision": verdict,
        "explanation": explanation,
        "grant": proof,
    })))
}
