//! One grant: its scope in plain words, where it stands on the ledger, its
//! QR code, revocation (with confirmation) and its FHIR Consent.

use crate::actions;
use crate::components::qr::QrCode;
use crate::model::LedgerView;
use crate::platform::now;
use crate::state::use_app;
use crate::Route;
use assent_core::explain;
use assent_core::fhir::{export_grant, ConsentStatus};
use assent_core::ids::TxId;
use assent_core::outbox::{Outbox, State};
use assent_core::qr::encode_grant;
use dioxus::prelude::*;

/// Where a transaction stands, in words: pending, in checkpoint N, and how
/// many validators cosigned the checkpoint held.
pub fn status_words(outbox: &Outbox, view: &LedgerView, id: &TxId) -> String {
    let cosigned = view
        .checkpoint
        .as_ref()
        .map(|c| {
            format!(
                ", cosigned by {} of {} validators",
                c.cosigned, c.validators
            )
        })
        .unwrap_or_default();
    match outbox.get(id).map(|o| &o.state) {
        None => "not sent from this device".into(),
        Some(State::Queued) => "pending: waiting to be sent".into(),
        Some(State::Sent { deadline, .. }) => {
            format!(
                "pending: accepted, promised by {}",
                explain::date(*deadline)
            )
        }
        Some(State::Included { index, size }) => {
            format!("in checkpoint {size} (entry {index}){cosigned}")
        }
        Some(State::Refused { code, message }) => {
            format!("refused by the ledger: {code}: {message}")
        }
    }
}

/// The grant detail screen.
#[component]
pub fn GrantDetail(id: String) -> Element {
    let mut app = use_app();
    let origin = app.origin();
    let mut confirming = use_signal(|| false);
    let mut show_fhir = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let Some(g) = app.records.read().grant(&origin, &id) else {
        return rsx! { h1 { "Grant not found" } p { Link { to: Route::Home {}, "Back home" } } };
    };
    let view = app.view.read().clone();
    let outbox = app.ledger.read().outbox.clone();
    let status = status_words(&outbox, &view, &g.tx.id());
    let included = matches!(
        outbox.get(&g.tx.id()).map(|o| &o.state),
        Some(State::Included { .. })
    );
    let grantee = view.org_name(&g.grant.grantee);
    let live = g.is_live(now());
    // A caregiver's grant travels with its delegation.
    let delegation = g.grant.via.and_then(|via| {
        app.records
            .read()
            .delegations_received(&origin)
            .into_iter()
            .find(|(d, _)| d.id().0 == via.0)
            .map(|(d, _)| d)
    });
    let qr = encode_grant(&g.tx, delegation.as_ref());
    let fhir = export_grant(
        &g.tx,
        if live {
            ConsentStatus::Active
        } else {
            ConsentStatus::Inactive
        },
        &origin,
    )
    .and_then(|v| serde_json::to_string_pretty(&v).ok())
    .unwrap_or_default();
    let tx = g.tx.clone();
    rsx! {
        h1 { "Grant to {grantee}" }
        section {
            h2 { "What it allows" }
            ul { class: "plain", "data-testid": "scope-words",
                for line in explain::scope(&g.grant.scope) { li { "{line}" } }
            }
            p { strong { "Ledger: " } span { "data-testid": "grant-status", "{status}" } }
            if g.revoked_by.is_some() { p { class: "alert uncovered", "data-testid": "revoked", "You revoked this grant." } }
        }
        if live {
            section { aria_labelledby: "qr-h",
                h2 { id: "qr-h", "Show this code at the clinic" }
                match qr {
                    Ok(text) => rsx! { QrCode { text, label: "QR code of your grant to {grantee}" } },
                    Err(e) => rsx! { p { class: "error", "This grant does not fit a QR code: {e}" } },
                }
            }
        }
        section {
            h2 { "FHIR Consent" }
            button { aria_expanded: "{show_fhir}", onclick: move |_| { let v = *show_fhir.read(); show_fhir.set(!v) }, if *show_fhir.read() { "Hide the FHIR Consent" } else { "Show the FHIR Consent (for hospitals)" } }
            if *show_fhir.read() { pre { class: "fhir", "data-testid": "fhir", tabindex: "0", "{fhir}" } }
        }
        if live {
            section {
                h2 { "Revoke" }
                if *confirming.read() {
                    div { role: "alertdialog", aria_labelledby: "confirm-h",
                        p { id: "confirm-h", "Revoke the grant to {grantee}? They will no longer be allowed to read your records. Accesses already made stay on the record." }
                        button { class: "danger", onclick: move |_| {
                                match actions::sign_and_queue(&mut app, actions::revoke_kind(&tx, included)) {
                                    Ok(_) => { confirming.set(false); spawn(actions::sync_round(app.clone())); }
                                    Err(e) => error.set(Some(e)),
                                }
                            }, "Yes, revoke" }
                        button { onclick: move |_| confirming.set(false), "Keep the grant" }
                    }
                } else {
                    button { class: "danger", onclick: move |_| confirming.set(true), "Revoke this grant…" }
                }
                if let Some(e) = error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
            }
        }
    }
}
