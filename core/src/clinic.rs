//! A clinic's check of a scanned grant (DESIGN §5 "Clinic scan"): one
//! [`Verdict`], each with a plain reason.
//!
//! Offline ([`check_offline`]): the code decodes and every signature holds
//! for this ledger; a caregiver's grant comes with the delegation it names,
//! signed by the patient, giving the caregiver the power to grant, and the
//! grant fits the delegation's scope and period; the grant's period holds
//! now; the grantee is this clinic. Online ([`check_online`]): the grant's
//! status at a quorum-cosigned checkpoint, proven by a map proof, fresh
//! within `max_view_age`; a stale view is `unknown`, never `valid`.

use crate::ids::{GrantId, OrgId};
use crate::qr::{decode_grant, GrantCode, QrError};
use crate::replica::{grant_key, Status};
use crate::smt::MapProof;
use crate::trust::{Freshness, VerifiedCheckpoint};
use crate::tx::Kind;

/// The outcome of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The grant holds (offline only, or also at a fresh checkpoint).
    Valid {
        /// The checkpoint size it was proven live at; `None`: offline only,
        /// or not on the ledger yet.
        at: Option<u64>,
        /// Whether the ledger holds the grant yet.
        on_ledger: bool,
    },
    /// Revoked on the ledger.
    Revoked {
        /// The entry that ended it.
        since: u64,
    },
    /// Its period does not hold now.
    Expired {
        /// Why, in words.
        why: String,
    },
    /// Made out to another organisation.
    NotForThisClinic {
        /// The grantee it names.
        grantee: OrgId,
    },
    /// Not a genuine grant: bad encoding, bad signature, a delegation that
    /// does not back it.
    Forged {
        /// What is wrong.
        why: String,
    },
    /// Cannot be decided: the ledger view is stale or its proof failed.
    Unknown {
        /// Why.
        why: String,
    },
}

impl Verdict {
    /// One word for lists and JSON.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Revoked { .. } => "revoked",
            Verdict::Expired { .. } => "expired",
            Verdict::NotForThisClinic { .. } => "not_for_this_clinic",
            Verdict::Forged { .. } => "forged",
            Verdict::Unknown { .. } => "unknown",
        }
    }

    /// The verdict in plain words for the clinic's staff.
    pub fn reason(&self) -> String {
        match self {
            Verdict::Valid { at: Some(size), .. } => {
                format!("valid: signed by the patient and live on the ledger (checkpoint {size})")
            }
            Verdict::Valid {
                on_ledger: false, ..
            } => {
                "valid: signed by the patient; the ledger does not hold it yet, so submit it".into()
            }
            Verdict::Valid { .. } => {
                "valid offline: signed by the patient; not checked against the ledger".into()
            }
            Verdict::Revoked { since } => {
                format!("revoked: the patient ended this grant (ledger entry {since})")
            }
            Verdict::Expired { why } => format!("expired: {why}"),
            Verdict::NotForThisClinic { grantee } => {
                format!("not for this clinic: it names organisation {grantee}")
            }
            Verdict::Forged { why } => format!("forged: {why}"),
            Verdict::Unknown { why } => format!("unknown: {why}"),
        }
    }

    /// Whether data may be released on this verdict.
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }
}

/// Decodes a scanned text and checks it offline. The decoded code is
/// returned when it is genuine (even if expired or for someone else).
pub fn scan(text: &str, origin: &str, clinic: &OrgId, now: u64) -> (Option<GrantCode>, Verdict) {
    match decode_grant(text, origin) {
        Ok(code) => {
            let verdict = check_offline(&code, clinic, now);
            (Some(code), verdict)
        }
        Err(e) => (None, forged(&e)),
    }
}

fn forged(e: &QrError) -> Verdict {
    Verdict::Forged { why: e.to_string() }
}

/// Why an otherwise sound code is `unknown` offline.
const SIGNED_BY_ROTATED_KEY: &str = "signed with a key other than the one that named the \
     patient (or the caregiver) at first; after a key rotation only the ledger can confirm \
     that key: check online";

/// How the signatures of a code are tied to the people it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignerTie {
    /// Each signer is the inception key of the identity it signs for:
    /// checkable offline.
    Inception,
    /// A signer is some other key (the identity rotated, or a forger): only
    /// the ledger, which follows rotations, can tell.
    LedgerOnly,
}

