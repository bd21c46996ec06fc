//! The rules-only baseline: one pass over the ledger's entries, keeping the
//! consent state (core's validator) and a little history per staff
//! pseudonym, and raising an alert, with a plain sentence, when an access
//!
//! - is not covered by consent (core's policy engine, exactly);
//! - is a staff member's third emergency override within a week;
//! - happens at an hour that member almost never works (under 2 % of their
//!   earlier accesses within an hour of it, once they have 30);
//! - takes a member's distinct patients for the day past their usual day
//!   (median + 5 × MAD + 10, over at least five earlier days of theirs, or
//!   while they have fewer, over their organisation's recent staff-days,
//!   once there are three).
//!
//! It reads codes, keys and pseudonyms only: no health data is on the ledger.

use crate::entries::LedgerEntry;
use crate::habits::Habits;
use assent_core::ids::{IdentityId, OrgId};
use assent_core::policy::{judge_access, Decision, DenyReason};
use assent_core::state::{ConsentState, Genesis};
use assent_core::tx::{AccessGround, Kind, RecordAccess};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Why an access was flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The policy engine refuses it.
    NoConsent(DenyReason),
    /// A staff member's `count`th emergency override within a week.
    OverrideBurst {
        /// Overrides in the week, this one included.
        count: u32,
    },
    /// At an hour the staff member almost never works.
    UnusualHour {
        /// The hour (UTC).
        hour: u8,
    },
    /// The isolation forest found the access unlike the usual pattern.
    Unusual {
        /// The forest's score, in millionths.
        score: u32,
        /// The features that moved it (indexes into `features::NAMES`).
        moved: Vec<u8>,
    },
    /// More patients in a day than the staff member's usual.
    VolumeSpike {
        /// Distinct patients so far today.
        patients: u32,
        /// Their usual day (the median).
        usual: u32,
    },
}

impl Reason {
    /// The reason in plain words, for a privacy officer.
    pub fn sentence(&self) -> String {
        match self {
            Reason::NoConsent(why) => format!(
                "The record was read without the patient's consent covering it: {}.",
                Decision::Deny(why.clone()).explain()
            ),
            Reason::OverrideBurst { count } => format!(
                "This staff member used emergency access {count} times in a week."
            ),
            Reason::UnusualHour { hour } => format!(
                "This staff member read a record at {hour:02}:00, an hour they almost never work."
            ),
            Reason::Unusual { moved, .. } => {
                let words: Vec<&str> = moved
                    .iter()
                    .filter_map(|i| crate::features::WORDS.get(usize::from(*i)).copied())
                    .collect();
                if words.is_empty() {
                    "This access is unlike this organisation's usual pattern.".into()
                } else {
                    format!("This access is unlike the usual pattern: {}.", words.join("; "))
                }
            }
            Reason::VolumeSpike { patients, usual } => format!(
                "This staff member opened {patients} patients' records in a day; they usually open {usual}."
            ),
        }
    }

    /// A weight for ranking: consent first, then the rarer signals.
    pub fn weight(&self) -> u32 {
        match self {
            Reason::NoConsent(_) => 100,
            Reason::OverrideBurst { count } => 10 * count,
            Reason::UnusualHour { .. } => 20,
            Reason::VolumeSpike { .. } => 15,
            // 620 000 (the threshold) weighs 24, a certain outlier 100.
            Reason::Unusual { score, .. } => score.saturating_sub(500_000) / 5_000,
        }
    }
}

/// One flagged access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The entry's position in the log.
    pub entry: usize,
    /// When the access happened.
    pub at: u64,
    /// The organisation.
    pub org: OrgId,
    /// The staff pseudonym, for a person's access.
    pub actor: Option<[u8; 16]>,
    /// Why.
    pub reason: Reason,
}

/// What the rules remember of one staff pseudonym.
#[derive(Debug, Default)]
struct Actor {
    habits: Habits,
    /// Distinct patients per day (day number → patients).
    days: BTreeMap<u64, BTreeSet<IdentityId>>,
}

/// The rules, fed one entry at a time.
#[derive(Debug)]
pub struct Rules {
    state: ConsentState,
    actors: BTreeMap<(OrgId, [u8; 16]), Actor>,
    /// Each organisation's most recent finished staff-days (distinct
    /// patients per person per day): the baseline for newcomers.
    org_days: BTreeMap<OrgId, VecDeque<u32>>,
    /// The latest day seen.
    day: u64,
}

