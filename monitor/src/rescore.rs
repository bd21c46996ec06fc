//! Re-checking a monitor from the ledger alone (DESIGN §7: "any consortium
//! member can re-check an alert"): train every registered model again from
//! its training window and seed and compare its parameter hash and summary,
//! then score every alert's accesses again under its model and compare the
//! score and the feature hash. Integers all the way (PROTOCOL §9), so a
//! match is exact, on any machine.

use crate::alerting::{score_of, LogIndex};
use crate::detector::{train, Featurizer, Model, Row};
use crate::entries::LedgerEntry;
use assent_core::ids::{ContentHash, ModelId, TxId};
use assent_core::tx::{ActorTag, Kind, MonitoringAlert, RegisterModel, Score};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What was re-checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Checked {
    /// Models trained again.
    pub models: usize,
    /// Alerts scored again.
    pub alerts: usize,
}

/// Where the monitor's word and the ledger's data part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// A model's window does not end before its registration.
    #[error("model {model}: its training window ends after its registration")]
    LateWindow {
        /// The model.
        model: ModelId,
    },
    /// A model's window holds no person access to train on.
    #[error("model {model}: its training window holds no person access")]
    EmptyWindow {
        /// The model.
        model: ModelId,
    },
    /// A model trained again has other parameters.
    #[error("model {model}: trained again from its window and seed, its parameters hash to {found}, not the registered {registered}")]
    Parameters {
        /// The model.
        model: ModelId,
        /// What was registered.
        registered: ContentHash,
        /// What training again gives.
        found: ContentHash,
    },
    /// A model's training summary does not describe its window.
    #[error("model {model}: the training summary does not describe its window")]
    Summary {
        /// The model.
        model: ModelId,
    },
    /// An alert names a model not registered on the log.
    #[error("alert {alert}: model {model} is not registered")]
    UnknownModel {
        /// The alert.
        alert: TxId,
        /// The model it names.
        model: ModelId,
    },
    /// An alert flags a transaction that is not an access before it.
    #[error("alert {alert}: {access} is not an access before it")]
    UnknownAccess {
        /// The alert.
        alert: TxId,
        /// The transaction.
        access: TxId,
    },
    /// An alert's score is not what its model gives.
    #[error("alert {alert}: posted score {posted}, scored again {found} (millionths)")]
    Score {
        /// The alert.
        alert: TxId,
        /// Its score.
        posted: u32,
        /// The score again.
        found: u32,
    },
    /// An alert's feature hash is not its accesses' features.
    #[error("alert {alert}: the feature hash is not that of its accesses")]
    Features {
        /// The alert.
        alert: TxId,
    },
}

/// A log's entries as an alert reads them.
impl LogIndex for [LedgerEntry] {
    fn tx_id(&self, index: usize) -> TxId {
        self[index].tx.id()
    }

    fn actor(&self, index: usize) -> Option<ActorTag> {
        match &self[index].tx.body().kind {
            Kind::RecordAccess(a) => a.actor,
            _ => None,
        }
    }
}

/// The canonical hash of a model's parameters (what `RegisterModel` names).
pub fn params_hash(model: &Model) -> ContentHash {
    ContentHash(Sha256::digest(model.to_bytes()).into())
}

