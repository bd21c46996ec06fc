//! The detector: the rules, plus a seeded isolation forest over each
//! person's access features ([`crate::features`]), trained on the log's
//! first week of person accesses and scoring every person access; one
//! scoring at or above [`THRESHOLD`] becomes an alert naming the features
//! that moved it (values rarer than 1 in 50 in the training week), in plain
//! words.
//!
//! [`Detector`] takes the log one entry at a time, as a monitor following a
//! live ledger does; [`detect`] feeds it a whole log. The training window is
//! an entry range: from the first person access to the first one a week
//! later, so anyone holding the log can train the same model again
//! ([`crate::rescore`]).

use crate::entries::{EntriesError, GenesisFile, LedgerEntry};
use crate::features::{Features, NAMES};
use crate::forest::Forest;
use crate::rules::{Alert, Reason, Rules};
use assent_core::ids::{IdentityId, OrgId};
use assent_core::state::Genesis;
use assent_core::tx::{Kind, TrainingSummary};
use std::collections::{BTreeMap, BTreeSet};

/// Trees in the forest.
pub const TREES: usize = 100;
/// Points sampled per tree (ψ).
pub const SAMPLE: usize = 256;
/// The training window: the log's first week.
pub const TRAIN_SECONDS: u64 = 7 * 86_400;
/// Scores at or above this (millionths) raise an alert.
pub const THRESHOLD: u32 = 620_000;

/// A trained detector: the forest and each feature's usual range.
#[derive(Debug, Clone)]
pub struct Model {
    /// The forest.
    pub forest: Forest,
    /// Per feature, the 2nd and 98th percentile of the training week.
    pub usual: Vec<(i64, i64)>,
    /// The seed it was trained with.
    pub seed: u64,
    /// The entries it was trained on: `[from, to)`.
    pub window: (u64, u64),
    /// What they held.
    pub training: TrainingSummary,
}

impl Model {
    /// The canonical parameter bytes (what `RegisterModel` hashes): the
    /// forest's bytes, then each usual range, big-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.forest.to_bytes();
        for (lo, hi) in &self.usual {
            out.extend(lo.to_be_bytes());
            out.extend(hi.to_be_bytes());
        }
        out
    }

    /// The features outside their usual range (indexes into [`NAMES`]).
    pub fn moved(&self, features: &[i64]) -> Vec<u8> {
        features
            .iter()
            .zip(&self.usual)
            .enumerate()
            .filter(|(_, (v, (lo, hi)))| *v < lo || *v > hi)
            .map(|(i, _)| i as u8)
            .collect()
    }
}

/// One person's access with its features.
#[derive(Debug, Clone)]
pub struct Row {
    /// The entry's position in the log.
    pub entry: usize,
    /// When the access happened.
    pub at: u64,
    /// The organisation.
    pub org: OrgId,
    /// The staff pseudonym.
    pub actor: [u8; 16],
    /// Whose record.
    pub patient: IdentityId,
    /// Its features ([`NAMES`]).
    pub features: Vec<i64>,
}

impl Row {
    /// The forest's alert on this access, if it scores at the threshold.
    fn alert(&self, model: &Model) -> Option<Alert> {
        let score = model.forest.score(&self.features);
        (score >= THRESHOLD).then(|| Alert {
            entry: self.entry,
            at: self.at,
            org: self.org,
            actor: Some(self.actor),
            reason: Reason::Unusual {
                score,
                moved: model.moved(&self.features),
            },
        })
    }
}

/// Turns entries into person rows, one at a time.
#[derive(Debug, Default)]
pub struct Featurizer {
    features: Features,
}

impl Featurizer {
    /// Entry `index`'s row, if it is a person's access.
    pub fn observe(&mut self, index: usize, entry: &LedgerEntry) -> Option<Row> {
        let Kind::RecordAccess(access) = &entry.tx.body().kind else {
            return None;
        };
        let features = self.features.observe(access)?;
        Some(Row {
            entry: index,
            at: access.accessed_at,
            org: access.org,
            actor: access.actor?.tag,
            patient: access.patient,
            features,
        })
    }
}

/// Trains the model on `rows`, the person accesses of entries `window`.
///
/// # Panics
/// If `rows` is empty.
pub fn train(rows: &[Row], window: (u64, u64), seed: u64) -> Model {
    let training: Vec<Vec<i64>> = rows.iter().map(|r| r.features.clone()).collect();
    let usual = (0..NAMES.len())
        .map(|f| {
            let mut v: Vec<i64> = training.iter().map(|r| r[f]).collect();
            v.sort_unstable();
            (
                v[v.len() * 2 / 100],
                v[(v.len() * 98 / 100).min(v.len() - 1)],
            )
        })
        .collect();
    let count =
        |f: &dyn Fn(&Row) -> Vec<u8>| rows.iter().map(f).collect::<BTreeSet<_>>().len() as u32;
    Model {
        forest: Forest::train(&training, TREES, SAMPLE, seed),
        usual,
        seed,
        window,
        training: TrainingSummary {
            accesses: rows.len() as u64,
            orgs: count(&|r| r.org.0.to_vec()),
            actors: count(&|r| r.actor.to_vec()),
            patients: count(&|r| r.patient.key().to_bytes().to_vec()),
        },
    }
}

/// Where the training window stands.
#[derive(Debug)]
enum Training {
    /// No person access yet.
    Waiting,
    /// The week is filling: it began at entry `from`, at time `start`; the
    /// rows so far wait for the model.
    Filling {
        from: usize,
        start: u64,
        rows: Vec<Row>,
    },
    /// Trained.
    Trained(Box<Model>),
}

