//! What a grant covers: HL7 FHIR Consent provisions, a base `permit` with
//! nested `deny` exceptions (one level, PROTOCOL §8).
//!
//! A provision names resource types, data categories, sensitive labels,
//! actions, purposes and a period. In the permit an empty set means "any",
//! except labels: data carrying a sensitive label is covered only if the permit
//! names that label. A deny exception applies to a request that matches all of
//! its non-empty sets (and its period, if it has one); any matching deny wins
//! over the permit.

use crate::cbor::{self, CborError, MapReader, MapWriter};
use crate::codes::{Action, Category, Code, Purpose, ResourceType, SecurityLabel};
use ciborium::value::Value;
use std::collections::BTreeSet;

/// The most deny exceptions a scope may carry.
pub const MAX_DENIES: usize = 8;

/// A half-open time span `[start, end)` in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First second covered.
    pub start: u64,
    /// First second no longer covered.
    pub end: u64,
}

impl Period {
    /// Whether `t` falls in the period.
    pub fn contains(&self, t: u64) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether this period lies inside `outer`.
    pub fn within(&self, outer: &Period) -> bool {
        outer.start <= self.start && self.end <= outer.end
    }
}

/// One provision: what it names in each dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Provision {
    /// FHIR resource types (empty: any).
    pub resource_types: BTreeSet<ResourceType>,
    /// Data categories (empty: any).
    pub categories: BTreeSet<Category>,
    /// Sensitive labels (in a permit: the ones covered; in a deny: the ones refused).
    pub labels: BTreeSet<SecurityLabel>,
    /// Actions (empty: any).
    pub actions: BTreeSet<Action>,
    /// Purposes of use (empty: any).
    pub purposes: BTreeSet<Purpose>,
    /// When it applies (none: always).
    pub period: Option<Period>,
}

/// A scope: a base permit and its deny exceptions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// What is permitted.
    pub permit: Provision,
    /// Exceptions that are refused even if permitted.
    pub deny: Vec<Provision>,
}

/// One access to judge against a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// The resource type read.
    pub resource_type: ResourceType,
    /// The data's categories.
    pub categories: BTreeSet<Category>,
    /// The data's sensitive labels (supplied by the record system).
    pub labels: BTreeSet<SecurityLabel>,
    /// What is done.
    pub action: Action,
    /// Why.
    pub purpose: Purpose,
    /// When (Unix seconds).
    pub at: u64,
}

/// Why a scope does not cover a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotCovered {
    /// The resource type is not named.
    ResourceType(ResourceType),
    /// A category is not named.
    Category(Category),
    /// A sensitive label is not named.
    Label(SecurityLabel),
    /// The action is not named.
    Action(Action),
    /// The purpose is not named.
    Purpose(Purpose),
    /// Outside the period.
    Period,
    /// A deny exception (by index) matches.
    Denied(usize),
}

impl std::fmt::Display for NotCovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotCovered::ResourceType(t) => write!(f, "{} are not included", t.describe()),
            NotCovered::Category(c) => write!(f, "{} are not included", c.describe()),
            NotCovered::Label(l) => write!(f, "{} information is not included", l.describe()),
            NotCovered::Action(a) => write!(f, "the grant does not allow them to {}", a.describe()),
            NotCovered::Purpose(p) => write!(f, "{} is not an allowed purpose", p.describe()),
            NotCovered::Period => f.write_str("it is outside the grant's period"),
            NotCovered::Denied(_) => f.write_str("an exception in the grant refuses it"),
        }
    }
}

fn first_missing<T: Ord + Copy>(named: &BTreeSet<T>, wanted: &BTreeSet<T>) -> Option<T> {
    wanted.iter().copied().find(|w| !named.contains(w))
}

