//! One grant as a card: who, what, why, until when, and its status.

use crate::model::MyGrant;
use crate::Route;
use assent_core::codes::Code;
use assent_core::explain;
use dioxus::prelude::*;

/// What a grant's permit names, in short words: (what, why).
pub fn what_and_why(g: &MyGrant) -> (String, String) {
    let permit = &g.grant.scope.permit;
    let what = if permit.resource_types.is_empty() && permit.categories.is_empty() {
        "All your records".to_string()
    } else {
        permit
            .resource_types
            .iter()
            .map(|t| t.describe().to_string())
            .chain(permit.categories.iter().map(|c| c.describe().to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let why = permit
        .purposes
        .iter()
        .map(|p| p.describe())
        .collect::<Vec<_>>()
        .join(", ");
    (what, why)
}

/// A grant card linking to its detail.
#[component]
pub fn GrantCard(
    grantee: String,
    what: String,
    why: String,
    until: String,
    id: String,
    status: String,
) -> Element {
    rsx! {
        article { class: "card grant", "data-testid": "grant-card",
            h3 { "{grantee}" }
            dl {
                dt { "What" } dd { "{what}" }
                dt { "Why" } dd { "{why}" }
                dt { "Until" } dd { "{until}" }
                dt { "Ledger" } dd { "{status}" }
            }
            Link { to: Route::GrantDetail { id: id.clone() }, aria_label: "Open the grant to {grantee}", "Open" }
        }
    }
}

/// The end of a grant's period in words.
pub fn until(g: &MyGrant) -> String {
    g.grant
        .scope
        .permit
        .period
        .map_or_else(|| "no end date".into(), |p| explain::date(p.end))
}
