//! Event features of each person's access, computed incrementally from the
//! ledger's entries alone (codes, keys, pseudonyms and times: no health
//! data), as integers so every node computes the same values.
//!
//! Each feature answers a question a privacy officer would ask of one access:
//! at what hour for this person, is this organisation or this person new to
//! the patient, did colleagues of the same organisation read the record
//! around it (a care team at work) or did this person read it alone, how
//! long since the organisation last had anything to do with the patient, how
//! many patients this person opened today against their usual day, and was
//! it break-glass.

use crate::habits::Habits;
use assent_core::ids::{IdentityId, OrgId};
use assent_core::tx::{AccessGround, RecordAccess};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const DAY: u64 = 86_400;
const HOUR: u64 = 3_600;

/// The features, in vector order.
pub const NAMES: [&str; 8] = [
    "hour_rarity",
    "org_first",
    "actor_first",
    "team_nearby",
    "org_gap_hours",
    "volume_ratio",
    "overrides_week",
    "resource_types",
];

/// The same features, as what moved a score, in a privacy officer's words.
pub const WORDS: [&str; 8] = [
    "at an hour this person rarely works",
    "the organisation's first access to this patient",
    "this person's first access to this patient",
    "no colleague of theirs read this record around that time",
    "a long time since the organisation last dealt with this patient",
    "far more patients than this person's usual day",
    "several emergency overrides in a week",
    "more kinds of record than usual in one access",
];

/// A window in which colleagues' accesses count as the same episode of care.
const TEAM_WINDOW: u64 = 72 * HOUR;
/// The longest gap measured (90 days); "never" reads as this.
const MAX_GAP_HOURS: i64 = 90 * 24;

/// One access to a patient's record: when, and by whom (`None`: a system).
type Touch = (u64, Option<[u8; 16]>);

#[derive(Debug, Default)]
struct Person {
    habits: Habits,
    today: u64,
    today_patients: BTreeSet<IdentityId>,
    /// Distinct patients on each finished day (most recent 30).
    days: VecDeque<u32>,
}

/// The incremental state behind the features.
#[derive(Debug, Default)]
pub struct Features {
    people: BTreeMap<(OrgId, [u8; 16]), Person>,
    /// (org, patient) → recent accesses: time and actor.
    episodes: BTreeMap<(OrgId, IdentityId), VecDeque<Touch>>,
    /// (org, patient) → the last access time, kept beyond the window.
    last_seen: BTreeMap<(OrgId, IdentityId), u64>,
    /// (org, actor, patient) pairs seen.
    pairs: BTreeSet<(OrgId, [u8; 16], IdentityId)>,
}

impl Features {
    /// The features of `access` against what came before; then learns from
    /// it. `None` for a system job or an access without a pseudonym (the
    /// rules and the consent check still see those).
    pub fn observe(&mut self, access: &RecordAccess) -> Option<Vec<i64>> {
        let at = access.accessed_at;
        let key = (access.org, access.patient);
        let recent = self.episodes.entry(key).or_default();
        while recent
            .front()
            .is_some_and(|(t, _)| t.saturating_add(TEAM_WINDOW) < at)
        {
            recent.pop_front();
        }
        let last = self.last_seen.get(&key).copied();
        let Some(tag) = access.actor.map(|a| a.tag) else {
            recent.push_back((at, None));
            self.last_seen.insert(key, at);
            return None;
        };
        let team: BTreeSet<[u8; 16]> = recent
            .iter()
            .filter_map(|(_, a)| *a)
            .filter(|a| *a != tag)
            .collect();
        let team_nearby = team.len().min(10) as i64;
        recent.push_back((at, Some(tag)));
        self.last_seen.insert(key, at);
        let org_first = i64::from(last.is_none());
        let org_gap_hours = last.map_or(MAX_GAP_HOURS, |t| {
            (at.saturating_sub(t) / HOUR).min(MAX_GAP_HOURS as u64) as i64
        });
        let actor_first = i64::from(self.pairs.insert((access.org, tag, access.patient)));

        let person = self.people.entry((access.org, tag)).or_default();
        let hour = ((at % DAY) / HOUR) as usize;
        let (near, total) = person.habits.near(hour);
        let hour_rarity = if total < 30 {
            500
        } else {
            1_000 - i64::from(near) * 1_000 / i64::from(total)
        };
        person.habits.learn_hour(hour);

        let day = at / DAY;
        if day != person.today {
            if !person.today_patients.is_empty() {
                person.days.push_back(person.today_patients.len() as u32);
                if person.days.len() > 30 {
                    person.days.pop_front();
                }
            }
            person.today = day;
            person.today_patients.clear();
        }
        person.today_patients.insert(access.patient);
        let usual = median(&person.days).max(1);
        let volume_ratio = (person.today_patients.len() as i64 * 100 / i64::from(usual)).min(5_000);

        let overrides = if matches!(access.ground, AccessGround::Emergency(_)) {
            person.habits.override_at(at)
        } else {
            person.habits.overrides_within_week(at)
        };
        let overrides_week = i64::from(overrides.min(20));
        Some(vec![
            hour_rarity,
            org_first,
            actor_first,
            team_nearby,
            org_gap_hours,
            volume_ratio,
            overrides_week,
            access.resources.len() as i64,
        ])
    }
}

fn median(days: &VecDeque<u32>) -> u32 {
    let mut v: Vec<u32> = days.iter().copied().collect();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}
