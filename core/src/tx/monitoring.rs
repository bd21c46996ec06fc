//! The monitoring kinds (DESIGN §7, issue #9): a monitor registers and
//! activates its models and posts alerts; a patient disputes an access.
//!
//! Like every kind they carry codes, ids and hashes only: an alert names the
//! accesses it flags by transaction id, its reasons by code and its features
//! by hash; no health data, no free text.

use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::codes::{AlertReason, DisputeReason};
use crate::ids::{CaseId, ContentHash, ModelId, OrgId, TxId};
use ciborium::value::Value;

use super::fields::{b32, code, codes, opt, read_code, read_codes, read_ids};
use super::{ActorTag, TxError};

/// Accesses one alert may flag.
pub const MAX_FLAGGED: usize = 32;
/// Reason codes one alert may give.
pub const MAX_REASONS: usize = 8;
/// Bytes of a model's code version.
pub const MAX_CODE_VERSION: usize = 32;

/// A score in millionths, 0 to 1 000 000: fixed point, so every node writes
/// and compares the same integer (PROTOCOL §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u32);

impl Score {
    /// The largest score.
    pub const MAX: Score = Score(1_000_000);

    /// A score of `millionths` (at most 1 000 000).
    ///
    /// ```
    /// use assent_core::tx::Score;
    /// assert_eq!(Score::from_millionths(750_000).unwrap().millionths(), 750_000);
    /// assert!(Score::from_millionths(1_000_001).is_none());
    /// ```
    pub fn from_millionths(millionths: u32) -> Option<Score> {
        (millionths <= Self::MAX.0).then_some(Score(millionths))
    }

    /// The score in millionths.
    pub fn millionths(self) -> u32 {
        self.0
    }
}

/// What a model was trained on: counts only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingSummary {
    /// Accesses in the window.
    pub accesses: u64,
    /// Organisations seen.
    pub orgs: u32,
    /// Staff pseudonyms seen.
    pub actors: u32,
    /// Patients seen.
    pub patients: u32,
}

/// A monitor registers a model before any alert may name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterModel {
    /// SHA-256 of the model's canonical parameter bytes.
    pub params: ContentHash,
    /// The monitor's code version (`[0-9A-Za-z.+-]`, at most 32 bytes).
    pub code_version: String,
    /// The training seed.
    pub seed: u64,
    /// The training window: ledger entries `[from, to)`.
    pub window: (u64, u64),
    /// What the window held.
    pub training: TrainingSummary,
    /// SHA-256 of the evaluation report.
    pub evaluation: ContentHash,
}

/// A monitor makes one of its registered models the one its alerts use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivateModel {
    /// The model.
    pub model: ModelId,
}

/// A monitor flags accesses, with reasons and the model that scored them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringAlert {
    /// The model (the monitor's active one).
    pub model: ModelId,
    /// The case the alert belongs to.
    pub case: CaseId,
    /// The organisation whose accesses are flagged.
    pub org: OrgId,
    /// The staff pseudonym, when one person's accesses are flagged.
    pub actor: Option<ActorTag>,
    /// The score.
    pub score: Score,
    /// Why, as codes (sorted, at least one).
    pub reasons: Vec<AlertReason>,
    /// SHA-256 of the canonical feature values that moved the score.
    pub features: ContentHash,
    /// The flagged accesses (sorted, 1 to [`MAX_FLAGGED`]).
    pub accesses: Vec<TxId>,
}

/// A patient disputes an access in their history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeAccess {
    /// The `RecordAccess` disputed.
    pub access: TxId,
    /// Why.
    pub reason: DisputeReason,
}

pub(super) fn write_register_model(k: &RegisterModel, m: MapWriter) -> MapWriter {
    let t = &k.training;
    m.put(4, b32(k.params.0))
        .put(5, Value::Text(k.code_version.clone()))
        .put(6, cbor::u(k.seed))
        .put(
            7,
            Value::Array(vec![cbor::u(k.window.0), cbor::u(k.window.1)]),
        )
        .put(
            8,
            Value::Array(vec![
                cbor::u(t.accesses),
                cbor::u(t.orgs.into()),
                cbor::u(t.actors.into()),
                cbor::u(t.patients.into()),
            ]),
        )
        .put(9, b32(k.evaluation.0))
}

