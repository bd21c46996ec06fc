//! Home: live grants as cards and the alerts that need the patient's eyes
//! (a fork, a withheld transaction, an access no grant covers).

use crate::actions;
use crate::components::grant_card::{until, what_and_why, GrantCard};
use crate::components::progress::RoundProgress;
use crate::platform::now;
use crate::state::use_app;
use crate::Route;
use dioxus::prelude::*;

/// One alert for the home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// `fork`, `withheld`, `lie`, `uncovered`, `offline`.
    pub kind: &'static str,
    /// What happened, in plain words.
    pub text: String,
}

/// The alerts the state shows, most serious first.
pub fn alerts(app: &crate::state::AppState) -> Vec<Alert> {
    let mut out = Vec::new();
    let view = app.view.read();
    for e in app.ledger.read().memory.evidence() {
        out.push(Alert {
            kind: "fork",
            text: format!(
                "The ledger showed two different histories ({}). The evidence is kept and {}; nothing you verified was changed.",
                e.kind,
                assent_core::evidence::reported_words(&e.reported_to)
            ),
        });
    }
    if let Some(lie) = &view.lie {
        out.push(Alert {
            kind: "lie",
            text: format!("The ledger's answer did not check out: {lie}"),
        });
    }
    if let Some(moved) = &view.key_moved {
        out.push(Alert {
            kind: "key",
            text: moved.clone(),
        });
    }
    for o in &view.overdue {
        out.push(Alert {
            kind: "withheld",
            text: format!(
                "Your {} was promised on the ledger by now and is not there. The ledger may be withholding it; {}.",
                o.kind,
                assent_core::evidence::overdue_words(o)
            ),
        });
    }
    for a in view.accesses.iter().filter(|a| !a.decision.allows()) {
        out.push(Alert {
            kind: "uncovered",
            text: a.explain(&view.org_name(&a.access.org)),
        });
    }
    let unset = app.settings.read().client().err();
    if let Some(off) = view.offline.as_ref().or(unset.as_ref()) {
        out.push(Alert {
            kind: "offline",
            text: format!("Not checked with the ledger: {off}"),
        });
    }
    out
}

/// The home screen.
#[component]
pub fn Home() -> Element {
    let app = use_app();
    let origin = app.origin();
    // Check with the ledger once when the screen opens.
    let first = app.clone();
    use_hook(move || {
        spawn(actions::sync_round(first));
    });
    let grants = app.records.read().grants(&origin);
    let t = now();
    let live: Vec<_> = grants.iter().filter(|g| g.is_live(t)).collect();
    let view = app.view.read().clone();
    let alerts = alerts(&app);
    let outbox = app.ledger.read().outbox.clone();
    let sync_app = app.clone();
    rsx! {
        h1 { "Your consent" }
        section { aria_labelledby: "alerts-h",
            h2 { id: "alerts-h", "Alerts" }
            if alerts.is_empty() {
                p { "data-testid": "no-alerts", "Nothing needs your attention." }
            } else {
                ul { class: "alerts",
                    for a in alerts {
                        li { class: "alert {a.kind}", role: "alert", "{a.text}" }
                    }
                }
            }
        }
        section { aria_labelledby: "grants-h",
            h2 { id: "grants-h", "Who may see your records" }
            if live.is_empty() {
                p { "You have not granted access to anyone. " Link { to: Route::Wizard {}, "Grant access" } }
            }
            div { class: "cards",
                for g in live {
                    {
                        let (what, why) = what_and_why(g);
                        let status = crate::screens::grant_detail::status_words(&outbox, &view, &g.tx.id());
                        rsx! { GrantCard { grantee: view.org_name(&g.grant.grantee), what, why, until: until(g), id: g.tx.id().to_string(), status } }
                    }
                }
            }
        }
        section { class: "ledger-status", aria_labelledby: "ledger-h",
            h2 { id: "ledger-h", "Ledger" }
            if let Some(cp) = &view.checkpoint {
                p { "data-testid": "checkpoint", "Checkpoint {cp.size}, cosigned by {cp.cosigned} of {cp.validators} validators ({cp.needed} needed), {assent_core::explain::date(cp.at)}. {view.verified} entries of your history verified." }
            }
            RoundProgress {}
            button { disabled: view.busy, onclick: move |_| { spawn(actions::sync_round(sync_app.clone())); }, "Check with the ledger now" }
        }
    }
}
