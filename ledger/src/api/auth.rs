//! Who is asking (PROTOCOL §6 "Reads"): history and status answer requests
//! signed by the identity or a delegate with the history power; `decide`
//! answers the organisation a grant names. A node started with
//! `--open-reads` (the demo, on loopback) serves them to anyone.

use super::{ApiError, AppState};
use crate::node::unix_now;
use assent_core::ids::{IdentityId, OrgId};
use assent_core::keys::PublicKey;
use assent_core::read_auth;
use assent_core::state::ConsentState;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};

/// The verified caller.
pub enum Reader {
    /// Reads are open on this node.
    Anyone,
    /// The request was signed by this key.
    Key(PublicKey),
}

/// Verifies the request's signature, unless reads are open.
///
/// # Errors
/// 401 when the signature is missing, stale or wrong.
pub fn reader(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
) -> Result<Reader, ApiError> {
    if state.open_reads {
        return Ok(Reader::Anyone);
    }
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "signature_required",
                "this read must be signed by the patient, a delegate or the organisation asking",
            )
        })?;
    let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let key = read_auth::verify(
        header,
        &state.node.genesis().genesis.origin,
        method.as_str(),
        target,
        unix_now(),
    )
    .map_err(|e| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_request_signature",
            e.to_string(),
        )
    })?;
    Ok(Reader::Key(key))
}

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "not_permitted",
        "the signer may not read this",
    )
}

impl Reader {
    /// Allows the identity itself or a delegate with the history power.
    ///
    /// # Errors
    /// 403 otherwise.
    pub fn check_identity(
        &self,
        state: &ConsentState,
        identity: &IdentityId,
        now: u64,
    ) -> Result<(), ApiError> {
        match self {
            Reader::Anyone => Ok(()),
            Reader::Key(key) if state.may_read_history(identity, key, now) => Ok(()),
            Reader::Key(_) => Err(forbidden()),
        }
    }

    /// Allows one of the organisation's keys.
    ///
    /// # Errors
    /// 403 otherwise.
    pub fn check_org(&self, state: &ConsentState, org: &OrgId) -> Result<(), ApiError> {
        match self {
            Reader::Anyone => Ok(()),
            Reader::Key(key) if state.org(org).is_some_and(|o| o.keys.contains(key)) => Ok(()),
            Reader::Key(_) => Err(forbidden()),
        }
    }

    /// Allows the identity (or its delegate), or else the organisation.
    ///
    /// # Errors
    /// 403 otherwise.
    pub fn check_identity_or_org(
        &self,
        state: &ConsentState,
        identity: &IdentityId,
        org: Option<&OrgId>,
        now: u64,
    ) -> Result<(), ApiError> {
        self.check_identity(state, identity, now)
            .or_else(|e| org.map_or(Err(e), |o| self.check_org(state, o)))
    }
}
