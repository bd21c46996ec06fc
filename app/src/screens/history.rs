//! Access history: every recorded access, verified against the ledger's
//! proofs by core, as a timeline and a chart by organisation, each with its
//! verdict (covered / emergency / after revocation / outside scope / no
//! grant) and a progress indicator while verifying.

use crate::actions;
use crate::components::chart::{per_day, AccessChart};
use crate::components::progress::RoundProgress;
use crate::state::use_app;
use assent_core::explain;
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
                        rsx! {
                            li { class: "entry {verdict}", "data-verdict": "{verdict}",
                                time { "{explain::date(a.access.accessed_at)}" }
                                strong { " {org}" }
                                span { class: "badge", " ✓ verified (entry {a.index})" }
                                span { class: "verdict", " — {verdict_label(verdict)}" }
                                p { "{a.explain(&org)}" }
                            }
                        }
                    }
                }
            }
        }
    }
}