/// Re-checks every model and alert on `entries` (the whole log, from its
/// first entry).
///
/// # Errors
/// The first [`Mismatch`], in log order of models, then of alerts.
pub fn check(entries: &[LedgerEntry]) -> Result<Checked, Mismatch> {
    let mut registered: Vec<(ModelId, &RegisterModel)> = Vec::new();
    let mut late = None;
    let mut alerts: Vec<(usize, TxId, &MonitoringAlert)> = Vec::new();
    let mut accesses: HashMap<TxId, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        match &e.tx.body().kind {
            Kind::RegisterModel(r) => {
                if r.window.1 > i as u64 && late.is_none() {
                    late = Some(ModelId(e.tx.id().0));
                }
                registered.push((ModelId(e.tx.id().0), r));
            }
            Kind::MonitoringAlert(a) => alerts.push((i, e.tx.id(), a)),
            Kind::RecordAccess(_) => {
                accesses.insert(e.tx.id(), i);
            }
            _ => {}
        }
    }
    if let Some(model) = late {
        return Err(Mismatch::LateWindow { model });
    }
    // The rows needed: every window's and every flagged access's.
    let mut flagged: BTreeSet<usize> = BTreeSet::new();
    let mut flagged_of = Vec::with_capacity(alerts.len());
    for (at, id, alert) in &alerts {
        let mut list = Vec::with_capacity(alert.accesses.len());
        for access in &alert.accesses {
            match accesses.get(access) {
                Some(&i) if i < *at => list.push(i),
                _ => {
                    return Err(Mismatch::UnknownAccess {
                        alert: *id,
                        access: *access,
                    })
                }
            }
        }
        flagged.extend(&list);
        flagged_of.push(list);
    }
    let in_window = |i: usize| {
        registered
            .iter()
            .any(|(_, r)| (r.window.0..r.window.1).contains(&(i as u64)))
    };
    let last = registered
        .iter()
        .map(|(_, r)| r.window.1 as usize)
        .chain(flagged.last().map(|i| i + 1))
        .max()
        .unwrap_or(0)
        .min(entries.len());
    let mut featurizer = Featurizer::default();
    let rows: BTreeMap<usize, Row> = entries[..last]
        .iter()
        .enumerate()
        .filter_map(|(i, e)| featurizer.observe(i, e))
        .filter(|r| flagged.contains(&r.entry) || in_window(r.entry))
        .map(|r| (r.entry, r))
        .collect();

    let mut models: HashMap<ModelId, Model> = HashMap::new();
    for (id, r) in &registered {
        let window: Vec<Row> = rows
            .range(r.window.0 as usize..r.window.1 as usize)
            .map(|(_, row)| row.clone())
            .collect();
        if window.is_empty() {
            return Err(Mismatch::EmptyWindow { model: *id });
        }
        let model = train(&window, r.window, r.seed);
        let found = params_hash(&model);
        if found != r.params {
            return Err(Mismatch::Parameters {
                model: *id,
                registered: r.params,
                found,
            });
        }
        if model.training != r.training {
            return Err(Mismatch::Summary { model: *id });
        }
        models.insert(*id, model);
    }
    for ((_, id, alert), list) in alerts.iter().zip(&flagged_of) {
        let model = models.get(&alert.model).ok_or(Mismatch::UnknownModel {
            alert: *id,
            model: alert.model,
        })?;
        let (score, features): (Score, ContentHash) = score_of(model, list, &rows);
        if score != alert.score {
            return Err(Mismatch::Score {
                alert: *id,
                posted: alert.score.millionths(),
                found: score.millionths(),
            });
        }
        if features != alert.features {
            return Err(Mismatch::Features { alert: *id });
        }
    }
    Ok(Checked {
        models: models.len(),
        alerts: alerts.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::{alert_for, chosen};
    use crate::detector::detect;
    use crate::entries::GenesisFile;
    use crate::eval::cases;
    use crate::sim::{simulate, Difficulty, Profile, ORIGIN};
    use assent_core::tx::{Body, SignedTx};

    /// A tiny log with the monitor's model and alerts appended, as a live
    /// monitor posts them.
    fn posted() -> (Vec<LedgerEntry>, assent_core::keys::SigningKey) {
        let sim = simulate(&Profile::tiny(), 1, Difficulty::Hard);
        let genesis = GenesisFile::of(&sim.genesis());
        let mut entries = sim.ledger_entries();
        let (alerts, model) = detect(&genesis, &entries, 3).unwrap();
        let model = model.unwrap();
        let key = assent_core::keys::SigningKey::from_secret_bytes(&crate::sim::monitor_secret(1));
        let time = entries.last().unwrap().time;
        let sign = |kind: Kind, n: u64| LedgerEntry {
            time,
            tx: SignedTx::sign(&Body::new(time, n.to_be_bytes(), kind), &key, ORIGIN),
        };
        let register = sign(
            Kind::RegisterModel(RegisterModel {
                params: params_hash(&model),
                code_version: "test".into(),
                seed: model.seed,
                window: model.window,
                training: model.training,
                evaluation: ContentHash([0; 32]),
            }),
            1,
        );
        let id = ModelId(register.tx.id().0);
        let ranked = cases(&alerts);
        let rows = {
            let mut f = Featurizer::default();
            entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| f.observe(i, e))
                .map(|r| (r.entry, r))
                .collect::<BTreeMap<_, _>>()
        };
        let kinds: Vec<Kind> = chosen(&ranked, 4_000)
            .into_iter()
            .filter_map(|c| alert_for(c, &BTreeSet::new(), id, &model, &rows, entries.as_slice()))
            .map(Kind::MonitoringAlert)
            .collect();
        assert!(!kinds.is_empty());
        entries.push(register);
        for (n, kind) in kinds.into_iter().enumerate() {
            entries.push(sign(kind, 10 + n as u64));
        }
        (entries, key)
    }

    #[test]
    fn a_monitor_is_rechecked_from_the_log_alone_and_tampering_is_caught() {
        let (entries, key) = posted();
        let checked = check(&entries).unwrap();
        assert_eq!(checked.models, 1);
        assert!(checked.alerts >= 2, "{checked:?}");

        // Re-sign an entry with its kind changed by `f`.
        let tampered = |at: usize, f: &dyn Fn(&mut Kind)| {
            let mut log = entries.clone();
            let mut body = log[at].tx.body().clone();
            f(&mut body.kind);
            log[at].tx = SignedTx::sign(&body, &key, ORIGIN);
            log
        };
        let first_alert = entries
            .iter()
            .position(|e| matches!(e.tx.body().kind, Kind::MonitoringAlert(_)))
            .unwrap();
        let register = first_alert - 1;

        let log = tampered(first_alert, &|k| {
            if let Kind::MonitoringAlert(a) = k {
                a.score = Score::from_millionths(a.score.millionths() ^ 1).unwrap();
            }
        });
        assert!(matches!(check(&log), Err(Mismatch::Score { .. })));

        let log = tampered(first_alert, &|k| {
            if let Kind::MonitoringAlert(a) = k {
                a.features = ContentHash([7; 32]);
            }
        });
        assert!(matches!(check(&log), Err(Mismatch::Features { .. })));

        let log = tampered(first_alert, &|k| {
            if let Kind::MonitoringAlert(a) = k {
                a.accesses[0] = TxId([9; 32]);
            }
        });
        assert!(matches!(check(&log), Err(Mismatch::UnknownAccess { .. })));

        // A registration whose seed is not the one trained with: the model
        // trained again is another. (Its id changes too, so the alerts name
        // a model that is not registered; the model is checked first.)
        let log = tampered(register, &|k| {
            if let Kind::RegisterModel(r) = k {
                r.seed += 1;
            }
        });
        assert!(matches!(check(&log), Err(Mismatch::Parameters { .. })));

        let log = tampered(register, &|k| {
            if let Kind::RegisterModel(r) = k {
                r.training.patients += 1;
            }
        });
        assert!(matches!(check(&log), Err(Mismatch::Summary { .. })));
    }
}
