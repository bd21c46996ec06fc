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
