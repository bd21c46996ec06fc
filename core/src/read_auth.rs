//! Signed read requests (PROTOCOL §6 "Reads"): a patient's history and the
//! status of their grants and delegations answer only requests signed by
//! that identity (or a delegate with the history power); `decide` answers
//! only the organisation a grant names.
//!
//! The request carries `Authorization: Assent <key> <time> <signature>`, an
//! Ed25519 signature (checked strictly) over
//! `"assent/v1/read" ‖ 0x0A ‖ origin ‖ 0x0A ‖ METHOD ‖ " " ‖ path-and-query ‖ 0x0A ‖ time`,
//! valid for [`READ_WINDOW`] seconds either side of the server's clock. Who
//! may read what is [`ConsentState::may_read_history`].
//!
//! ```
//! use assent_core::keys::SigningKey;
//! use assent_core::read_auth;
//!
//! let key = SigningKey::from_secret_bytes(&[7; 32]);
//! let header = read_auth::sign(&key, "ledger.example", "GET", "/api/v1/history/x", 1_790_000_000);
//! let signer = read_auth::verify(&header, "ledger.example", "GET", "/api/v1/history/x", 1_790_000_010).unwrap();
//! assert_eq!(signer, key.public_key());
//! assert!(read_auth::verify(&header, "ledger.example", "GET", "/api/v1/history/y", 1_790_000_010).is_err());
//! ```
//!
//! [`ConsentState::may_read_history`]: crate::state::ConsentState::may_read_history

use crate::keys::{PublicKey, SigningKey};
use data_encoding::BASE64;

/// How far a request's time may be from the server's clock, seconds.
pub const READ_WINDOW: u64 = 300;
/// The authorization scheme name.
pub const SCHEME: &str = "Assent";

/// Why a signed request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadAuthError {
    /// Not `Assent <key> <time> <signature>`.
    #[error("the Authorization header is not `Assent <key> <time> <signature>`")]
    Malformed,
    /// Signed too long ago or too far ahead.
    #[error("the request was signed at {time}, more than {READ_WINDOW} s from the ledger's clock ({now})")]
    OutOfWindow {
        /// The request's time.
        time: u64,
        /// The server's clock.
        now: u64,
    },
    /// The signature does not verify for this request.
    #[error("the request signature does not verify")]
    BadSignature,
}

fn message(origin: &str, method: &str, target: &str, time: u64) -> Vec<u8> {
    format!("assent/v1/read\n{origin}\n{method} {target}\n{time}").into_bytes()
}

/// The `Authorization` header value for a request.
pub fn sign(key: &SigningKey, origin: &str, method: &str, target: &str, time: u64) -> String {
    let signature = key.sign(&message(origin, method, target, time));
    format!(
        "{SCHEME} {} {time} {}",
        key.public_key(),
        BASE64.encode(&signature)
    )
}

/// Checks a header for a request; returns the signer's key.
///
/// # Errors
/// [`ReadAuthError`].
pub fn verify(
    header: &str,
    origin: &str,
    method: &str,
    target: &str,
    now: u64,
) -> Result<PublicKey, ReadAuthError> {
    let mut parts = header.split(' ');
    let (Some(SCHEME), Some(key), Some(time), Some(signature), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(ReadAuthError::Malformed);
    };
    let key: PublicKey = key.parse().map_err(|_| ReadAuthError::Malformed)?;
    let time: u64 = time.parse().map_err(|_| ReadAuthError::Malformed)?;
    let signature = BASE64
        .decode(signature.as_bytes())
        .map_err(|_| ReadAuthError::Malformed)?;
    if time.abs_diff(now) > READ_WINDOW {
        return Err(ReadAuthError::OutOfWindow { time, now });
    }
    key.verify(&message(origin, method, target, time), &signature)
        .map_err(|_| ReadAuthError::BadSignature)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_bound_to_its_origin_method_target_and_time() {
        let key = SigningKey::from_secret_bytes(&[3; 32]);
        let h = sign(&key, "o", "GET", "/a?size=3", 1000);
        assert_eq!(
            verify(&h, "o", "GET", "/a?size=3", 1000),
            Ok(key.public_key())
        );
        for (origin, method, target) in [
            ("p", "GET", "/a?size=3"),
            ("o", "POST", "/a?size=3"),
            ("o", "GET", "/a?size=4"),
        ] {
            assert_eq!(
                verify(&h, origin, method, target, 1000),
                Err(ReadAuthError::BadSignature)
            );
        }
        assert!(matches!(
            verify(&h, "o", "GET", "/a?size=3", 1000 + READ_WINDOW + 1),
            Err(ReadAuthError::OutOfWindow { .. })
        ));
        for bad in [
            "",
            "Assent",
            "Bearer x 1 y",
            &format!("{h} extra"),
            &h.replace("1000", "x"),
        ] {
            assert_eq!(
                verify(bad, "o", "GET", "/a?size=3", 1000),
                Err(ReadAuthError::Malformed),
                "{bad}"
            );
        }
    }
}
