//! Onboarding: create a wallet (show the 24 words, ask three back) or
//! restore one from its words; then keep the secret in the OS keystore, or
//! in an encrypted vault where none is usable, and say which and why. Also
//! the unlock screen for a wallet kept in a vault.

use crate::actions;
use crate::model::Keeper;
use crate::onboarding::{WordQuiz, ASKED};
use crate::platform::SecretHome;
use crate::state::use_app;
use assent_core::keys::MnemonicPhrase;
use dioxus::prelude::*;
use rand_core::OsRng;
use std::rc::Rc;

/// The words being set up, shared between steps (compared by identity:
/// the words themselves are never compared outside core).
#[derive(Clone)]
pub struct Words(Rc<MnemonicPhrase>);

impl PartialEq for Words {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Clone)]
enum Step {
    Start,
    Show(Words),
    Quiz(Words, WordQuiz),
    Restore,
    Keep(Words),
}

/// The first screen of a new install.
#[component]
pub fn Onboarding() -> Element {
    let mut step = use_signal(|| Step::Start);
    let current = step.read().clone();
    match current {
        Step::Start => rsx! {
            section { class: "onboarding",
                h1 { "Welcome to Assent" }
                p { "Assent keeps the keys that let you decide who may see your health records, and checks every access against the consortium's ledger." }
                div { class: "actions",
                    button { class: "primary", onclick: move |_| step.set(Step::Show(Words(Rc::new(MnemonicPhrase::generate(&mut OsRng))))), "Create a new wallet" }
                    button { onclick: move |_| step.set(Step::Restore), "Restore from my 24 words" }
                }
                p { class: "hint", Link { to: crate::Route::Clinic {}, "Clinic staff: verify a patient's grant without a wallet" } }
            }
        },
        Step::Show(m) => {
            let words = m.0.words();
            let next = m.clone();
            rsx! {
                section { class: "onboarding",
                    h1 { "Your 24 words" }
                    p { "Write these words on paper, in order, and keep them somewhere safe. They are the only way to restore your wallet; anyone who has them can act as you." }
                    ol { class: "words", "data-testid": "words",
                        for w in words.iter() { li { "{w.as_str()}" } }
                    }
                    button { class: "primary", onclick: move |_| step.set(Step::Quiz(next.clone(), WordQuiz::new(&mut OsRng))), "I wrote them down" }
                }
            }
        }
        Step::Quiz(m, quiz) => {
            rsx! { Quiz { mnemonic: m, quiz, on_done: move |m: Words| step.set(Step::Keep(m)), on_back: move |m: Words| step.set(Step::Show(m)) } }
        }
        Step::Restore => {
            rsx! { Restore { on_done: move |m: Words| step.set(Step::Keep(m)), on_back: move |_| step.set(Step::Start) } }
        }
        Step::Keep(m) => rsx! { Keep { mnemonic: m } },
    }
}

