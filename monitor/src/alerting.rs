//! From cases to `MonitoringAlert` transactions (DESIGN §7): which cases
//! the monitor posts, and what each alert says, as codes, ids and hashes
//! only. Pure: the live edge ([`crate::live`]) signs and sends them, and
//! anyone re-checks them ([`crate::rescore`]) with the same functions.
//!
//! - **Which cases**: the privacy officer's budget, the best-ranked one case
//!   per [`ACCESSES_PER_CASE`](crate::eval::ACCESSES_PER_CASE) accesses, and every case with a consent
//!   violation (exact, so always posted).
//! - **Its id**: a hash of the organisation, the staff pseudonym and the
//!   week, so a case keeps its id as it grows, and a restarted monitor
//!   finds the cases it already posted.
//! - **Its score**: the registered model's score of the flagged access it
//!   rates highest (0 when every flagged access is a system's, which the
//!   forest does not read); **its features**: a hash of those accesses'
//!   feature values, in the order the alert lists them.

use crate::detector::{Model, Row};
use crate::eval::{review_budget, Case};
use crate::rules::{Alert, Reason};
use assent_core::codes::AlertReason;
use assent_core::ids::{CaseId, ContentHash, ModelId, TxId};
use assent_core::tx::{ActorTag, MonitoringAlert, Score, MAX_FLAGGED, MAX_REASONS};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The cases to post out of `ranked` (best first) when the log holds
/// `accesses` access records.
pub fn chosen(ranked: &[Case], accesses: usize) -> Vec<&Case> {
    let budget = review_budget(accesses);
    ranked
        .iter()
        .enumerate()
        .filter(|(rank, case)| {
            *rank < budget
                || case
                    .alerts
                    .iter()
                    .any(|a| matches!(a.reason, Reason::NoConsent(_)))
        })
        .map(|(_, case)| case)
        .collect()
}

/// A case's id: SHA-256 of a label, the organisation, the pseudonym (or
/// none) and the week.
pub fn case_id(case: &Case) -> CaseId {
    let mut h = Sha256::new();
    h.update(b"assent-monitor case v1\0");
    h.update(case.org.0);
    match case.actor {
        Some(tag) => {
            h.update([1]);
            h.update(tag);
        }
        None => h.update([0]),
    }
    h.update(case.week.to_be_bytes());
    CaseId(h.finalize().into())
}

/// The reason codes of one alert (the patient's words, DESIGN §7).
pub fn reason_codes(reason: &Reason) -> Vec<AlertReason> {
    match reason {
        Reason::NoConsent(_) => vec![AlertReason::NoConsent],
        Reason::OverrideBurst { .. } => vec![AlertReason::OverrideBurst],
        Reason::UnusualHour { .. } => vec![AlertReason::UnusualHour],
        Reason::VolumeSpike { .. } => vec![AlertReason::VolumeSpike],
        Reason::Unusual { moved, .. } if moved.is_empty() => vec![AlertReason::UnusualPattern],
        // Feature order: crate::features::NAMES.
        Reason::Unusual { moved, .. } => moved
            .iter()
            .map(|f| match f {
                0 => AlertReason::UnusualHour,
                1 | 4 => AlertReason::NoCareRelation,
                2 | 3 => AlertReason::OutsideUsualPatients,
                5 => AlertReason::VolumeSpike,
                6 => AlertReason::OverrideBurst,
                7 => AlertReason::ScopeCreep,
                _ => AlertReason::UnusualPattern,
            })
            .collect(),
    }
}

/// The score and feature hash of `flagged` (entries, in the alert's order)
/// under `model`, from their rows (a system access has none).
pub fn score_of(
    model: &Model,
    flagged: &[usize],
    rows: &BTreeMap<usize, Row>,
) -> (Score, ContentHash) {
    let mut best = 0;
    let mut h = Sha256::new();
    h.update(b"assent-monitor features v1\0");
    for entry in flagged {
        match rows.get(entry) {
            Some(row) => {
                best = best.max(model.forest.score(&row.features));
                h.update([1]);
                for v in &row.features {
                    h.update(v.to_be_bytes());
                }
            }
            None => h.update([0]),
        }
    }
    let score = Score::from_millionths(best).expect("forest scores are at most 1");
    (score, ContentHash(h.finalize().into()))
}

/// What the log tells about an entry that an alert needs.
pub trait LogIndex {
    /// Entry `index`'s transaction id.
    fn tx_id(&self, index: usize) -> TxId;
    /// The pseudonym entry `index` (an access) was made under, if any.
    fn actor(&self, index: usize) -> Option<ActorTag>;
}

/// The alert for `case`'s accesses not yet in `posted` (the accesses the
/// monitor already flagged under this case): the strongest first, at most
/// [`MAX_FLAGGED`], listed by transaction id. `None` when nothing is new.
pub fn alert_for(
    case: &Case,
    posted: &BTreeSet<TxId>,
    model_id: ModelId,
    model: &Model,
    rows: &BTreeMap<usize, Row>,
    log: &(impl LogIndex + ?Sized),
) -> Option<MonitoringAlert> {
    let mut strongest: BTreeMap<usize, u32> = BTreeMap::new();
    for a in &case.alerts {
        let w = strongest.entry(a.entry).or_default();
        *w = (*w).max(a.reason.weight());
    }
    let mut new: Vec<(u32, usize)> = strongest
        .into_iter()
        .filter(|(entry, _)| !posted.contains(&log.tx_id(*entry)))
        .map(|(entry, w)| (w, entry))
        .collect();
    new.sort_by_key(|(w, entry)| (std::cmp::Reverse(*w), *entry));
    new.truncate(MAX_FLAGGED);
    let first = new.first()?.1;
    let mut flagged: Vec<(TxId, usize)> = new.iter().map(|(_, e)| (log.tx_id(*e), *e)).collect();
    flagged.sort();
    let entries: Vec<usize> = flagged.iter().map(|(_, e)| *e).collect();
    let reasons: BTreeSet<AlertReason> = case
        .alerts
        .iter()
        .filter(|a| entries.contains(&a.entry))
        .flat_map(|a: &Alert| reason_codes(&a.reason))
        .collect();
    let (score, features) = score_of(model, &entries, rows);
    Some(MonitoringAlert {
        model: model_id,
        case: case_id(case),
        org: case.org,
        actor: case.actor.and_then(|_| log.actor(first)),
        score,
        reasons: reasons.into_iter().take(MAX_REASONS).collect(),
        features,
        accesses: flagged.into_iter().map(|(id, _)| id).collect(),
    })
}
