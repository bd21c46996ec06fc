//! The grant wizard: choose the organisation (directory search, or a
//! clinic's consent-request QR), data classes, sensitive labels (off by
//! default, each explained), purposes and period; review in plain words;
//! sign and submit; then the grant's QR code full screen.

use crate::actions;
use crate::components::qr::QrCode;
use crate::platform::now;
use crate::state::use_app;
use crate::Route;
use assent_core::client::round;
use assent_core::codes::{Action, Category, Code, Purpose, ResourceType, SecurityLabel};
use assent_core::explain;
use assent_core::ids::OrgId;
use assent_core::qr::{encode_grant, SignedRequest};
use assent_core::scope::{Period, Provision, Scope};
use dioxus::prelude::*;
use std::collections::BTreeSet;

/// What the wizard has gathered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    /// The organisation and its name.
    pub org: Option<(OrgId, String)>,
    /// FHIR resource types (none = all records).
    pub types: BTreeSet<ResourceType>,
    /// Kinds of record (none = every kind).
    pub categories: BTreeSet<Category>,
    /// Sensitive labels included (none by default).
    pub labels: BTreeSet<SecurityLabel>,
    /// Purposes of use.
    pub purposes: BTreeSet<Purpose>,
    /// Days from now.
    pub days: u32,
    /// The consent request answered, if any.
    pub request: Option<[u8; 16]>,
}

impl Draft {
    /// The scope this draft grants, starting at `now`.
    pub fn scope(&self, now: u64) -> Scope {
        Scope {
            permit: Provision {
                resource_types: self.types.clone(),
                categories: self.categories.clone(),
                labels: self.labels.clone(),
                actions: [Action::Access].into_iter().collect(),
                purposes: self.purposes.clone(),
                period: Some(Period {
                    start: now,
                    end: now + u64::from(self.days) * 86_400,
                }),
            },
            deny: Vec::new(),
        }
    }

    /// What is still missing before it can be signed.
    pub fn missing(&self) -> Option<&'static str> {
        if self.org.is_none() {
            Some("Choose who may see your records.")
        } else if self.purposes.is_empty() {
            Some("Choose at least one purpose.")
        } else if self.days == 0 {
            Some("Choose how long the grant lasts.")
        } else {
            None
        }
    }
}

/// One checkbox per code of a table, each ticking it in or out of the
/// draft's set that `field` picks; `help` gives a code a paragraph of its
/// own, tied to its checkbox for screen readers.
fn code_choices<C: Code>(
    legend: &'static str,
    prefix: &'static str,
    mut draft: Signal<Draft>,
    field: fn(&mut Draft) -> &mut BTreeSet<C>,
    help: fn(C) -> Option<&'static str>,
) -> Element {
    let chosen = field(&mut draft.read().clone()).clone();
    rsx! {
        fieldset {
            legend { "{legend}" }
            for code in C::ALL.iter().copied() {
                {
                    let help_id = format!("help-{}-{}", C::TABLE.replace(' ', "-"), code.number());
                    let text = help(code);
                    rsx! {
                        label { class: "check",
                            input { r#type: "checkbox", checked: chosen.contains(&code),
                                aria_describedby: if text.is_some() { help_id.clone() } else { String::new() },
                                onchange: move |_| {
                                    let mut d = draft.write();
                                    let set = field(&mut d);
                                    if !set.remove(&code) {
                                        set.insert(code);
                                    }
                                } }
                            " {prefix}{code.describe()}"
                        }
                        if let Some(text) = text { p { id: "{help_id}", class: "hint", "{text}" } }
                    }
                }
            }
        }
    }
}