/// The detector, fed one entry at a time.
#[derive(Debug)]
pub struct Detector {
    rules: Rules,
    featurizer: Featurizer,
    seed: u64,
    training: Training,
    /// The rows of the person accesses alerted on (what an alert's score
    /// and feature hash are computed from).
    alerted: BTreeMap<usize, Row>,
}

impl Detector {
    /// A detector over a ledger that starts at `genesis`, training with
    /// `seed`.
    pub fn new(genesis: Genesis, seed: u64) -> Self {
        Detector {
            rules: Rules::new(genesis),
            featurizer: Featurizer::default(),
            seed,
            training: Training::Waiting,
            alerted: BTreeMap::new(),
        }
    }

    /// The rows of the person accesses alerted on so far, by entry.
    pub fn alerted_rows(&self) -> &BTreeMap<usize, Row> {
        &self.alerted
    }

    /// The model, once the first week is in.
    pub fn model(&self) -> Option<&Model> {
        match &self.training {
            Training::Trained(model) => Some(model),
            _ => None,
        }
    }

    /// Takes entry `index`: the rules' alerts on it, and the forest's on it
    /// or, when it completes the training week, on every access of the
    /// week. Sorted by entry.
    pub fn observe(&mut self, index: usize, entry: &LedgerEntry) -> Vec<Alert> {
        let mut alerts = self.rules.observe(index, entry);
        let Some(row) = self.featurizer.observe(index, entry) else {
            return alerts;
        };
        match &mut self.training {
            Training::Trained(model) => alerts.extend(row.alert(model)),
            Training::Waiting => {
                self.training = Training::Filling {
                    from: index,
                    start: row.at,
                    rows: Vec::new(),
                }
            }
            Training::Filling { .. } => {}
        }
        if let Training::Filling { from, start, rows } = &mut self.training {
            if row.at >= start.saturating_add(TRAIN_SECONDS) {
                let model = train(rows, (*from as u64, index as u64), self.seed);
                for r in rows.iter() {
                    if let Some(alert) = r.alert(&model) {
                        alerts.push(alert);
                        self.alerted.insert(r.entry, r.clone());
                    }
                }
                alerts.extend(row.alert(&model));
                self.training = Training::Trained(Box::new(model));
            } else {
                rows.push(row.clone());
            }
        }
        if alerts.iter().any(|a| a.entry == index) {
            self.alerted.insert(index, row);
        }
        alerts.sort_by_key(|a| a.entry);
        alerts
    }
}

/// The detector's alerts over every entry (the rules' and the forest's, in
/// log order), and the model it trained (`None` for less than a week).
///
/// # Errors
/// A genesis that does not read.
pub fn detect(
    genesis: &GenesisFile,
    entries: &[LedgerEntry],
    seed: u64,
) -> Result<(Vec<Alert>, Option<Model>), EntriesError> {
    let mut detector = Detector::new(genesis.genesis()?, seed);
    let mut alerts: Vec<Alert> = entries
        .iter()
        .enumerate()
        .flat_map(|(i, e)| detector.observe(i, e))
        .collect();
    alerts.sort_by_key(|a| a.entry);
    Ok((alerts, detector.model().cloned()))
}

/// The rules' alerts alone: the detector's without the forest's.
pub fn rules_only(alerts: &[Alert]) -> Vec<Alert> {
    alerts
        .iter()
        .filter(|a| !matches!(a.reason, Reason::Unusual { .. }))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{simulate, Difficulty, Profile};

    /// Same entries and seed: the same model bytes and the same alerts; a
    /// different seed, a different model (PROTOCOL §9).
    #[test]
    fn same_entries_and_seed_give_the_same_model_and_scores() {
        let sim = simulate(&Profile::tiny(), 1, Difficulty::Hard);
        let genesis = GenesisFile::of(&sim.genesis());
        let entries = sim.ledger_entries();
        let (a, model_a) = detect(&genesis, &entries, 7).unwrap();
        let (b, model_b) = detect(&genesis, &entries, 7).unwrap();
        let (model_a, model_b) = (model_a.unwrap(), model_b.unwrap());
        assert_eq!(model_a.to_bytes(), model_b.to_bytes());
        assert_eq!(a, b);
        assert!(a.iter().any(|x| matches!(x.reason, Reason::Unusual { .. })));
        let (_, other) = detect(&genesis, &entries, 8).unwrap();
        assert_ne!(other.unwrap().to_bytes(), model_a.to_bytes());
        // The window is an entry range of person accesses a week long.
        let (from, to) = model_a.window;
        let at = |i: u64| match &entries[i as usize].tx.body().kind {
            Kind::RecordAccess(a) => a.accessed_at,
            _ => panic!("entry {i} is not an access"),
        };
        assert!(at(to) >= at(from).saturating_add(TRAIN_SECONDS));
        assert!(model_a.training.accesses > 100 && model_a.training.patients > 10);
        // Every forest alert is explained in words.
        for alert in a
            .iter()
            .filter(|x| matches!(x.reason, Reason::Unusual { .. }))
        {
            assert!(alert.reason.sentence().starts_with("This access is unlike"));
        }
    }

    /// Fed one entry at a time, the detector raises what the whole-log run
    /// raises, and the rules alone are the rules' own alerts.
    #[test]
    fn the_rules_alone_are_the_rules_own_alerts() {
        let sim = simulate(&Profile::tiny(), 2, Difficulty::Easy);
        let genesis = GenesisFile::of(&sim.genesis());
        let entries = sim.ledger_entries();
        let (alerts, _) = detect(&genesis, &entries, 1).unwrap();
        let own = crate::eval::rules_alerts(&genesis, &entries).unwrap();
        assert_eq!(rules_only(&alerts), own);
    }
}
