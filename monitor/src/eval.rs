//! Cases and their evaluation against an answer key (`assent-monitor eval`).
//!
//! Alerts are grouped into cases per organisation, staff pseudonym and week;
//! cases are ranked by their strongest alert, then the sum of their weights, and a privacy
//! officer reviews one case per 2,000 accesses. A campaign counts as caught
//! when a reviewed case holds one of its accesses, alerted no later than a
//! day after the campaign's last access. Consent violations are also scored
//! access by access (precision and recall), as they are exact.

use crate::entries::{GenesisFile, LedgerEntry};
use crate::rules::{Alert, Reason, Rules};
use crate::sim::{Campaign, MisuseKind};
use assent_core::ids::OrgId;
use assent_core::tx::Kind;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Accesses per reviewed case: the privacy officer's budget.
pub const ACCESSES_PER_CASE: usize = 2_000;

/// Cases a privacy officer reviews in a log of `accesses` access records:
/// one per [`ACCESSES_PER_CASE`], at least one.
pub fn review_budget(accesses: usize) -> usize {
    (accesses / ACCESSES_PER_CASE).max(1)
}

/// The access records among `entries`.
pub fn access_count(entries: &[LedgerEntry]) -> usize {
    entries
        .iter()
        .filter(|e| matches!(e.tx.body().kind, Kind::RecordAccess(_)))
        .count()
}

/// Alerts on one organisation's (and staff member's) accesses in one week.
#[derive(Debug, Clone)]
pub struct Case {
    /// The organisation.
    pub org: OrgId,
    /// The staff pseudonym, for a person's accesses.
    pub actor: Option<[u8; 16]>,
    /// The week (days since the epoch / 7).
    pub week: u64,
    /// Its alerts, in log order.
    pub alerts: Vec<Alert>,
    /// The sum of their weights.
    pub score: u32,
}

impl Case {
    /// The case's reasons, each sentence once, in the order first seen.
    pub fn sentences(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.alerts
            .iter()
            .map(|a| a.reason.sentence())
            .filter(|s| seen.insert(s.clone()))
            .collect()
    }
}

/// What makes alerts one case: organisation, staff pseudonym, week.
type CaseKey = (OrgId, Option<[u8; 16]>, u64);

/// A case's rank: its strongest alert first, then (below 1,000) the sum of
/// all its weights, so a case of many weak alerts never outranks one strong
/// alert (a busy clinician's many faint oddities are not one consent breach).
fn case_score(alerts: &[Alert]) -> u32 {
    let strongest = alerts.iter().map(|a| a.reason.weight()).max().unwrap_or(0);
    let total: u32 = alerts.iter().map(|a| a.reason.weight()).sum();
    strongest * 1_000 + total.min(999)
}

/// Groups alerts into cases, ranked: highest score first, then earliest.
pub fn cases(alerts: &[Alert]) -> Vec<Case> {
    let mut by: BTreeMap<CaseKey, Vec<Alert>> = BTreeMap::new();
    for a in alerts {
        by.entry((a.org, a.actor, a.at / (7 * 86_400)))
            .or_default()
            .push(a.clone());
    }
    let mut out: Vec<Case> = by
        .into_iter()
        .map(|((org, actor, week), alerts)| Case {
            score: case_score(&alerts),
            org,
            actor,
            week,
            alerts,
        })
        .collect();
    out.sort_by_key(|c| (std::cmp::Reverse(c.score), c.alerts[0].at));
    out
}

/// Runs the rules over every entry.
pub fn rules_alerts(
    genesis: &GenesisFile,
    entries: &[LedgerEntry],
) -> Result<Vec<Alert>, crate::entries::EntriesError> {
    let mut rules = Rules::new(genesis.genesis()?);
    Ok(entries
        .iter()
        .enumerate()
        .flat_map(|(i, e)| rules.observe(i, e))
        .collect())
}

/// One campaign of an answer key with its entries (`answers.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    /// The campaign.
    pub campaign: Campaign,
    /// Its entries' positions in the log.
    pub entries: Vec<usize>,
}

/// Recall for one kind of misuse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindScore {
    /// Campaigns injected.
    pub campaigns: usize,
    /// With an alert in time on one of their accesses, reviewed or not.
    pub alerted: usize,
    /// Caught in a reviewed case in time.
    pub caught: usize,
    /// `caught / campaigns`.
    pub recall: f64,
}