/// The wizard screen.
#[component]
pub fn Wizard() -> Element {
    let mut app = use_app();
    let mut draft = use_signal(|| Draft {
        days: 90,
        purposes: [Purpose::Treat].into_iter().collect(),
        ..Draft::default()
    });
    let mut search = use_signal(String::new);
    let mut request_text = use_signal(String::new);
    let mut error = use_signal(|| None::<String>);
    let mut signed = use_signal(|| None::<(String, String)>);
    let acting = *app.acting_for.read();
    let listing_app = app.clone();
    use_hook(move || {
        spawn(actions::load_listing(listing_app));
    });
    if let Some((id, code)) = signed.read().clone() {
        let name = draft
            .read()
            .org
            .as_ref()
            .map(|o| o.1.clone())
            .unwrap_or_default();
        return rsx! {
            section { class: "fullscreen-qr", aria_labelledby: "done-h",
                h1 { id: "done-h", "Signed. Show this code to {name}" }
                QrCode { text: code, label: "QR code of your new grant to {name}" }
                Link { to: Route::GrantDetail { id }, class: "button primary", "Done" }
            }
        };
    }
    let listing = app.view.read().listing.clone();
    let query = search.read().to_lowercase();
    let matches: Vec<_> = listing
        .into_iter()
        .filter(|(_, n)| query.is_empty() || n.to_lowercase().contains(&query))
        .collect();
    let d = draft.read().clone();
    let review = explain::scope(&d.scope(now()));
    let scan_app = app.clone();
    rsx! {
        h1 { if acting.is_some() { "New grant for the patient you act for" } else { "Grant access to your records" } }
        form { onsubmit: move |e: FormEvent| e.prevent_default(),
            fieldset {
                legend { "1. Who may see them" }
                label { r#for: "org-search", "Search the organisation directory" }
                input { id: "org-search", r#type: "search", value: "{search}", oninput: move |e: FormEvent| search.set(e.value()) }
                ul { class: "choices", role: "list",
                    for (id, name) in matches {
                        li {
                            label {
                                input { r#type: "radio", name: "org", checked: d.org.as_ref().is_some_and(|o| o.0 == id),
                                    onchange: move |_| draft.write().org = Some((id, name.clone())) }
                                " {name}"
                            }
                        }
                    }
                }
                details {
                    summary { "Or paste a clinic's consent request" }
                    label { r#for: "request-text", "The request code (starts with AR1:)" }
                    textarea { id: "request-text", rows: "3", value: "{request_text}", oninput: move |e: FormEvent| request_text.set(e.value()) }
                    button { r#type: "button", onclick: move |_| {
                            let text = request_text.read().trim().to_string();
                            let mut app = scan_app.clone();
                            spawn(async move {
                                match answer_request(&mut app, &text).await {
                                    Ok(filled) => { draft.set(filled); error.set(None); }
                                    Err(e) => error.set(Some(e)),
                                }
                            });
                        }, "Read the request" }
                }
            }
            {code_choices("2. Which records (none ticked: all records)", "", draft, |d| &mut d.types, |_| None)}
            {code_choices("3. Which kinds of record (none ticked: every kind)", "", draft, |d| &mut d.categories, |_| None)}
            {code_choices("4. Sensitive information (left out unless you include it)", "Include ", draft, |d| &mut d.labels, |l| Some(explain::label(l)))}
            {code_choices("5. What for", "", draft, |d| &mut d.purposes, |_| None)}
            fieldset {
                legend { "6. For how long" }
                label { r#for: "days", "Days" }
                input { id: "days", r#type: "number", min: "1", max: "3650", value: "{d.days}",
                    oninput: move |e: FormEvent| draft.write().days = e.value().parse().unwrap_or(0) }
            }
            section { class: "review", aria_labelledby: "review-h",
                h2 { id: "review-h", "7. Review" }
                p { "To: " strong { {d.org.as_ref().map_or("(nobody chosen yet)".to_string(), |o| o.1.clone())} } }
                ul { class: "plain", for line in review { li { "{line}" } } }
            }
            if let Some(e) = error.read().as_ref() { p { class: "error", role: "alert", "{e}" } }
            button { class: "primary", r#type: "button", disabled: d.missing().is_some(),
                onclick: move |_| {
                    let d = draft.read().clone();
                    let Some((org, _)) = d.org.clone() else { return };
                    let origin = app.origin();
                    let delegation = acting.and_then(|id| app.records.read().delegations_received(&origin).into_iter().find(|(t, _)| t.id() == id).map(|(t, _)| t));
                    let patient = delegation.as_ref().map(|t| app.view.read().patient_of(t));
                    let kind = actions::grant_kind(org, d.scope(now()), d.request, delegation.as_ref().zip(patient));
                    match actions::sign_and_queue(&mut app, kind) {
                        Ok(tx) => {
                            let code = encode_grant(&tx, delegation.as_ref()).unwrap_or_default();
                            signed.set(Some((tx.id().to_string(), code)));
                            spawn(actions::sync_round(app.clone()));
                        }
                        Err(e) => error.set(Some(e)),
                    }
                },
                "Sign and send"
            }
            if let Some(m) = d.missing() { p { class: "hint", "{m}" } }
        }
    }
}

/// Reads a consent request, checks its sender on the ledger (core's rule),
/// and fills a draft from it.
async fn answer_request(app: &mut crate::state::AppState, text: &str) -> Result<Draft, String> {
    let settings = app.settings.read().clone();
    let origin = settings.origin();
    let request = SignedRequest::decode(text, &origin, now()).map_err(|e| e.to_string())?;
    let client = settings.client()?;
    let mut state = app.ledger.read().clone();
    let checked = round::check_request(&client, &mut state, &request, now()).await;
    app.ledger.set(state);
    let record = checked.map_err(|e| e.to_string())?;
    let grant = request.draft_grant();
    let permit = grant.scope.permit;
    let days = permit.period.map_or(90, |p| {
        ((p.end.saturating_sub(p.start)) / 86_400).max(1) as u32
    });
    Ok(Draft {
        org: Some((grant.grantee, record.name)),
        types: permit.resource_types,
        categories: permit.categories,
        labels: permit.labels,
        purposes: permit.purposes,
        days,
        request: grant.request,
    })
}