impl Provision {
    fn permit_covers(&self, r: &AccessRequest) -> Result<(), NotCovered> {
        if !self.resource_types.is_empty() && !self.resource_types.contains(&r.resource_type) {
            return Err(NotCovered::ResourceType(r.resource_type));
        }
        if !self.categories.is_empty() {
            if let Some(c) = first_missing(&self.categories, &r.categories) {
                return Err(NotCovered::Category(c));
            }
        }
        if let Some(l) = first_missing(&self.labels, &r.labels) {
            return Err(NotCovered::Label(l));
        }
        if !self.actions.is_empty() && !self.actions.contains(&r.action) {
            return Err(NotCovered::Action(r.action));
        }
        if !self.purposes.is_empty() && !self.purposes.contains(&r.purpose) {
            return Err(NotCovered::Purpose(r.purpose));
        }
        if self.period.is_some_and(|p| !p.contains(r.at)) {
            return Err(NotCovered::Period);
        }
        Ok(())
    }

    pub(crate) fn deny_matches(&self, r: &AccessRequest) -> bool {
        let any = |set_empty: bool, hit: bool| set_empty || hit;
        any(
            self.resource_types.is_empty(),
            self.resource_types.contains(&r.resource_type),
        ) && any(
            self.categories.is_empty(),
            !self.categories.is_disjoint(&r.categories),
        ) && any(self.labels.is_empty(), !self.labels.is_disjoint(&r.labels))
            && any(self.actions.is_empty(), self.actions.contains(&r.action))
            && any(self.purposes.is_empty(), self.purposes.contains(&r.purpose))
            && self.period.is_none_or(|p| p.contains(r.at))
    }
}