/// The quality table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quality {
    /// Which detector.
    pub detector: &'static str,
    /// Access records in the log.
    pub accesses: usize,
    /// Cases reviewed (one per 2,000 accesses).
    pub budget: usize,
    /// Cases raised.
    pub cases: usize,
    /// Recall per kind of misuse.
    pub per_kind: BTreeMap<&'static str, KindScore>,
    /// The mean of the per-kind recalls.
    pub recall: f64,
    /// Consent violations, access by access: precision.
    pub consent_precision: f64,
    /// Consent violations, access by access: recall.
    pub consent_recall: f64,
    /// Every access scored by the weights of its alerts (0: none), against
    /// "in a campaign": the area under the ROC curve (ties count half).
    pub roc_auc: f64,
    /// The same, as average precision (the area under the
    /// precision–recall curve, ties taken together).
    pub pr_auc: f64,
    /// Per week, the share of its 100 best-ranked cases (or all, if fewer)
    /// that hold a misuse access; the mean over weeks.
    pub weekly_precision_at_100: f64,
    /// Accesses in the cases a monitor posts ([`crate::alerting::chosen`])
    /// that are no misuse, per patient-year of the log: flags patients see
    /// wrongly.
    pub false_flags_per_patient_year: f64,
}

/// Scores `alerts` on `entries` against `answers`.
pub fn evaluate(
    detector: &'static str,
    entries: &[LedgerEntry],
    alerts: &[Alert],
    answers: &[Answer],
) -> Quality {
    let accesses = access_count(entries);
    let ranked = cases(alerts);
    let budget = review_budget(accesses);
    let reviewed: Vec<&Alert> = ranked.iter().take(budget).flat_map(|c| &c.alerts).collect();
    let mut per_kind: BTreeMap<&'static str, KindScore> = BTreeMap::new();
    for a in answers {
        let mine: BTreeSet<usize> = a.entries.iter().copied().collect();
        let deadline = a.campaign.end + 86_400;
        let in_time = |al: &Alert| mine.contains(&al.entry) && al.at <= deadline;
        let caught = reviewed.iter().any(|al| in_time(al));
        let alerted = alerts.iter().any(in_time);
        let score = per_kind.entry(a.campaign.kind.name()).or_insert(KindScore {
            campaigns: 0,
            alerted: 0,
            caught: 0,
            recall: 0.0,
        });
        score.campaigns += 1;
        score.alerted += usize::from(alerted);
        score.caught += usize::from(caught);
    }
    for s in per_kind.values_mut() {
        s.recall = ratio(s.caught, s.campaigns);
    }
    let recall = if per_kind.is_empty() {
        0.0
    } else {
        per_kind.values().map(|s| s.recall).sum::<f64>() / per_kind.len() as f64
    };
    let truth: BTreeSet<usize> = answers
        .iter()
        .filter(|a| a.campaign.kind == MisuseKind::ConsentViolation)
        .flat_map(|a| a.entries.iter().copied())
        .collect();
    let flagged: BTreeSet<usize> = alerts
        .iter()
        .filter(|a| matches!(a.reason, Reason::NoConsent(_)))
        .map(|a| a.entry)
        .collect();
    let hits = flagged.intersection(&truth).count();
    let misuse: BTreeSet<usize> = answers
        .iter()
        .flat_map(|a| a.entries.iter().copied())
        .collect();
    let mut score_of: BTreeMap<usize, u64> = BTreeMap::new();
    for a in alerts {
        *score_of.entry(a.entry).or_default() += u64::from(a.reason.weight());
    }
    let scored: Vec<(u64, bool)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.tx.body().kind, Kind::RecordAccess(_)))
        .map(|(i, _)| (score_of.get(&i).copied().unwrap_or(0), misuse.contains(&i)))
        .collect();
    let (roc_auc, pr_auc) = areas(&scored);
    let mut weeks: BTreeMap<u64, Vec<&Case>> = BTreeMap::new();
    for case in &ranked {
        weeks.entry(case.week).or_default().push(case);
    }
    let holds_misuse = |c: &Case| c.alerts.iter().any(|a| misuse.contains(&a.entry));
    let weekly: Vec<f64> = weeks
        .values()
        .map(|cases| {
            let top = &cases[..cases.len().min(100)];
            ratio(top.iter().filter(|c| holds_misuse(c)).count(), top.len())
        })
        .collect();
    let false_flags: BTreeSet<usize> = crate::alerting::chosen(&ranked, accesses)
        .into_iter()
        .flat_map(|c| c.alerts.iter().map(|a| a.entry))
        .filter(|e| !misuse.contains(e))
        .collect();
    Quality {
        detector,
        accesses,
        budget,
        cases: ranked.len(),
        per_kind,
        recall,
        consent_precision: ratio(hits, flagged.len()),
        consent_recall: ratio(hits, truth.len()),
        roc_auc,
        pr_auc,
        weekly_precision_at_100: if weekly.is_empty() {
            0.0
        } else {
            weekly.iter().sum::<f64>() / weekly.len() as f64
        },
        false_flags_per_patient_year: false_flags.len() as f64 / patient_years(entries),
    }
}

/// The patient-years a log covers: enrolled identities times the span of
/// its accesses.
fn patient_years(entries: &[LedgerEntry]) -> f64 {
    let mut patients = 0usize;
    let (mut first, mut last) = (u64::MAX, 0);
    for e in entries {
        match &e.tx.body().kind {
            Kind::Enroll(_) => patients += 1,
            Kind::RecordAccess(a) => {
                first = first.min(a.accessed_at);
                last = last.max(a.accessed_at);
            }
            _ => {}
        }
    }
    let years = last.saturating_sub(first) as f64 / (365.0 * 86_400.0);
    (patients as f64 * years).max(f64::MIN_POSITIVE)
}

