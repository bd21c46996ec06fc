//! A progress bar for long operations (history verification).

use dioxus::prelude::*;

/// `done` of `total`, labelled for screen readers; indeterminate when the
/// total is not known yet.
#[component]
pub fn Progress(label: String, done: u64, total: u64) -> Element {
    if total == 0 {
        return rsx! {
            div { class: "progress", role: "status", aria_live: "polite",
                progress { aria_label: "{label}" }
                span { " {label}…" }
            }
        };
    }
    rsx! {
        div { class: "progress", role: "status", aria_live: "polite",
            progress { aria_label: "{label}", max: "{total}", value: "{done}" }
            span { " {label}: {done} of {total}" }
        }
    }
}

/// The progress of a round with the ledger, while one runs: verifying the
/// history (with counts), or the steps before it.
#[component]
pub fn RoundProgress() -> Element {
    let view = crate::state::use_app().view;
    let (busy, progress) = {
        let v = view.read();
        (v.busy, v.progress)
    };
    match (busy, progress) {
        (false, _) => rsx! {},
        (true, Some((done, total))) => {
            rsx! { Progress { label: "Verifying your history", done, total } }
        }
        (true, None) => rsx! { Progress { label: "Checking with the ledger", done: 0, total: 0 } },
    }
}