fn signer_tie(code: &GrantCode) -> SignerTie {
    let grant = code.terms();
    let signer = code.grant().signer();
    let tied = match code.delegation() {
        None => grant.patient.is_none_or(|p| *p.key() == signer),
        Some(delegation) => match &delegation.body().kind {
            Kind::Delegate(d) => {
                grant
                    .patient
                    .is_some_and(|p| *p.key() == delegation.signer())
                    && *d.caregiver.key() == signer
            }
            _ => false,
        },
    };
    if tied {
        SignerTie::Inception
    } else {
        SignerTie::LedgerOnly
    }
}

/// The offline checks of a decoded code.
///
/// A code signed by keys other than the inception keys of the people it
/// names (after a key rotation, or forged) passes every other check and is
/// then `unknown`: [`check_online`] settles it.
pub fn check_offline(code: &GrantCode, clinic: &OrgId, now: u64) -> Verdict {
    let grant = code.terms();
    if let Some(delegation) = code.delegation() {
        let Kind::Delegate(d) = &delegation.body().kind else {
            return Verdict::Forged {
                why: "the code's second part is not a delegation".into(),
            };
        };
        if grant.patient.is_none() {
            return Verdict::Forged {
                why: "a caregiver's grant must name the patient".into(),
            };
        }
        if !d.powers.grant {
            return Verdict::Forged {
                why: "the delegation does not let the caregiver grant access".into(),
            };
        }
        if let Err(wider) = grant.scope.within(&d.max_scope) {
            return Verdict::Forged {
                why: format!("the caregiver granted more than the delegation allows ({wider})"),
            };
        }
        if !d.period.contains(now) {
            return Verdict::Expired {
                why: "the caregiver's delegation is not in force now".into(),
            };
        }
    }
    if let Some(period) = grant.scope.permit.period {
        if !period.contains(now) {
            let why = if now < period.start {
                format!("valid only from {}", crate::explain::date(period.start))
            } else {
                format!("ended {}", crate::explain::date(period.end))
            };
            return Verdict::Expired { why };
        }
    }
    if grant.grantee != *clinic {
        return Verdict::NotForThisClinic {
            grantee: grant.grantee,
        };
    }
    if signer_tie(code) == SignerTie::LedgerOnly {
        return Verdict::Unknown {
            why: SIGNED_BY_ROTATED_KEY.into(),
        };
    }
    Verdict::Valid {
        at: None,
        on_ledger: true,
    }
}

/// Completes an offline `Valid` verdict with the ledger's answer: the grant's
/// `status` (`None`: absent) and its map `proof` at `checkpoint`, verified
/// under the trust policy, judged fresh at `now`. Other verdicts pass through.
pub fn check_online(
    offline: Verdict,
    code: &GrantCode,
    checkpoint: &VerifiedCheckpoint,
    max_view_age: u64,
    now: u64,
    status: Option<Status>,
    proof: &MapProof,
) -> Verdict {
    let tie = signer_tie(code);
    let settled_online = matches!(offline, Verdict::Unknown { .. }) && tie == SignerTie::LedgerOnly;
    if !offline.is_valid() && !settled_online {
        return offline;
    }
    let grant = &GrantId(code.grant().id().0);
    let cp = checkpoint.checkpoint();
    if let Err(e) = proof.verify(
        cp.state_root,
        &grant_key(grant),
        status.map(|s| s.value_hash()),
    ) {
        return Verdict::Unknown {
            why: format!("the ledger's status proof does not hold ({e})"),
        };
    }
    if let Freshness::Stale { .. } = checkpoint.freshness(now, max_view_age) {
        return Verdict::Unknown {
            why: "ledger view stale: no quorum has confirmed the ledger recently".into(),
        };
    }
    match status {
        Some(Status { live: true, .. }) => Verdict::Valid {
            at: Some(cp.size),
            on_ledger: true,
        },
        Some(Status { live: false, since }) => Verdict::Revoked { since },
        // The ledger checks who may sign when it appends; until then a key
        // it has not confirmed proves nothing.
        None if tie == SignerTie::LedgerOnly => Verdict::Unknown {
            why: "not on the ledger yet, and signed with a key only the ledger can confirm \
                  (after a key rotation): submit it, then scan again"
                .into(),
        },
        None => Verdict::Valid {
            at: None,
            on_ledger: false,
        },
    }
}

#[cfg(test)]
mod tests;
