//! The "Your key" part of Settings: which key signs for the identity now, and
//! rotating to the next one (PROTOCOL §1) with a confirmation step.

use crate::actions;
use crate::model::Keeper;
use crate::state::use_app;
use dioxus::prelude::*;

/// Shows the identity and its key generation, and rotates the key.
#[component]
pub fn KeyRotation() -> Element {
    let app = use_app();
    let mut confirming = use_signal(|| false);
    let mut pass = use_signal(String::new);
    let mut message = use_signal(|| None::<Result<String, String>>);
    let is_vault = matches!(
        app.meta.read().as_ref().map(|m| &m.keeper),
        Some(Keeper::Vault)
    );
    let Some(wallet) = app.wallet.read().clone() else {
        return rsx! {};
    };
    let identity = wallet.identities()[0];
    let name = wallet.primary_public_key().fingerprint().to_string();
    let current = wallet
        .signing_key(identity)
        .map(|k| k.public_key().fingerprint().to_string())
        .unwrap_or_default();
    let generation = identity.generation.0;
    // A sync in flight writes the outbox back when it ends: rotating now
    // would be overwritten by it.
    let busy = app.view.read().busy;
    let mut a1 = app.clone();
    rsx! {
        section { aria_labelledby: "key-h",
            h2 { id: "key-h", "Your key" }
            p { "data-testid": "identity", "Your identity: {name}. Caregivers and clinics know you by it; it never changes." }
            p { "data-testid": "key-generation",
                if generation == 0 { "It signs with its first key ({current})." } else { "It signs with key number {generation + 1} ({current})." }
            }
            p { "Rotate the key if a device that held this wallet was lost, or you think the key leaked. Your grants and delegations stay as they are; once the ledger records the rotation, the old key can sign nothing for you. Anyone with your 24 words can still rotate, so keep them safe." }
            if *confirming.read() {
                div { role: "group", aria_label: "Confirm the key rotation",
                    p { strong { "Rotate now?" } " What you signed before is sent first, as it is; from now on you sign with the new key." }
                    if is_vault {
                        label { r#for: "rotate-pass", "Vault passphrase (the vault is sealed again with the new key)" }
                        input { id: "rotate-pass", r#type: "password", autocomplete: "current-password", value: "{pass}", oninput: move |e: FormEvent| pass.set(e.value()) }
                    }
                    if busy { p { role: "status", "Waiting for the ledger check in progress to finish…" } }
                    button { class: "danger", disabled: busy || (is_vault && pass.read().is_empty()), onclick: move |_| {
                            let p = is_vault.then(|| pass.read().clone());
                            let outcome = actions::rotate_key(&mut a1, p);
                            if outcome.is_ok() {
                                confirming.set(false);
                                pass.set(String::new());
                                spawn(actions::sync_round(a1.clone()));
                            }
                            message.set(Some(outcome));
                        }, "Rotate my key" }
                    button { onclick: move |_| { confirming.set(false); pass.set(String::new()); }, "Cancel" }
                }
            } else {
                button { onclick: move |_| { confirming.set(true); message.set(None); }, "Rotate my key…" }
            }
            match message.read().as_ref() {
                Some(Ok(fingerprint)) => rsx! { p { role: "status", "Key rotated: you now sign with {fingerprint}. The rotation goes to the ledger with the next check; the home screen warns if it is overdue." } },
                Some(Err(e)) => rsx! { p { role: "alert", class: "error", "The key was not rotated: {e}" } },
                None => rsx! {},
            }
        }
    }
}