/// Why one scope is wider than another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the scope is wider than allowed: {0}")]
pub struct Wider(pub &'static str);

fn subset<T: Ord>(
    inner: &BTreeSet<T>,
    outer: &BTreeSet<T>,
    what: &'static str,
) -> Result<(), Wider> {
    // An empty outer set allows anything; an empty inner set means "any",
    // which fits only an empty outer set.
    if outer.is_empty() || (!inner.is_empty() && inner.is_subset(outer)) {
        Ok(())
    } else {
        Err(Wider(what))
    }
}

impl Scope {
    /// Judges a request: `Ok` if the permit covers it and no deny matches.
    ///
    /// # Errors
    /// The first reason it is not covered.
    pub fn covers(&self, r: &AccessRequest) -> Result<(), NotCovered> {
        self.permit.permit_covers(r)?;
        match self.deny.iter().position(|d| d.deny_matches(r)) {
            Some(i) => Err(NotCovered::Denied(i)),
            None => Ok(()),
        }
    }

    /// Checks that everything this scope covers, `outer` covers too (a
    /// delegate's grant inside its delegation). Sound, not complete: it may
    /// refuse a scope that is in fact narrower but written differently.
    ///
    /// # Errors
    /// [`Wider`] naming the first dimension that is wider.
    pub fn within(&self, outer: &Scope) -> Result<(), Wider> {
        let (p, o) = (&self.permit, &outer.permit);
        subset(&p.resource_types, &o.resource_types, "resource types")?;
        subset(&p.categories, &o.categories, "categories")?;
        if !p.labels.is_subset(&o.labels) {
            return Err(Wider("sensitive labels"));
        }
        subset(&p.actions, &o.actions, "actions")?;
        subset(&p.purposes, &o.purposes, "purposes")?;
        if let Some(op) = o.period {
            if !p.period.is_some_and(|pp| pp.within(&op)) {
                return Err(Wider("period"));
            }
        }
        if !outer.deny.iter().all(|d| self.deny.contains(d)) {
            return Err(Wider("an exception of the delegation is missing"));
        }
        Ok(())
    }

    /// The scope as CBOR: `{0: permit, 1?: [deny…]}`.
    pub fn to_value(&self) -> Value {
        let denies = (!self.deny.is_empty())
            .then(|| Value::Array(self.deny.iter().map(Provision::to_value).collect()));
        MapWriter::new()
            .put(0, self.permit.to_value())
            .put_opt(1, denies)
            .build()
    }

    /// Reads a scope.
    ///
    /// # Errors
    /// Any structural fault; unknown codes; more than [`MAX_DENIES`] exceptions.
    pub fn from_value(value: Value) -> Result<Self, ScopeError> {
        let mut m = MapReader::new(value, "scope")?;
        let permit = Provision::from_value(m.required(0, "permit")?)?;
        let deny = match m.optional(1) {
            Some(v) => {
                let items = cbor::array(v, "deny", MAX_DENIES)?;
                if items.is_empty() {
                    return Err(CborError::NonCanonical("an empty deny list is omitted").into());
                }
                items
                    .into_iter()
                    .map(Provision::from_value)
                    .collect::<Result<_, _>>()?
            }
            None => Vec::new(),
        };
        m.finish()?;
        Ok(Scope { permit, deny })
    }
}

/// Why a scope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeError {
    /// Structural fault.
    #[error(transparent)]
    Cbor(#[from] CborError),
    /// A code that `codes/v1` does not know.
    #[error(transparent)]
    UnknownCode(#[from] crate::codes::UnknownCode),
    /// A period whose end is not after its start.
    #[error("a period must end after it starts")]
    EmptyPeriod,
}

fn set_value<C: Code>(set: &BTreeSet<C>) -> Option<Value> {
    (!set.is_empty())
        .then(|| Value::Array(set.iter().map(|c| cbor::u(c.number().into())).collect()))
}

fn set_from<C: Code>(value: Option<Value>, field: &'static str) -> Result<BTreeSet<C>, ScopeError> {
    let Some(value) = value else {
        return Ok(BTreeSet::new());
    };
    let items = crate::codes::read_ascending::<C, ScopeError>(value, field, C::ALL.len())?;
    if items.is_empty() {
        return Err(CborError::NonCanonical("an empty set is omitted").into());
    }
    Ok(items.into_iter().collect())
}

/// A period as CBOR `[start, end]`.
pub fn period_value(p: &Period) -> Value {
    Value::Array(vec![cbor::u(p.start), cbor::u(p.end)])
}

/// Reads a period `[start, end]` with `start < end`.
///
/// # Errors
/// Structural fault or [`ScopeError::EmptyPeriod`].
pub fn period_from(value: Value, field: &'static str) -> Result<Period, ScopeError> {
    let [start, end] = cbor::array_n(value, field, "[start, end]")?;
    let period = Period {
        start: cbor::uint(start, field)?,
        end: cbor::uint(end, field)?,
    };
    if period.end <= period.start {
        return Err(ScopeError::EmptyPeriod);
    }
    Ok(period)
}

impl Provision {
    /// The provision as CBOR: `{0?: types, 1?: categories, 2?: labels,
    /// 3?: actions, 4?: purposes, 5?: period}`; empty sets are omitted.
    pub fn to_value(&self) -> Value {
        MapWriter::new()
            .put_opt(0, set_value(&self.resource_types))
            .put_opt(1, set_value(&self.categories))
            .put_opt(2, set_value(&self.labels))
            .put_opt(3, set_value(&self.actions))
            .put_opt(4, set_value(&self.purposes))
            .put_opt(5, self.period.as_ref().map(period_value))
            .build()
    }

    /// Reads a provision.
    ///
    /// # Errors
    /// As [`Scope::from_value`].
    pub fn from_value(value: Value) -> Result<Self, ScopeError> {
        let mut m = MapReader::new(value, "provision")?;
        let p = Provision {
            resource_types: set_from(m.optional(0), "resource types")?,
            categories: set_from(m.optional(1), "categories")?,
            labels: set_from(m.optional(2), "labels")?,
            actions: set_from(m.optional(3), "actions")?,
            purposes: set_from(m.optional(4), "purposes")?,
            period: m
                .optional(5)
                .map(|v| period_from(v, "period"))
                .transpose()?,
        };
        m.finish()?;
        Ok(p)
    }
}

#[cfg(test)]
pub(crate) mod tests;
