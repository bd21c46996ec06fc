//! The frame around every screen: onboarding or unlock until a wallet is
//! open, then the navigation, the "acting for" banner, and the screen.

use crate::components::damage::LoadProblems;
use crate::screens::onboarding::{Onboarding, Unlock};
use crate::state::use_app;
use crate::Route;
use dioxus::prelude::*;

/// The layout: gates on the wallet, then navigation and the current screen.
/// Clinic mode needs no patient wallet.
#[component]
pub fn Shell() -> Element {
    let app = use_app();
    let route = use_route::<Route>();
    let has_wallet = app.meta.read().is_some();
    let unlocked = app.wallet.read().is_some();
    let clinic = matches!(route, Route::Clinic {});
    if !clinic && !has_wallet {
        return rsx! { main { id: "content", LoadProblems {} Onboarding {} } };
    }
    if !clinic && !unlocked {
        return rsx! { main { id: "content", LoadProblems {} Unlock {} } };
    }
    rsx! {
        a { class: "skip", href: "#content", "Skip to content" }
        header { class: "top",
            span { class: "brand", aria_hidden: "true", "Assent" }
            nav { aria_label: "Main",
                ul {
                    li { Link { to: Route::Home {}, "Home" } }
                    li { Link { to: Route::Wizard {}, "New grant" } }
                    li { Link { to: Route::History {}, "Access history" } }
                    li { Link { to: Route::Caregiving {}, "Caregiving" } }
                    li { Link { to: Route::Clinic {}, "Clinic mode" } }
                    li { Link { to: Route::SettingsScreen {}, "Settings" } }
                }
            }
        }
        LoadProblems {}
        ActingBanner {}
        main { id: "content", tabindex: "-1", Outlet::<Route> {} }
    }
}

/// Says plainly on whose behalf the wallet acts, while a caregiver acts.
#[component]
fn ActingBanner() -> Element {
    let mut app = use_app();
    let origin = app.origin();
    let Some(id) = *app.acting_for.read() else {
        return rsx! {};
    };
    let received = app.records.read().delegations_received(&origin);
    let Some((tx, d)) = received.into_iter().find(|(tx, _)| tx.id() == id) else {
        return rsx! {};
    };
    let powers = crate::screens::caregiving::powers_words(&d.powers);
    let patient = app.view.read().patient_of(&tx);
    rsx! {
        div { class: "acting", role: "status",
            strong { "Acting for patient {patient.key().fingerprint()}" }
            span { " — you may {powers}, until {assent_core::explain::date(d.period.end)}. " }
            button { onclick: move |_| app.acting_for.set(None), "Stop acting for them" }
        }
    }
}
