//! A grant's QR code (core's encoder, error correction M), drawn as SVG.

use assent_core::qr::QrSymbol;
use dioxus::prelude::*;

/// The QR code of `text`, with its text for copying below. `label` is what
/// a screen reader says.
#[component]
pub fn QrCode(text: String, label: String) -> Element {
    let symbol = match QrSymbol::new(&text) {
        Ok(s) => s,
        Err(e) => {
            return rsx! { p { class: "error", role: "alert", "This code cannot be drawn: {e}" } }
        }
    };
    let svg = symbol.to_svg();
    let version = symbol.version();
    rsx! {
        figure { class: "qr",
            div { class: "qr-image", role: "img", aria_label: "{label}", dangerous_inner_html: "{svg}" }
            figcaption {
                "QR version {version}. The same code as text:"
                textarea { class: "qr-text", readonly: true, rows: "3", aria_label: "The code as text", "data-testid": "qr-text", value: "{text}" }
            }
        }
    }
}