/// Staff-days a baseline needs (the margin of 10 patients guards a thin one).
const MIN_BASELINE: usize = 3;

/// Staff-days kept per organisation for its baseline.
const ORG_DAYS: usize = 1_000;

const DAY: u64 = 86_400;

impl Rules {
    /// Rules over a ledger that starts at `genesis`.
    pub fn new(genesis: Genesis) -> Self {
        Rules {
            state: ConsentState::new(genesis),
            actors: BTreeMap::new(),
            org_days: BTreeMap::new(),
            day: 0,
        }
    }

    /// Takes entry `index` and returns its alerts, then applies the entry to
    /// the consent state (one the ledger's rules refuse, which a ledger
    /// never appends, changes nothing there).
    pub fn observe(&mut self, index: usize, entry: &LedgerEntry) -> Vec<Alert> {
        let mut alerts = Vec::new();
        if let Kind::RecordAccess(access) = &entry.tx.body().kind {
            let decision = judge_access(&self.state, access);
            let mut alert = |reason| {
                alerts.push(Alert {
                    entry: index,
                    at: access.accessed_at,
                    org: access.org,
                    actor: access.actor.map(|a| a.tag),
                    reason,
                });
            };
            if let Decision::Deny(why) = decision {
                alert(Reason::NoConsent(why));
            }
            if let Some(tag) = access.actor {
                for reason in self.actor_rules(access, tag.tag) {
                    alert(reason);
                }
            }
        }
        let _ = self.state.apply(&entry.tx, entry.time);
        alerts
    }

    /// When the first access of a later day comes, every staff-day of the
    /// day before is finished: each joins its organisation's baseline.
    fn close_days(&mut self, day: u64) {
        if day <= self.day {
            return;
        }
        for ((org, _), actor) in &self.actors {
            if let Some(patients) = actor.days.get(&self.day) {
                let days = self.org_days.entry(*org).or_default();
                days.push_back(patients.len() as u32);
                if days.len() > ORG_DAYS {
                    days.pop_front();
                }
            }
        }
        self.day = day;
    }

    /// The per-person rules, which also learn from the access.
    fn actor_rules(&mut self, access: &RecordAccess, tag: [u8; 16]) -> Vec<Reason> {
        let mut out = Vec::new();
        let at = access.accessed_at;
        self.close_days(at / DAY);
        let actor = self.actors.entry((access.org, tag)).or_default();
        if matches!(access.ground, AccessGround::Emergency(_)) {
            let count = actor.habits.override_at(at);
            if count >= 3 {
                out.push(Reason::OverrideBurst { count });
            }
        }
        let hour = ((at % DAY) / 3_600) as usize;
        let (near, total) = actor.habits.near(hour);
        if total >= 30 && near * 50 < total {
            out.push(Reason::UnusualHour { hour: hour as u8 });
        }
        actor.habits.learn_hour(hour);
        let day = at / DAY;
        let today = actor.days.entry(day).or_default();
        if !today.insert(access.patient) {
            return out; // a patient already opened today adds nothing
        }
        let patients = today.len() as u32;
        let earlier: Vec<u32> = actor
            .days
            .range(..day)
            .map(|(_, p)| p.len() as u32)
            .collect();
        let baseline: Vec<u32> = if earlier.len() >= 5 {
            earlier
        } else {
            self.org_days
                .get(&access.org)
                .map(|d| d.iter().copied().collect())
                .unwrap_or_default()
        };
        if baseline.len() >= MIN_BASELINE {
            let (median, mad) = median_mad(&baseline);
            if patients > median + 5 * mad + 10 {
                out.push(Reason::VolumeSpike {
                    patients,
                    usual: median,
                });
            }
        }
        out
    }
}

/// The median and the median absolute deviation, in whole numbers (lower
/// middle for an even count): robust to the spikes they are used to find.
pub fn median_mad(values: &[u32]) -> (u32, u32) {
    let mut v = values.to_vec();
    v.sort_unstable();
    let median = v[(v.len() - 1) / 2];
    let mut dev: Vec<u32> = v.iter().map(|x| x.abs_diff(median)).collect();
    dev.sort_unstable();
    (median, dev[(dev.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_ignore_one_spike() {
        assert_eq!(median_mad(&[4, 5, 5, 6, 200]), (5, 1));
        assert_eq!(median_mad(&[3]), (3, 0));
    }
}
