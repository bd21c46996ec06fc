use super::*;
use crate::codes::Code;
use proptest::prelude::*;

pub(crate) fn set_of<C: Code + std::fmt::Debug>() -> impl Strategy<Value = BTreeSet<C>> {
    proptest::collection::vec(any::<bool>(), C::ALL.len()).prop_map(|bits| {
        C::ALL
            .iter()
            .zip(bits)
            .filter(|(_, b)| *b)
            .map(|(c, _)| *c)
            .collect()
    })
}

fn one_of<C: Code + std::fmt::Debug>() -> impl Strategy<Value = C> {
    proptest::sample::select(C::ALL)
}

pub(crate) fn period() -> impl Strategy<Value = Period> {
    (0u64..1000, 1u64..1000).prop_map(|(start, len)| Period {
        start,
        end: start + len,
    })
}

pub(crate) fn provision() -> impl Strategy<Value = Provision> {
    (
        set_of::<ResourceType>(),
        set_of::<Category>(),
        set_of::<SecurityLabel>(),
        set_of::<Action>(),
        set_of::<Purpose>(),
        proptest::option::of(period()),
    )
        .prop_map(
            |(resource_types, categories, labels, actions, purposes, period)| Provision {
                resource_types,
                categories,
                labels,
                actions,
                purposes,
                period,
            },
        )
}

pub(crate) fn scope() -> impl Strategy<Value = Scope> {
    (provision(), proptest::collection::vec(provision(), 0..3))
        .prop_map(|(permit, deny)| Scope { permit, deny })
}

pub(crate) fn request() -> impl Strategy<Value = AccessRequest> {
    (
        one_of::<ResourceType>(),
        set_of::<Category>(),
        // Sensitive data is the exception: mostly none, sometimes one or two labels.
        prop_oneof![3 => Just(BTreeSet::new()), 1 => set_of::<SecurityLabel>()],
        one_of::<Action>(),
        one_of::<Purpose>(),
        0u64..2000,
    )
        .prop_map(
            |(resource_type, categories, labels, action, purpose, at)| AccessRequest {
                resource_type,
                categories,
                labels,
                action,
                purpose,
                at,
            },
        )
}

fn lab_read(at: u64) -> AccessRequest {
    AccessRequest {
        resource_type: ResourceType::Observation,
        categories: [Category::Labs].into(),
        labels: BTreeSet::new(),
        action: Action::Access,
        purpose: Purpose::Treat,
        at,
    }
}

fn lab_grant() -> Scope {
    Scope {
        permit: Provision {
            resource_types: [ResourceType::Observation, ResourceType::DiagnosticReport].into(),
            actions: [Action::Access].into(),
            purposes: [Purpose::Treat].into(),
            period: Some(Period {
                start: 100,
                end: 200,
            }),
            ..Provision::default()
        },
        deny: vec![],
    }
}

#[test]
fn a_plain_grant_covers_what_it_names_and_nothing_else() {
    let g = lab_grant();
    assert_eq!(g.covers(&lab_read(150)), Ok(()));
    assert_eq!(g.covers(&lab_read(200)), Err(NotCovered::Period));
    assert_eq!(g.covers(&lab_read(99)), Err(NotCovered::Period));
    let mut r = lab_read(150);
    r.purpose = Purpose::Hresch;
    assert_eq!(g.covers(&r), Err(NotCovered::Purpose(Purpose::Hresch)));
    let mut r = lab_read(150);
    r.resource_type = ResourceType::Condition;
    assert_eq!(
        g.covers(&r),
        Err(NotCovered::ResourceType(ResourceType::Condition))
    );
}

#[test]
fn sensitive_labels_are_excluded_unless_named() {
    let mut g = lab_grant();
    let mut r = lab_read(150);
    r.labels = [SecurityLabel::Hiv].into();
    assert_eq!(g.covers(&r), Err(NotCovered::Label(SecurityLabel::Hiv)));
    g.permit.labels.insert(SecurityLabel::Hiv);
    assert_eq!(g.covers(&r), Ok(()));
    assert_eq!(
        NotCovered::Label(SecurityLabel::Hiv).to_string(),
        "HIV status information is not included"
    );
}

#[test]
fn a_deny_exception_refuses_what_the_permit_allows() {
    let mut g = lab_grant();
    g.permit.labels.insert(SecurityLabel::Psy);
    g.deny.push(Provision {
        labels: [SecurityLabel::Psy].into(),
        ..Provision::default()
    });
    let mut r = lab_read(150);
    r.labels = [SecurityLabel::Psy].into();
    assert_eq!(g.covers(&r), Err(NotCovered::Denied(0)));
    assert_eq!(g.covers(&lab_read(150)), Ok(()));
}

#[test]
fn cbor_refuses_unsorted_sets_unknown_codes_and_empty_periods() {
    let unsorted = MapWriter::new()
        .put(3, Value::Array(vec![cbor::u(2), cbor::u(1)]))
        .build();
    assert!(matches!(
        Provision::from_value(unsorted),
        Err(ScopeError::Cbor(CborError::NonCanonical(_)))
    ));
    let unknown = MapWriter::new()
        .put(4, Value::Array(vec![cbor::u(99)]))
        .build();
    assert!(matches!(
        Provision::from_value(unknown),
        Err(ScopeError::UnknownCode(_))
    ));
    let empty_period = MapWriter::new()
        .put(5, period_value(&Period { start: 5, end: 5 }))
        .build();
    assert_eq!(
        Provision::from_value(empty_period),
        Err(ScopeError::EmptyPeriod)
    );
    let empty_set = MapWriter::new().put(0, Value::Array(vec![])).build();
    assert!(Provision::from_value(empty_set).is_err());
}

