//! Caregiving: delegations I gave (revoke), patients who delegated to me
//! (add their delegation), and acting for one of them within the powers and
//! limits their delegation allows.

use crate::actions;
use crate::platform::now;
use crate::state::{use_app, Persist};
use assent_core::codes::{Action, Code, Purpose};
use assent_core::explain;
use assent_core::keys::PublicKey;
use assent_core::scope::{Period, Provision, Scope};
use assent_core::tx::{Kind, Powers, SignedTx};
use data_encoding::BASE64;
use dioxus::prelude::*;

/// A delegation's powers in words.
pub fn powers_words(p: &Powers) -> String {
    let mut words = Vec::new();
    if p.grant {
        words.push("grant access");
    }
    if p.revoke {
        words.push("revoke grants");
    }
    if p.history {
        words.push("read the access history");
    }
    if words.is_empty() {
        "do nothing".into()
    } else {
        words.join(", ")
    }
}

/// The caregiving screen.
#[component]
pub fn Caregiving() -> Element {
    let mut app = use_app();
    let origin = app.origin();
    let given = app.records.read().delegations_given(&origin);
    let received = app.records.read().delegations_received(&origin);
    let me = app
        .meta
        .read()
        .as_ref()
        .map(|m| m.public_key.clone())
        .unwrap_or_default();
    let mut caregiver = use_signal(String::new);
    let mut days = use_signal(|| 365u32);
    let mut powers = use_signal(|| Powers {
        grant: true,
        revoke: true,
        history: true,
    });
    let mut error = use_signal(|| None::<String>);
    let mut last_code = use_signal(|| None::<String>);
    let mut import = use_signal(String::new);
    let acting = *app.acting_for.read();
    let (a1, mut a2, a3) = (app.clone(), app.clone(), app.clone());
    rsx! {
        h1 { "Caregiving" }
        p { "Your key, to give to a patient who wants you to act for them: " code { "data-testid": "my-key", "{me}" } }
        section { aria_labelledby: "given-h",
            h2 { id: "given-h", "People who may act for me" }
            if given.is_empty() { p { "Nobody may act for you." } }
            ul { class: "cards",
                for (tx, d, revoked) in given {
                    {
                    let mut a1 = a1.clone();
                    rsx! {
                    li { class: "card",
                        p { "Caregiver {d.caregiver.key().fingerprint()} may {powers_words(&d.powers)}, until {explain::date(d.period.end)}." }
                        if revoked { p { class: "hint", "You revoked this delegation." } }
                        else {
                            details {
                                summary { "The code to give this caregiver" }
                                textarea { readonly: true, rows: "3", aria_label: "Delegation code for caregiver {d.caregiver.key().fingerprint()}", value: "{BASE64.encode(tx.bytes())}" }
                            }
                            button { class: "danger", onclick: move |_| {
                                    match actions::sign_and_queue(&mut a1, actions::revoke_delegation_kind(&tx)) {
                                        Ok(_) => { spawn(actions::sync_round(a1.clone())); }
                                        Err(e) => error.set(Some(e)),
                                    }
                                }, "Revoke this delegation and the grants made under it" }
                        }
                    }
                    }
                    }
                }
            }
            form { onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let key: PublicKey = match caregiver.read().trim().parse() {
                        Ok(k) => k,
                        Err(_) => { error.set(Some("That is not an Assent key (it starts with assent1).".into())); return; }
                    };
                    let t = now();
                    let period = Period { start: t, end: t + u64::from(*days.read()) * 86_400 };
                    let max_scope = Scope {
                        permit: Provision {
                            actions: [Action::Access].into_iter().collect(),
                            purposes: Purpose::ALL.iter().copied().collect(),
                            period: Some(period),
                            ..Provision::default()
                        },
                        deny: Vec::new(),
                    };
                    match actions::sign_and_queue(&mut a2, actions::delegate_kind(key, *powers.read(), max_scope, period)) {
                        Ok(tx) => {
                            last_code.set(Some(BASE64.encode(tx.bytes())));
                            error.set(None);
                            spawn(actions::sync_round(a2.clone()));
                        }
                        Err(e) => error.set(Some(e)),
                    }
                },
                fieldset {
                    legend { "Let someone act for me" }
                    label { r#for: "cg-key", "Their key (assent1…)" }
                    input { id: "cg-key", value: "{caregiver}", oninput: move |e: FormEvent| caregiver.set(e.value()) }
                    label { class: "check", input { r#type: "checkbox", checked: powers.read().grant, onchange: move |_| { let v = powers.read().grant; powers.write().grant = !v } } " Grant access for me" }
                    label { class: "check", input { r#type: "checkbox", checked: powers.read().revoke, onchange: move |_| { let v = powers.read().revoke; powers.write().revoke = !v } } " Revoke grants for me" }
                    label { class: "check", input { r#type: "checkbox", checked: powers.read().history, onchange: move |_| { let v = powers.read().history; powers.write().history = !v } } " Read my access history" }
                    label { r#for: "cg-days", "For how many days" }
                    input { id: "cg-days", r#type: "number", min: "1", value: "{days}", oninput: move |e: FormEvent| days.set(e.value().parse().unwrap_or(0)) }
                    button { r#type: "submit", "Sign the delegation" }
                }
            }
            if let Some(code) = last_code.read().as_ref() {
                label { r#for: "delegation-code", "Give this delegation to your caregiver" }
                textarea { id: "delegation-code", readonly: true, rows: "3", value: "{code}" }
            }
        }
        section { aria_labelledby: "received-h",
            h2 { id: "received-h", "Patients I act for" }
            if received.is_empty() { p { "No patient has delegated to you." } }
            ul { class: "cards",
                for (tx, d) in received {
                    {
                        let id = tx.id();
                        let patient = a3.view.read().patient_of(&tx);
                        let live = d.period.contains(now());
                        let mut app = a3.clone();
                        rsx! {
                            li { class: "card",
                                p { "Patient {patient.key().fingerprint()}: you may {powers_words(&d.powers)}, until {explain::date(d.period.end)}." }
                                ul { class: "plain", for l in explain::scope(&d.max_scope) { li { "{l}" } } }
                                if acting == Some(id) { p { strong { "You are acting for this patient." } } }
                                else if live && d.powers.grant {
                                    button { onclick: move |_| app.acting_for.set(Some(id)), "Act for this patient" }
                                } else if !live { p { class: "hint", "This delegation is not in force." } }
                            }
                        }
                    }
                }
            }
            form { onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let origin = app.origin();
                    let parsed = BASE64.decode(import.read().trim().as_bytes()).ok().and_then(|b| SignedTx::open(&b, &origin).ok());
                    match parsed {
                        Some(tx) => match &tx.body().kind {
                            Kind::Delegate(d) if d.caregiver.key().to_string() == me => {
                                app.records.write().add_received(&tx);
                                app.persist(Persist::Records);
                                import.set(String::new());
                                error.set(None);
                            }
                            Kind::Delegate(_) => error.set(Some("This delegation names someone else as caregiver.".into())),
                            _ => error.set(Some("This is not a delegation.".into())),
                        },
                        None => error.set(Some("This is not a signed delegation for this ledger.".into())),
                    }
                },
                label { r#for: "import-delegation", "Add a delegation a patient gave you" }
                textarea { id: "import-delegation", rows: "3", value: "{import}", oninput: move |e: FormEvent| import.set(e.value()) }
                button { r#type: "submit", "Add" }
            }
        }
        if let Some(e) = error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
    }
}
