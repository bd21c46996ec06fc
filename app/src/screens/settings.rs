//! Settings: the ledger and its trust policy (validators, quorum), the key
//! (rotation), backup (the words after re-confirming with the vault's
//! passphrase or the keystore, or an encrypted backup file).

use crate::actions;
use crate::state::{use_app, Persist};
use dioxus::prelude::*;

/// The settings screen.
#[component]
pub fn SettingsScreen() -> Element {
    let app = use_app();
    let current = app.settings.read().clone();
    let mut ledger = use_signal(|| current.ledger.clone());
    let mut trust = use_signal(|| current.trust.clone());
    let mut message = use_signal(|| None::<String>);
    let mut reveal = use_signal(|| false);
    let mut confirm = use_signal(String::new);
    let mut confirm_error = use_signal(|| None::<String>);
    let vault = matches!(
        app.meta.read().as_ref().map(|m| &m.keeper),
        Some(crate::model::Keeper::Vault)
    );
    let mut backup_pass = use_signal(String::new);
    let mut backup = use_signal(|| None::<String>);
    let policy = current.policy();
    let keeper = app.meta.read().as_ref().map(|m| match &m.keeper {
        crate::model::Keeper::Keystore { name } => format!("Your secret is kept in {name}."),
        crate::model::Keeper::Vault => {
            "Your secret is kept in an encrypted vault on this device.".into()
        }
    });
    let words = if *reveal.read() {
        app.wallet
            .read()
            .as_ref()
            .map(|w| w.mnemonic().phrase().to_string())
    } else {
        None
    };
    let mut a1 = app.clone();
    let a2 = app.clone();
    let a3 = app.clone();
    rsx! {
        h1 { "Settings" }
        form { onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let candidate = crate::model::Settings { ledger: ledger.read().trim().to_string(), trust: trust.read().clone(), clinic: a1.settings.read().clinic };
                match candidate.policy() {
                    Ok(_) => {
                        a1.settings.set(candidate);
                        a1.persist(Persist::Settings);
                        message.set(Some("Saved.".into()));
                    }
                    Err(e) => message.set(Some(e)),
                }
            },
            fieldset {
                legend { "Ledger" }
                label { r#for: "ledger-url", "Ledger address" }
                input { id: "ledger-url", r#type: "url", value: "{ledger}", oninput: move |e: FormEvent| ledger.set(e.value()) }
                label { r#for: "trust-toml", "Trust policy (your consortium's trust.toml; never taken from the ledger)" }
                textarea { id: "trust-toml", rows: "8", spellcheck: "false", value: "{trust}", oninput: move |e: FormEvent| trust.set(e.value()) }
                button { r#type: "submit", "Save" }
                if let Some(m) = message.read().as_ref() { p { role: "status", "{m}" } }
            }
        }
        section { aria_labelledby: "policy-h",
            h2 { id: "policy-h", "Who must agree" }
            match policy {
                Ok(p) => rsx! {
                    p { "data-testid": "quorum", "Ledger {p.origin}: a checkpoint counts once {p.k} of these {p.validators.len()} validators cosigned it." }
                    ul { for v in p.validators.iter() { li { "{v.vkey.name()} — {v.url}" } } }
                },
                Err(e) => rsx! { p { class: "error", "{e}" } },
            }
        }
        crate::screens::key_rotation::KeyRotation {}
        section { aria_labelledby: "backup-h",
            h2 { id: "backup-h", "Backup" }
            if let Some(k) = keeper { p { "{k}" } }
            if let Some(w) = words {
                p { "Your 24 words (anyone who has them can act as you):" }
                p { class: "words-inline", "{w}" }
                button { onclick: move |_| reveal.set(false), "Hide the words" }
            } else {
                if vault {
                    label { r#for: "reveal-confirm", "Your vault passphrase, to see your 24 words" }
                    input { id: "reveal-confirm", r#type: "password", autocomplete: "current-password", value: "{confirm}", oninput: move |e: FormEvent| confirm.set(e.value()) }
                } else {
                    p { "To see your 24 words, the app asks the system keystore for your secret again (your system may ask you to confirm)." }
                }
                button { disabled: vault && confirm.read().is_empty(),
                    onclick: move |_| {
                        let passphrase = vault.then(|| confirm.read().clone());
                        match actions::reconfirm(&a3, passphrase) {
                            Ok(()) => { reveal.set(true); confirm_error.set(None); }
                            Err(e) => confirm_error.set(Some(e)),
                        }
                        confirm.set(String::new());
                    }, "Show my words" }
                if let Some(e) = confirm_error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
            }
            label { r#for: "backup-pass", "Passphrase for an encrypted backup file" }
            input { id: "backup-pass", r#type: "password", autocomplete: "new-password", value: "{backup_pass}", oninput: move |e: FormEvent| backup_pass.set(e.value()) }
            button { disabled: backup_pass.read().len() < 8, onclick: move |_| {
                    match actions::backup(&a2, backup_pass.read().clone()) {
                        Ok(b) => backup.set(Some(b)),
                        Err(e) => message.set(Some(e)),
                    }
                }, "Make an encrypted backup" }
            if let Some(b) = backup.read().as_ref() {
                a { href: "data:application/octet-stream;base64,{b}", download: "assent-backup.vault", "Save the backup file" }
            }
        }
    }
}