proptest! {
    #[test]
    fn cbor_round_trips(s in scope()) {
        let bytes = cbor::encode(&s.to_value());
        let back = Scope::from_value(cbor::decode(&bytes).unwrap()).unwrap();
        prop_assert_eq!(cbor::encode(&back.to_value()), bytes);
        prop_assert_eq!(back, s);
    }

    #[test]
    fn a_matching_deny_always_wins(s in scope(), d in provision(), r in request()) {
        let mut s = s;
        s.deny.push(d.clone());
        if d.deny_matches(&r) {
            prop_assert!(s.covers(&r).is_err());
        }
    }

    #[test]
    fn a_scope_within_another_never_covers_more(inner in scope(), outer in scope(), r in request()) {
        if inner.within(&outer).is_ok() && inner.covers(&r).is_ok() {
            prop_assert!(outer.covers(&r).is_ok());
        }
    }

    #[test]
    fn narrowing_a_scope_keeps_it_within(outer in scope(), extra_deny in provision()) {
        // Every scope is within itself, and adding an exception narrows it.
        prop_assert!(outer.within(&outer).is_ok());
        let mut narrower = outer.clone();
        narrower.deny.push(extra_deny);
        prop_assert!(narrower.within(&outer).is_ok());
    }
}

/// A scope built to lie inside `outer`: each named set cut down (never to
/// empty where `outer` names something), labels cut down, the same period,
/// every exception kept and maybe one more.
pub(crate) fn narrowed(outer: &Scope, pick: &Scope) -> Scope {
    fn cut<T: Ord + Copy>(outer: &BTreeSet<T>, pick: &BTreeSet<T>) -> BTreeSet<T> {
        if outer.is_empty() {
            return pick.clone();
        }
        let both: BTreeSet<T> = outer.intersection(pick).copied().collect();
        if both.is_empty() {
            outer.iter().take(1).copied().collect()
        } else {
            both
        }
    }
    let (o, p) = (&outer.permit, &pick.permit);
    let mut deny = outer.deny.clone();
    deny.extend(pick.deny.iter().take(1).cloned());
    Scope {
        permit: Provision {
            resource_types: cut(&o.resource_types, &p.resource_types),
            categories: cut(&o.categories, &p.categories),
            labels: o.labels.intersection(&p.labels).copied().collect(),
            actions: cut(&o.actions, &p.actions),
            purposes: cut(&o.purposes, &p.purposes),
            period: o.period.or(p.period),
        },
        deny,
    }
}

proptest! {
    #[test]
    fn a_narrowed_scope_is_within_and_never_covers_more(
        outer in scope(), pick in scope(), requests in proptest::collection::vec(request(), 16)
    ) {
        let inner = narrowed(&outer, &pick);
        prop_assert!(inner.within(&outer).is_ok());
        for r in &requests {
            if inner.covers(r).is_ok() {
                prop_assert!(outer.covers(r).is_ok(), "{:?}", r);
            }
        }
    }
}

fn pick_from<C: Code + std::fmt::Debug>(named: &BTreeSet<C>) -> impl Strategy<Value = C> {
    let choices: Vec<C> = if named.is_empty() {
        C::ALL.to_vec()
    } else {
        named.iter().copied().collect()
    };
    proptest::sample::select(choices)
}

fn subset_from<C: Code + std::fmt::Debug>(
    named: &BTreeSet<C>,
    any_if_empty: bool,
) -> impl Strategy<Value = BTreeSet<C>> {
    let pool: Vec<C> = if named.is_empty() && any_if_empty {
        C::ALL.to_vec()
    } else {
        named.iter().copied().collect()
    };
    let len = pool.len();
    proptest::sample::subsequence(pool, 0..=len).prop_map(|v| v.into_iter().collect())
}

/// Requests that `p`, used as a permit, covers: so properties about them
/// are tested on accesses that would otherwise be allowed.
pub(crate) fn request_inside(p: &Provision) -> impl Strategy<Value = AccessRequest> {
    let at = p.period.map_or(0..2000, |pp| pp.start..pp.end);
    (
        pick_from(&p.resource_types),
        subset_from(&p.categories, true),
        subset_from(&p.labels, false),
        pick_from(&p.actions),
        pick_from(&p.purposes),
        at,
    )
        .prop_map(
            |(resource_type, categories, labels, action, purpose, at)| AccessRequest {
                resource_type,
                categories,
                labels,
                action,
                purpose,
                at,
            },
        )
}

proptest! {
    #[test]
    fn requests_inside_a_permit_are_covered(
        (p, requests) in provision().prop_flat_map(|p| {
            let inside = proptest::collection::vec(request_inside(&p), 8);
            (Just(p), inside)
        })
    ) {
        let s = Scope { permit: p, deny: vec![] };
        for r in &requests {
            prop_assert_eq!(s.covers(r), Ok(()));
        }
    }
}
