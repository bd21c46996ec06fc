//! Access history: every recorded access, verified against the ledger's
//! proofs by core, as a timeline and a chart by organisation, each with its
//! verdict (covered / emergency / after revocation / outside scope / no
//! grant), the consortium monitor's flag in plain words, and a way to
//! dispute it; above them, what the patient should know without asking (an
//! organisation's first access, emergency overrides, flags); and a progress
//! indicator while verifying.

use crate::actions;
use crate::components::chart::{per_day, AccessChart};
use crate::components::progress::RoundProgress;
use crate::state::use_app;
use assent_core::audit::notices;
use assent_core::codes::{Code, DisputeReason};
use assent_core::explain;
use assent_core::ids::TxId;
use assent_core::tx::{DisputeAccess, Kind};
use dioxus::prelude::*;

/// A verdict word for people.
pub fn verdict_label(verdict: &str) -> &'static str {
    match verdict {
        "covered" => "Covered by your grant",
        "emergency" => "Emergency access",
        "after_revocation" => "After you revoked",
        "outside_period" => "Outside the grant's dates",
        "outside_scope" => "Outside what you allowed",
        "no_grant" => "No grant",
        "unknown_org" => "Unknown organisation",
        "emergency_not_allowed" => "Emergency access not allowed",
        "suspended" => "While the organisation was suspended",
        _ => "Not covered",
    }
}

/// The history screen.
#[component]
pub fn History() -> Element {
    let app = use_app();
    let view = app.view.read().clone();
    let sync_app = app.clone();
    let mut accesses = view.accesses.clone();
    accesses.sort_by_key(|a| std::cmp::Reverse(a.access.accessed_at));
    let mut alerts = notices(&view.accesses, |org| view.org_name(org));
    alerts.reverse();
    let chart = per_day(
        accesses
            .iter()
            .map(|a| (a.access.accessed_at, view.org_name(&a.access.org))),
    );
    rsx! {
        h1 { "Who accessed your records" }
        p { "Each entry below was checked by this app against the ledger's proofs: it is in a checkpoint cosigned by the validators, in order in your history, and signed by the organisation." }
        RoundProgress {}
        button { disabled: view.busy, onclick: move |_| { spawn(actions::sync_round(sync_app.clone())); }, "Verify again" }
        if let Some(lie) = &view.lie { p { class: "alert lie", role: "alert", "The ledger's answer did not check out: {lie}" } }
        p { "data-testid": "verified-count", "{view.verified} entries of your history verified." }
        if !alerts.is_empty() {
            section { aria_labelledby: "notices-h",
                h2 { id: "notices-h", "What you should know" }
                ul { class: "notices", "data-testid": "notices",
                    for (index, text) in alerts { li { key: "{index}-{text}", "{text}" } }
                }
            }
        }
        section { aria_labelledby: "chart-h",
            h2 { id: "chart-h", "Accesses over time" }
            AccessChart { data: chart }
        }
        section { aria_labelledby: "timeline-h",
            h2 { id: "timeline-h", "Timeline" }
            if accesses.is_empty() { p { "No organisation has recorded an access to your records." } }
            ol { class: "timeline", "data-testid": "timeline",
                for a in accesses {
                    {
                        let org = view.org_name(&a.access.org);
                        let verdict = a.verdict();
                        let flagged = if a.flagged.is_empty() { "" } else { " flagged" };
                        rsx! {
                            li { class: "entry {verdict}{flagged}", "data-verdict": "{verdict}",
                                time { "{explain::date(a.access.accessed_at)}" }
                                strong { " {org}" }
                                span { class: "badge", " ✓ verified (entry {a.index})" }
                                span { class: "verdict", " — {verdict_label(verdict)}" }
                                if !a.flagged.is_empty() { span { class: "flag", " ⚑ Flagged for review" } }
                                p { "{a.explain(&org)}" }
                                if a.disputed.is_none() { Dispute { access: a.id, index: a.index } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A form to dispute one access: a reason from the closed list (no free text
/// reaches the ledger), signed and queued for the next verification round.
#[component]
fn Dispute(access: TxId, index: u64) -> Element {
    let app = use_app();
    let mut reason = use_signal(|| DisputeReason::Unexpected);
    let mut outcome = use_signal(|| None::<Result<(), String>>);
    let id = format!("dispute-{index}");
    if let Some(Ok(())) = &*outcome.read() {
        return rsx! { p { class: "disputed", role: "status", "Dispute signed; it is sent with the next verification." } };
    }
    rsx! {
        details { class: "dispute",
            summary { "Dispute this access" }
            label { r#for: "{id}", "Why" }
            select { id: "{id}",
                onchange: move |e| {
                    if let Some(r) = DisputeReason::ALL.iter().find(|r| r.fhir_code() == e.value()) {
                        reason.set(*r);
                    }
                },
                for r in DisputeReason::ALL.iter() {
                    option { value: "{r.fhir_code()}", selected: *r == *reason.read(), "{r.describe()}" }
                }
            }
            button {
                onclick: move |_| {
                    let mut app = app.clone();
                    let kind = Kind::DisputeAccess(DisputeAccess { access, reason: *reason.read() });
                    outcome.set(Some(crate::actions::sign_and_queue(&mut app, kind).map(|_| ())));
                },
                "Send dispute"
            }
            if let Some(Err(e)) = &*outcome.read() { p { class: "alert", role: "alert", "{e}" } }
        }
    }
}
