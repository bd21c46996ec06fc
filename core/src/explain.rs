//! Transactions and scopes in plain words, for people (CLI, app, clinic).
//! Codes become words from the code tables; keys become fingerprints.

use crate::codes::Code;
use crate::ids::IdentityId;
use crate::scope::{Period, Provision, Scope};
use crate::tx::{AccessGround, GovAction, Kind, SignedTx};
use std::collections::BTreeSet;

fn list<C: Code>(set: &BTreeSet<C>) -> String {
    let words: Vec<&str> = set.iter().map(|c| c.describe()).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Records read, in words: `2 records of test results and measurements,
/// 1 record of allergies`.
///
/// ```
/// use assent_core::codes::ResourceType;
/// assert_eq!(
///     assent_core::explain::resources(&[(ResourceType::Observation, 2)]),
///     "2 records of test results and measurements"
/// );
/// ```
pub fn resources(read: &[(crate::codes::ResourceType, u32)]) -> String {
    read.iter()
        .map(|(t, n)| {
            let noun = if *n == 1 { "record" } else { "records" };
            format!("{n} {noun} of {}", t.describe())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A date in words (`2026-09-21 14:13 UTC`).
pub fn date(t: u64) -> String {
    let iso = crate::fhir::export_iso(t);
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

fn period(p: &Period) -> String {
    format!("from {} until {}", date(p.start), date(p.end))
}

fn who(id: &IdentityId) -> String {
    format!("identity {}", id.key().fingerprint())
}

/// What a provision names, as one phrase.
fn provision_phrase(p: &Provision, any_data: &str) -> String {
    let mut parts = Vec::new();
    parts.push(if p.resource_types.is_empty() {
        any_data.to_string()
    } else {
        list(&p.resource_types)
    });
    if !p.categories.is_empty() {
        parts.push(format!("in the categories {}", list(&p.categories)));
    }
    if !p.labels.is_empty() {
        parts.push(format!("marked as {}", list(&p.labels)));
    }
    if !p.actions.is_empty() {
        parts.push(format!("to {}", list(&p.actions)));
    }
    if !p.purposes.is_empty() {
        parts.push(format!("for {}", list(&p.purposes)));
    }
    if let Some(pp) = &p.period {
        parts.push(period(pp));
    }
    parts.join(" ")
}

/// What a sensitive label covers and why it is kept apart, in plain words:
/// what the wizard shows beside each label before a patient includes it.
///
/// ```
/// use assent_core::codes::SecurityLabel;
/// assert!(assent_core::explain::label(SecurityLabel::Psy).contains("therapy"));
/// ```
pub fn label(label: crate::codes::SecurityLabel) -> &'static str {
    use crate::codes::SecurityLabel as L;
    match label {
        L::Psy => {
            "Mental health: notes from psychiatrists, psychologists and therapy sessions, \
             and diagnoses such as depression or anxiety. Include it only if this \
             organisation treats or supports your mental health."
        }
        L::Eth => {
            "Substance use: treatment for alcohol or drug use, and test results that show it. \
             In many countries this has stronger legal protection than other records."
        }
        L::Hiv => {
            "HIV status: HIV tests, results and treatment. Include it when this organisation \
             needs it to treat you safely, for example before surgery or prescribing."
        }
        L::Gdis => {
            "Genetic information: genetic tests and what they show about you and, often, \
             about your relatives too."
        }
        L::Sdv => {
            "Sexual and domestic violence: records of assault or abuse, and the care you \
             received for it. Someone who shares your home may work where this is seen."
        }
        L::Sex => {
            "Sexual and reproductive health: contraception, pregnancy, fertility and sexual \
             health clinic visits."
        }
    }
}

/// A scope in plain words: what is allowed, what sensitive data is left
/// out, and the exceptions.
pub fn scope(s: &Scope) -> Vec<String> {
    let mut lines = vec![format!(
        "May use: {}.",
        provision_phrase(&s.permit, "all your records")
    )];
    let left_out: BTreeSet<_> = crate::codes::SecurityLabel::ALL
        .iter()
        .copied()
        .filter(|l| !s.permit.labels.contains(l))
        .collect();
    if !left_out.is_empty() {
        lines.push(format!("Not included (sensitive): {}.", list(&left_out)));
    }
    for d in &s.deny {
        lines.push(format!("Except: {}.", provision_phrase(d, "any records")));
    }
    lines
}

/// A transaction in plain words, one line per fact.
pub fn transaction(tx: &SignedTx) -> Vec<String> {
    let signer = format!("key {}", tx.signer().fingerprint());
    let mut lines = vec![format!(
        "{} signed by {signer} on {}.",
        tx.body().kind.name(),
        date(tx.body().created)
    )];
    match &tx.body().kind {
        Kind::Enroll(_) => lines.push("Starts a new identity and commits to its next key.".into()),
        Kind::RotateKey(r) => lines.push(format!(
            "Moves {} to its next key {}.",
            who(&r.identity),
            r.new_key.fingerprint()
        )),
        Kind::Grant(g) => {
            lines.push(format!("Gives organisation {} access.", g.grantee));
            if let Some(p) = &g.patient {
                lines.push(format!("For the patient {}.", who(p)));
            }
            if let Some(d) = &g.via {
                lines.push(format!("Signed by a caregiver under delegation {d}."));
            }
            lines.extend(scope(&g.scope));
        }
        Kind::Revoke(r) => {
            lines.push(format!("Ends grant {}.", r.grant));
            if r.embedded_grant.is_some() {
                lines.push("Carries the grant itself, so it works even if the grant never reached the ledger.".into());
            }
        }
        Kind::Delegate(d) => {
            let mut powers = Vec::new();
            if d.powers.grant {
                powers.push("give access");
            }
            if d.powers.revoke {
                powers.push("end access");
            }
            if d.powers.history {
                powers.push("see the access history");
            }
            lines.push(format!(
                "Lets caregiver {} {} for the patient, {}.",
                who(&d.caregiver),
                powers.join(", "),
                period(&d.period)
            ));
            lines.extend(
                scope(&d.max_scope)
                    .into_iter()
                    .map(|l| format!("At most — {l}")),
            );
        }
        Kind::RevokeDelegation(r) => lines.push(format!(
            "Ends delegation {}{}.",
            r.delegation,
            if r.cascade {
                " and the grants made under it"
            } else {
                "; grants made under it stay"
            }
        )),
        Kind::RecordAccess(a) => {
            lines.push(format!(
                "Organisation {} read {} of {} on {}, for {}.",
                a.org,
                resources(&a.resources),
                who(&a.patient),
                date(a.accessed_at),
                a.purpose.describe()
            ));
            lines.push(match a.ground {
                AccessGround::Grant(g) => format!("Under grant {g}."),
                AccessGround::Emergency(r) => {
                    format!("Emergency access without a grant: {}.", r.describe())
                }
            });
        }
        Kind::Propose(p) => {
            lines.push(match &p.action {
                GovAction::RegisterOrg { kind, name, .. } => {
                    format!("Proposes to register {name:?} as a {}.", kind.describe())
                }
                GovAction::RegisterMonitor { key, operator } => format!(
                    "Proposes a monitor with key {}, run by organisation {operator}.",
                    key.fingerprint()
                ),
                GovAction::SuspendOrg(s) => format!(
                    "Proposes to suspend organisation {}'s access for {} for {} hours (never emergency care).",
                    s.org,
                    list(&s.purposes.iter().copied().collect()),
                    s.hours
                ),
                GovAction::ReinstateOrg { suspension } => {
                    format!("Proposes to end the suspension of proposal {suspension}.")
                }
            });
            lines.push(format!("Open until {}.", date(p.expires)));
        }
        Kind::Approve(a) => lines.push(format!("Approves proposal {}.", a.proposal)),
        Kind::RegisterModel(r) => lines.push(format!(
            "Registers a detection model ({}, trained on entries {} to {}).",
            r.code_version, r.window.0, r.window.1
        )),
        Kind::ActivateModel(a) => {
            lines.push(format!("Makes model {} the one its alerts use.", a.model))
        }
        Kind::MonitoringAlert(a) => {
            lines.push(format!(
                "Flags {} access(es) by organisation {} for review.",
                a.accesses.len(),
                a.org
            ));
            let reasons: Vec<&str> = a.reasons.iter().map(|r| r.describe()).collect();
            lines.push(format!("Why: {}.", reasons.join("; ")));
        }
        Kind::DisputeAccess(d) => lines.push(format!(
            "The patient disputes access {}: {}.",
            d.access,
            d.reason.describe()
        )),
    }
    lines
}
