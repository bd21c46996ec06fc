//! A clinic's check of a scanned grant (DESIGN §5 "Clinic scan"): one
//! [`Verdict`], each with a plain reason.
//!
//! Offline ([`check_offline`]): the code decodes and every signature holds
//! for this ledger; a caregiver's grant comes with the delegation it names,
//! signed by the patient, giving the caregiver the power to grant, and the
//! grant fits the delegation's scope and period; the grant's period holds
//! now; the grantee is this clinic. Online ([`check_online`]): the grant's
//! status at a quorum-cosigned checkpoint, proven by a map proof, fresh
//! within `max_view_age`; a stale view is `unknown`, never `valid`. A
//! grant the ledger does not hold yet is submitted by the clinic: the
//! ledger checks who may sign (it follows key rotations, a code cannot), and
//! the grant is `valid` only once a quorum-cosigned checkpoint shows it live
//! (PROTOCOL §6, "Freshness"); until then it is [`Verdict::Pending`].

use crate::ids::{GrantId, OrgId};
use crate::qr::{decode_grant, GrantCode, QrError};
use crate::replica::{grant_key, Status};
use crate::smt::MapProof;
use crate::trust::{Freshness, VerifiedCheckpoint};
use crate::tx::Kind;

/// What a `valid` verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The offline checks only: signatures, delegation, period, grantee.
    Offline,
    /// Live in the state map at the quorum-cosigned checkpoint of this size.
    Live(u64),
}

/// What the ledger said about a grant at a checkpoint, as the clinic got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerAnswer {
    /// The state map holds this status.
    Held(Status),
    /// The map does not hold it, and it was not submitted.
    Absent,
    /// The map does not hold it; submitted since, and accepted (a verified
    /// receipt, or the ledger's word that it holds it already). Only a
    /// later quorum checkpoint can show it live.
    Accepted,
    /// The map does not hold it; submitted since, and refused for this reason.
    Refused(String),
}

impl LedgerAnswer {
    /// The status the map proof must show: `None` for absent.
    fn status(&self) -> Option<Status> {
        match self {
            LedgerAnswer::Held(status) => Some(*status),
            _ => None,
        }
    }
}

/// The outcome of a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The grant holds.
    Valid {
        /// What that rests on.
        on: Standing,
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
    /// Submitted to the ledger just now and accepted, but no quorum-cosigned
    /// checkpoint shows it yet: scan again in a few seconds. A kind of
    /// `unknown`: data may not be released on it.
    Pending,
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
            Verdict::Pending | Verdict::Unknown { .. } => "unknown",
        }
    }

    /// The verdict in plain words for the clinic's staff.
    pub fn reason(&self) -> String {
        match self {
            Verdict::Valid {
                on: Standing::Live(size),
            } => {
                format!(
                    "valid: the patient's consent (their signature, or their caregiver's under \
                     their delegation) is live on the ledger (checkpoint {size})"
                )
            }
            Verdict::Valid {
                on: Standing::Offline,
            } => "valid offline: the patient's signature (or their caregiver's under their \
                  delegation) checks; not checked against the ledger"
                .into(),
            Verdict::Revoked { since } => {
                format!("revoked: the patient ended this grant (ledger entry {since})")
            }
            Verdict::Expired { why } => format!("expired: {why}"),
            Verdict::NotForThisClinic { grantee } => {
                format!("not for this clinic: it names organisation {grantee}")
            }
            Verdict::Forged { why } => format!("forged: {why}"),
            Verdict::Pending => "unknown for now: the ledger accepted the grant just now, and no \
                                 quorum of validators has confirmed it yet; scan again in a few \
                                 seconds"
                .into(),
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
        on: Standing::Offline,
    }
}

/// Whether the ledger can change an offline verdict: a `valid` one, or an
/// `unknown` one only because a signer is a key the ledger alone can
/// confirm. Every other verdict stands whatever the ledger says, so a
/// clinic neither asks nor submits for it.
pub fn worth_asking_online(offline: &Verdict, code: &GrantCode) -> bool {
    offline.is_valid()
        || (matches!(offline, Verdict::Unknown { .. }) && signer_tie(code) == SignerTie::LedgerOnly)
}

/// Completes an offline verdict with the ledger's `answer` about the grant
/// at `checkpoint` (verified under the trust policy) and its map `proof`,
/// judged fresh at `now`. Verdicts the ledger cannot change
/// ([`worth_asking_online`]) pass through.
pub fn check_online(
    offline: Verdict,
    code: &GrantCode,
    checkpoint: &VerifiedCheckpoint,
    max_view_age: u64,
    now: u64,
    answer: &LedgerAnswer,
    proof: &MapProof,
) -> Verdict {
    if !worth_asking_online(&offline, code) {
        return offline;
    }
    let grant = &GrantId(code.grant().id().0);
    let cp = checkpoint.checkpoint();
    if let Err(e) = proof.verify(
        cp.state_root,
        &grant_key(grant),
        answer.status().map(|s| s.value_hash()),
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
    match answer {
        LedgerAnswer::Held(Status { live: true, .. }) => Verdict::Valid {
            on: Standing::Live(cp.size),
        },
        LedgerAnswer::Held(Status { live: false, since }) => Verdict::Revoked { since: *since },
        LedgerAnswer::Accepted => Verdict::Pending,
        // The ledger checks who may sign when it appends (the signer may be
        // a key the patient has since replaced); until then nothing is known.
        LedgerAnswer::Absent => Verdict::Unknown {
            why: "not on the ledger yet, which alone can confirm the signing key: submit it, \
                  then scan again"
                .into(),
        },
        LedgerAnswer::Refused(why) => Verdict::Unknown {
            why: format!("not on the ledger, and the ledger refuses it: {why}"),
        },
    }
}

#[cfg(test)]
mod tests;