/// ROC-AUC and average precision of `(score, positive)` pairs, with equal
/// scores taken as one group (half credit for ROC ties; one precision step
/// per group). Both 0 without positives or negatives.
pub fn areas(scored: &[(u64, bool)]) -> (f64, f64) {
    let mut groups: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for &(score, positive) in scored {
        let g = groups.entry(score).or_default();
        if positive {
            g.0 += 1;
        } else {
            g.1 += 1;
        }
    }
    let (pos, neg): (u64, u64) = groups.values().fold((0, 0), |a, g| (a.0 + g.0, a.1 + g.1));
    if pos == 0 || neg == 0 {
        return (0.0, 0.0);
    }
    // ROC: for each positive, the negatives scored below it (ties: half).
    let (mut below, mut wins) = (0u64, 0f64);
    for &(p, n) in groups.values() {
        wins += p as f64 * (below as f64 + n as f64 / 2.0);
        below += n;
    }
    // Average precision, from the highest score down.
    let (mut tp, mut seen, mut ap) = (0u64, 0u64, 0f64);
    for &(p, n) in groups.values().rev() {
        tp += p;
        seen += p + n;
        ap += (p as f64 / pos as f64) * (tp as f64 / seen as f64);
    }
    (wins / (pos as f64 * neg as f64), ap)
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Quality {
    /// The table, for people.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{}: {} accesses, {} cases raised, {} reviewed (one per {ACCESSES_PER_CASE} accesses)\n",
            self.detector, self.accesses, self.cases, self.budget
        );
        out.push_str(&format!(
            "{:<22} {:>9} {:>8} {:>7} {:>7}\n",
            "misuse", "campaigns", "alerted", "caught", "recall"
        ));
        for (kind, s) in &self.per_kind {
            out.push_str(&format!(
                "{kind:<22} {:>9} {:>8} {:>7} {:>7.2}\n",
                s.campaigns, s.alerted, s.caught, s.recall
            ));
        }
        out.push_str(&format!(
            "{:<22} {:>34.2}\n",
            "mean over kinds", self.recall
        ));
        out.push_str(&format!(
            "consent violations, per access: precision {:.2}, recall {:.2}\n",
            self.consent_precision, self.consent_recall
        ));
        out.push_str(&format!(
            "every access, scored: ROC-AUC {:.3}, PR-AUC {:.3}\n",
            self.roc_auc, self.pr_auc
        ));
        out.push_str(&format!(
            "weekly case precision@100 {:.2}; posted false flags per patient-year {:.1}\n",
            self.weekly_precision_at_100, self.false_flags_per_patient_year
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{simulate, Difficulty, Profile};

    #[test]
    fn areas_rank_and_count_ties_as_half() {
        // Perfect, reversed, and all tied.
        let perfect = [(9, true), (8, true), (1, false), (0, false)];
        assert_eq!(areas(&perfect), (1.0, 1.0));
        let reversed = [(0, true), (9, false)];
        assert_eq!(areas(&reversed).0, 0.0);
        let tied = [(5, true), (5, false), (5, false), (5, true)];
        assert_eq!(areas(&tied), (0.5, 0.5));
        assert_eq!(areas(&[(1, true)]), (0.0, 0.0));
    }

    /// Through the files, as `assent-monitor eval` reads them: consent
    /// violations are exact (precision and recall 1), and in the loud (easy)
    /// setting the rules alert on the override abuse, the volume burst and
    /// the consent violations in time. (A profile this small has a review
    /// budget of one case, so recall at the budget is measured on S.)
    #[test]
    fn the_rules_find_every_consent_violation_exactly() {
        let dir = std::env::temp_dir().join(format!("assent-eval-{}", std::process::id()));
        let sim = simulate(&Profile::tiny(), 21, Difficulty::Easy);
        sim.write(&dir).unwrap();
        let genesis: GenesisFile =
            serde_json::from_slice(&std::fs::read(dir.join("genesis.json")).unwrap()).unwrap();
        let entries = crate::entries::decode(
            &std::fs::read(dir.join("entries.bin")).unwrap(),
            &genesis.origin,
        )
        .unwrap();
        let answers: Vec<Answer> =
            serde_json::from_slice(&std::fs::read(dir.join("answers.json")).unwrap()).unwrap();
        let alerts = rules_alerts(&genesis, &entries).unwrap();
        let q = evaluate("rules", &entries, &alerts, &answers);
        assert_eq!(
            (q.consent_precision, q.consent_recall),
            (1.0, 1.0),
            "{}",
            q.table()
        );
        assert_eq!(q.per_kind.len(), MisuseKind::ALL.len());
        for kind in [
            "emergency_abuse",
            "volume_exfiltration",
            "consent_violation",
        ] {
            assert_eq!(q.per_kind[kind].alerted, 1, "{kind}\n{}", q.table());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