pub(super) fn read_register_model(m: &mut MapReader) -> Result<RegisterModel, TxError> {
    let params = ContentHash(cbor::bytes_n(m.required(4, "params")?, "params")?);
    let code_version = cbor::text(
        m.required(5, "code version")?,
        "code version",
        MAX_CODE_VERSION,
    )?;
    let printable = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-');
    if code_version.is_empty() || !code_version.chars().all(printable) {
        return Err(CborError::WrongType {
            field: "code version",
            expected: "letters, digits, '.', '+' and '-'",
        }
        .into());
    }
    let seed = cbor::uint(m.required(6, "seed")?, "seed")?;
    let [from, to] = uints::<2>(m.required(7, "window")?, "window")?;
    if from >= to {
        return Err(CborError::WrongType {
            field: "window",
            expected: "[from, to) with from < to",
        }
        .into());
    }
    let [accesses, orgs, actors, patients] = uints::<4>(m.required(8, "training")?, "training")?;
    let small = |n: u64| {
        u32::try_from(n).map_err(|_| CborError::WrongType {
            field: "training",
            expected: "counts below 2^32",
        })
    };
    Ok(RegisterModel {
        params,
        code_version,
        seed,
        window: (from, to),
        training: TrainingSummary {
            accesses,
            orgs: small(orgs)?,
            actors: small(actors)?,
            patients: small(patients)?,
        },
        evaluation: ContentHash(cbor::bytes_n(m.required(9, "evaluation")?, "evaluation")?),
    })
}

pub(super) fn write_alert(k: &MonitoringAlert, m: MapWriter) -> MapWriter {
    m.put(4, b32(k.model.0))
        .put(5, b32(k.case.0))
        .put(6, b32(k.org.0))
        .put_opt(7, k.actor.map(|a| a.to_value()))
        .put(8, cbor::u(k.score.0.into()))
        .put(9, codes(&k.reasons))
        .put(10, b32(k.features.0))
        .put(
            11,
            Value::Array(k.accesses.iter().map(|a| b32(a.0)).collect()),
        )
}

pub(super) fn read_alert(m: &mut MapReader) -> Result<MonitoringAlert, TxError> {
    Ok(MonitoringAlert {
        model: ModelId(cbor::bytes_n(m.required(4, "model")?, "model")?),
        case: CaseId(cbor::bytes_n(m.required(5, "case")?, "case")?),
        org: OrgId(cbor::bytes_n(m.required(6, "org")?, "org")?),
        actor: opt(m.optional(7), ActorTag::from_value)?,
        score: Score::from_millionths(cbor::uint32(m.required(8, "score")?, "score")?).ok_or(
            CborError::WrongType {
                field: "score",
                expected: "at most 1000000 millionths",
            },
        )?,
        reasons: read_codes(m.required(9, "reasons")?, "reasons", MAX_REASONS)?,
        features: ContentHash(cbor::bytes_n(m.required(10, "features")?, "features")?),
        accesses: read_ids(m.required(11, "accesses")?, "accesses", MAX_FLAGGED, TxId)?,
    })
}

pub(super) fn write_dispute(k: &DisputeAccess, m: MapWriter) -> MapWriter {
    m.put(4, b32(k.access.0)).put(5, code(k.reason))
}

pub(super) fn read_dispute(m: &mut MapReader) -> Result<DisputeAccess, TxError> {
    Ok(DisputeAccess {
        access: TxId(cbor::bytes_n(m.required(4, "access")?, "access")?),
        reason: read_code(m.required(5, "dispute reason")?, "dispute reason")?,
    })
}

fn uints<const N: usize>(value: Value, field: &'static str) -> Result<[u64; N], TxError> {
    let items: [Value; N] = cbor::array_n(value, field, "a fixed-length array of numbers")?;
    let mut out = [0u64; N];
    for (slot, v) in out.iter_mut().zip(items) {
        *slot = cbor::uint(v, field)?;
    }
    Ok(out)
}
