//! Clinic mode: read a patient's grant QR (an image file, or its text) and
//! show core's verdict with its reason: valid / revoked / expired / not for
//! this clinic / forged / unknown.

use crate::actions;
use crate::state::use_app;
use assent_core::client::round;
use assent_core::clinic::Verdict;
use assent_core::explain;
use assent_core::qr::decode_image;
use dioxus::prelude::*;

/// The clinic screen.
#[component]
pub fn Clinic() -> Element {
    let app = use_app();
    let mut text = use_signal(String::new);
    let mut result = use_signal(|| None::<(Verdict, String, Vec<String>)>);
    let mut busy = use_signal(|| false);
    let clinic = app.settings.read().clinic;
    let listing = app.view.read().listing.clone();
    let listing_app = app.clone();
    use_hook(move || {
        spawn(actions::load_listing(listing_app));
    });
    let check = move |code: String| {
        let app = app.clone();
        busy.set(true);
        result.set(None);
        spawn(async move {
            let scanned = actions::scan(app, code, |pending| {
                result.set(Some((pending.clone(), pending.reason(), Vec::new())));
            })
            .await;
            // Organisations by their proven names rather than their ids.
            let named = |text: String| round::named(text, &scanned.names);
            let lines = scanned
                .code
                .map(|g| {
                    explain::transaction(g.grant())
                        .into_iter()
                        .map(named)
                        .collect()
                })
                .unwrap_or_default();
            let reason = named(scanned.verdict.reason());
            result.set(Some((scanned.verdict, reason, lines)));
            busy.set(false);
        });
    };
    let mut check_text = check.clone();
    let check_file = check.clone();
    let mut check_camera = check.clone();
    let mut pick_app = use_app();
    rsx! {
        h1 { "Clinic: verify a grant" }
        fieldset {
            legend { "This device scans for" }
            label { r#for: "clinic-org", "Organisation" }
            select { id: "clinic-org",
                onchange: move |e: FormEvent| {
                    pick_app.settings.write().clinic = e.value().parse().ok();
                    pick_app.persist(crate::state::Persist::Settings);
                },
                option { value: "", selected: clinic.is_none(), "Choose…" }
                for (id, name) in listing {
                    option { value: "{id}", selected: clinic == Some(id), "{name}" }
                }
            }
        }
        section {
            h2 { "Read the patient's code" }
            crate::components::camera::CameraScan { on_code: move |code: String| check_camera(code) }
            label { r#for: "qr-image", "Or a photo or image of the QR code (PNG)" }
            input { id: "qr-image", r#type: "file", accept: "image/png",
                onchange: move |e: FormEvent| {
                    let files = e.files();
                    let mut check_file = check_file.clone();
                    spawn(async move {
                        let Some(file) = files.first() else { return };
                        match file.read_bytes().await {
                            Ok(bytes) => match decode_image(&bytes) {
                                Ok(code) => check_file(code),
                                Err(e) => { let v = Verdict::Unknown { why: format!("no grant code could be read from the image: {e}") }; result.set(Some((v.clone(), v.reason(), Vec::new()))) }
                            },
                            Err(e) => { let v = Verdict::Unknown { why: format!("the image could not be read: {e}") }; result.set(Some((v.clone(), v.reason(), Vec::new()))) }
                        }
                    });
                } }
            label { r#for: "qr-paste", "Or paste the code's text (starts with AS1:)" }
            textarea { id: "qr-paste", rows: "3", value: "{text}", oninput: move |e: FormEvent| text.set(e.value()) }
            button { class: "primary", disabled: *busy.read(), onclick: move |_| check_text(text.read().trim().to_string()), "Verify" }
        }
        if *busy.read() {
            p { role: "status", class: "progress-note",
                if matches!(result.read().as_ref(), Some((Verdict::Pending, _, _))) {
                    "The ledger took the grant just now; waiting for its validators to confirm it (up to half a minute)…"
                } else {
                    "Checking the grant and its status on the ledger…"
                }
            }
        }
        if let Some((verdict, reason, lines)) = result.read().as_ref() {
            section { class: "verdict-box {verdict.word()}", role: "status", aria_live: "polite", "data-testid": "verdict",
                h2 { "data-verdict": "{verdict.word()}", {verdict_title(verdict)} }
                p { "{reason}" }
                ul { class: "plain", for l in lines.iter() { li { "{l}" } } }
            }
        }
    }
}

fn verdict_title(v: &Verdict) -> &'static str {
    if *v == Verdict::Pending {
        return "Not confirmed yet";
    }
    match v.word() {
        "valid" => "Valid",
        "revoked" => "Revoked",
        "expired" => "Expired",
        "not_for_this_clinic" => "Not for this clinic",
        "forged" => "Forged",
        _ => "Cannot be confirmed",
    }
}