#[component]
fn Quiz(
    mnemonic: Words,
    quiz: WordQuiz,
    on_done: EventHandler<Words>,
    on_back: EventHandler<Words>,
) -> Element {
    let mut answers = use_signal(|| [String::new(), String::new(), String::new()]);
    let mut error = use_signal(|| None::<String>);
    let positions = quiz.positions();
    let (m1, m2) = (mnemonic.clone(), mnemonic.clone());
    rsx! {
        section { class: "onboarding",
            h1 { "Check your words" }
            p { "Type three of your words back, to be sure they were written down correctly." }
            form { onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let a = answers.read();
                    match quiz.check(&m1.0, &[a[0].as_str(), a[1].as_str(), a[2].as_str()]) {
                        Ok(()) => on_done.call(m1.clone()),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                },
                for (i, pos) in positions.into_iter().enumerate().take(ASKED) {
                    label { r#for: "word-{pos}", "Word {pos}" }
                    input { id: "word-{pos}", name: "word-{pos}", autocomplete: "off", spellcheck: "false",
                        value: "{answers.read()[i]}",
                        oninput: move |e: FormEvent| answers.write()[i] = e.value() }
                }
                if let Some(e) = error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
                div { class: "actions",
                    button { r#type: "submit", class: "primary", "Continue" }
                    button { r#type: "button", onclick: move |_| on_back.call(m2.clone()), "Show the words again" }
                }
            }
        }
    }
}

#[component]
fn Restore(on_done: EventHandler<Words>, on_back: EventHandler<()>) -> Element {
    let mut words = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    rsx! {
        section { class: "onboarding",
            h1 { "Restore your wallet" }
            form { onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    match MnemonicPhrase::parse(&words.read()) {
                        Ok(m) => on_done.call(Words(Rc::new(m))),
                        Err(e) => error.set(Some(format!("These words are not a wallet: {e}"))),
                    }
                },
                label { r#for: "restore-words", "Your 24 words, separated by spaces" }
                textarea { id: "restore-words", rows: "4", autocomplete: "off", spellcheck: "false",
                    value: "{words}", oninput: move |e: FormEvent| words.set(e.value()) }
                if let Some(e) = error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
                div { class: "actions",
                    button { r#type: "submit", class: "primary", "Restore" }
                    button { r#type: "button", onclick: move |_| on_back.call(()), "Back" }
                }
            }
        }
    }
}

/// Where the secret goes: the screen says which store and why.
#[component]
fn Keep(mnemonic: Words) -> Element {
    let mut app = use_app();
    let home = use_hook(SecretHome::probe);
    let mut pass = use_signal(String::new);
    let mut again = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut working = use_signal(|| false);
    let is_vault = matches!(home, SecretHome::Vault { .. });
    let explanation = match &home {
        SecretHome::Keystore { name } => format!("Your secret will be kept in {name}, the system's keystore: it never leaves this device unencrypted."),
        SecretHome::Vault { why } => why.clone(),
    };
    let h = home.clone();
    rsx! {
        section { class: "onboarding",
            h1 { "Keep your wallet safe" }
            p { "data-testid": "keeper", "{explanation}" }
            form { onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let passphrase = if is_vault {
                        if pass.read().len() < 8 { error.set(Some("Choose a passphrase of at least 8 characters.".into())); return; }
                        if *pass.read() != *again.read() { error.set(Some("The two passphrases differ.".into())); return; }
                        Some(pass.read().clone())
                    } else { None };
                    working.set(true);
                    let m = MnemonicPhrase::from_entropy(mnemonic.0.entropy().duplicate());
                    if let Err(e) = actions::keep_wallet(&mut app, m, &h, passphrase) {
                        error.set(Some(e));
                        working.set(false);
                    }
                },
                if is_vault {
                    label { r#for: "vault-pass", "Vault passphrase" }
                    input { id: "vault-pass", r#type: "password", autocomplete: "new-password", value: "{pass}", oninput: move |e: FormEvent| pass.set(e.value()) }
                    label { r#for: "vault-pass-again", "The same passphrase again" }
                    input { id: "vault-pass-again", r#type: "password", autocomplete: "new-password", value: "{again}", oninput: move |e: FormEvent| again.set(e.value()) }
                }
                if let Some(e) = error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
                button { r#type: "submit", class: "primary", disabled: *working.read(),
                    if *working.read() { "Protecting your wallet…" } else { "Finish" }
                }
            }
        }
    }
}

/// Opens a wallet whose secret is in a vault (or re-reads the keystore).
#[component]
pub fn Unlock() -> Element {
    let mut app = use_app();
    let keeper = app.meta.read().as_ref().map(|m| m.keeper.clone());
    let mut pass = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let is_vault = matches!(keeper, Some(Keeper::Vault));
    // A keystore wallet opens without asking (after the first render).
    let mut opener = app.clone();
    use_effect(move || {
        if !is_vault {
            if let Err(e) = actions::unlock(&mut opener, None) {
                error.set(Some(e));
            }
        }
    });
    let store_words = match &keeper {
        Some(Keeper::Keystore { name }) => format!("Your secret is in {name}."),
        _ => "Your secret is in an encrypted vault on this device.".into(),
    };
    rsx! {
        section { class: "onboarding",
            h1 { "Unlock your wallet" }
            p { "{store_words}" }
            form { onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    let p = is_vault.then(|| pass.read().clone());
                    if let Err(e) = actions::unlock(&mut app, p) { error.set(Some(e)); }
                },
                if is_vault {
                    label { r#for: "unlock-pass", "Passphrase" }
                    input { id: "unlock-pass", r#type: "password", autocomplete: "current-password", value: "{pass}", oninput: move |e: FormEvent| pass.set(e.value()) }
                }
                if let Some(e) = error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
                button { r#type: "submit", class: "primary", if is_vault { "Unlock" } else { "Try again" } }
            }
        }
    }
}
