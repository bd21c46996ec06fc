//! The detector: the rules, plus a seeded isolation forest over each
//! person's access features ([`crate::features`]), trained on the first
//! week of the log and scoring every access after; an access scoring at or
//! above [`THRESHOLD`] becomes an alert naming the features that moved it
//! (values rarer than 1 in 50 in the training week), in plain words.

use crate::entries::{EntriesError, GenesisFile, LedgerEntry};
use crate::eval::rules_alerts;
use crate::features::{Features, NAMES};
use crate::forest::Forest;
use crate::rules::{Alert, Reason};
use assent_core::tx::{Kind, RecordAccess};

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
struct Row<'a> {
    entry: usize,
    access: &'a RecordAccess,
    features: Vec<i64>,
}

/// Every person's access with its features, in log order.
fn featured(entries: &[LedgerEntry]) -> Vec<Row<'_>> {
    let mut features = Features::default();
    entries
        .iter()
        .enumerate()
        .filter_map(|(entry, e)| match &e.tx.body().kind {
            Kind::RecordAccess(access) => features.observe(access).map(|features| Row {
                entry,
                access,
                features,
            }),
            _ => None,
        })
        .collect()
}

/// Trains the model on the first week of person accesses.
fn train(rows: &[Row<'_>], seed: u64) -> Option<Model> {
    let start = rows.first()?.access.accessed_at;
    let training: Vec<Vec<i64>> = rows
        .iter()
        .filter(|r| r.access.accessed_at < start + TRAIN_SECONDS)
        .map(|r| r.features.clone())
        .collect();
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
    Some(Model {
        forest: Forest::train(&training, TREES, SAMPLE, seed),
        usual,
        seed,
    })
}

/// The rules' alerts over `entries` joined by the forest's (log order), and
/// the model it trained.
pub fn with_forest(
    mut alerts: Vec<Alert>,
    entries: &[LedgerEntry],
    seed: u64,
) -> (Vec<Alert>, Option<Model>) {
    let rows = featured(entries);
    let Some(model) = train(&rows, seed) else {
        return (alerts, None);
    };
    for row in &rows {
        let score = model.forest.score(&row.features);
        if score < THRESHOLD {
            continue;
        }
        alerts.push(Alert {
            entry: row.entry,
            at: row.access.accessed_at,
            org: row.access.org,
            actor: row.access.actor.map(|t| t.tag),
            reason: Reason::Unusual {
                score,
                moved: model.moved(&row.features),
            },
        });
    }
    alerts.sort_by_key(|a| a.entry);
    (alerts, Some(model))
}

/// The detector's alerts over every entry (the rules' and the forest's),
/// and the model it trained.
pub fn detect(
    genesis: &GenesisFile,
    entries: &[LedgerEntry],
    seed: u64,
) -> Result<(Vec<Alert>, Option<Model>), EntriesError> {
    Ok(with_forest(rules_alerts(genesis, entries)?, entries, seed))
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
        // Every forest alert is explained in words.
        for alert in a
            .iter()
            .filter(|x| matches!(x.reason, Reason::Unusual { .. }))
        {
            assert!(alert.reason.sentence().starts_with("This access is unlike"));
        }
    }
}
