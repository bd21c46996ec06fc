//! What the app says when saved state did not read back, or could not be
//! saved: on every screen, onboarding included, with a way out that keeps
//! the damaged file.

use crate::model::keys;
use crate::state::use_app;
use dioxus::prelude::*;

/// What a damaged file held and what setting it aside costs, in plain words.
fn what_it_costs(key: &str) -> &'static str {
    match key {
        keys::LEDGER => {
            "It is the app's memory of the ledger: the last checkpoint it verified, what \
             waits to be sent, and your verified history. Without it the app cannot tell \
             whether the ledger moved back or forked since it last checked, so it will not \
             talk to the ledger or sign anything until you decide. Setting it aside starts \
             a fresh memory that trusts the next checkpoint the validators' quorum signs; \
             anything still waiting in the old file is not sent."
        }
        keys::RECORDS => {
            "It holds the grants and delegations this wallet signed and the delegations it \
             received. The app will not sign anything until you decide. Setting it aside \
             starts an empty list; grants already on the ledger stay in force."
        }
        keys::WALLET => {
            "It says which keystore entry or vault holds your secret. Setting it aside lets \
             you restore the wallet from your 24 words; the secret itself is not touched."
        }
        _ => "Setting it aside starts from the defaults.",
    }
}

/// The list of load and save problems, each damaged file with its button.
#[component]
pub fn LoadProblems() -> Element {
    let app = use_app();
    let damaged = app.damaged.read().clone();
    let errors = app.load_errors.read().clone();
    if damaged.is_empty() && errors.is_empty() {
        return rsx! {};
    }
    rsx! {
        section { class: "alert", role: "alert", aria_labelledby: "damage-h", "data-testid": "load-problems",
            h2 { id: "damage-h", "Saved data needs your attention" }
            for (key, why) in damaged {
                DamagedFile { file: key.clone(), why }
            }
            for e in errors { p { "{e}" } }
        }
    }
}

/// One damaged file: what it is, why it did not read, and "set it aside".
#[component]
fn DamagedFile(file: String, why: String) -> Element {
    let mut app = use_app();
    let mut message = use_signal(|| None::<String>);
    let k = file.clone();
    // On success this part goes away; `set_aside` leaves a note in the list.
    rsx! {
        div { class: "damaged",
            p { strong { "{file} is damaged" } " ({why}). It is kept exactly as found. {what_it_costs(&file)}" }
            button { onclick: move |_| match app.set_aside(&k) {
                    Ok(_) => {}
                    Err(e) => message.set(Some(format!("Nothing changed: {e}"))),
                }, "Set {file} aside and start afresh" }
            if let Some(m) = message.read().as_ref() { p { role: "status", "{m}" } }
        }
    }
}
