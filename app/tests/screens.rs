//! Component tests: each screen rendered (dioxus-ssr) with test data, and
//! assertions on what a person would see. No window, no browser, no ledger
//! (the ledger settings are empty, so the screens say they cannot check).

use assent_app::model::{Keeper, Records, WalletMeta};
use assent_app::platform::MemoryStorage;
use assent_app::state::AppState;
use assent_app::Route;
use assent_core::audit::{AuditedAccess, Flags};
use assent_core::codes::{AccessMode, Action, OrgKind, Purpose, ResourceType};
use assent_core::ids::{GrantId, IdentityId, OrgId};
use assent_core::keys::MnemonicPhrase;
use assent_core::policy::{Decision, DenyReason};
use assent_core::scope::{Period, Provision, Scope};
use assent_core::state::OrgRecord;
use assent_core::tx::{AccessGround, Body, Grant, Kind, RecordAccess, SignedTx};
use assent_core::wallet::WalletSecret;
use dioxus::prelude::*;
use rand_core::OsRng;
use std::cell::RefCell;
use std::rc::Rc;

const ORIGIN: &str = "local.assent.example";
const NOW: u64 = 1_790_000_000;
const CLINIC: OrgId = OrgId([7; 32]);

type Setup = Box<dyn FnOnce(&mut AppState)>;

thread_local! {
    static SETUP: RefCell<Option<Setup>> = RefCell::new(None);
    static PATH: RefCell<String> = RefCell::new("/".into());
    /// The storage the next harness loads from (a fresh one when unset).
    static STORE: RefCell<Option<Rc<MemoryStorage>>> = const { RefCell::new(None) };
}

/// Provides the state (with the fixture applied) and the router at PATH.
#[component]
fn Harness() -> Element {
    use_context_provider(|| {
        let store = STORE.with(|s| s.borrow_mut().take()).unwrap_or_default();
        let mut app = AppState::load(store, Default::default());
        if let Some(setup) = SETUP.with(|s| s.borrow_mut().take()) {
            setup(&mut app);
        }
        app
    });
    use_hook(|| {
        let path = PATH.with(|p| p.borrow().clone());
        dioxus::history::provide_history_context(Rc::new(
            dioxus::history::MemoryHistory::with_initial_path(path),
        ));
    });
    rsx! { Router::<Route> {} }
}

fn render(route: Route, setup: impl FnOnce(&mut AppState) + 'static) -> String {
    SETUP.with(|s| *s.borrow_mut() = Some(Box::new(setup)));
    PATH.with(|p| *p.borrow_mut() = route.to_string());
    let mut dom = VirtualDom::new(Harness);
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

fn wallet() -> WalletSecret {
    WalletSecret::new(MnemonicPhrase::generate(&mut OsRng), None)
}

fn grant(wallet: &WalletSecret, purposes: &[Purpose], end: u64) -> SignedTx {
    let key = wallet.signing_key(wallet.identities()[0]).unwrap();
    let scope = Scope {
        permit: Provision {
            resource_types: [ResourceType::ALL[0]].into_iter().collect(),
            actions: [Action::Access].into_iter().collect(),
            purposes: purposes.iter().copied().collect(),
            period: Some(Period {
                start: NOW - 100,
                end,
            }),
            ..Provision::default()
        },
        deny: Vec::new(),
    };
    let kind = Kind::Grant(Grant {
        grantee: CLINIC,
        scope,
        patient: None,
        via: None,
        request: None,
    });
    SignedTx::sign(&Body::new(NOW - 100, [1; 8], kind), &key, ORIGIN)
}

/// A wallet that is open, with `records`.
fn opened(wallet: WalletSecret, records: Records) -> impl FnOnce(&mut AppState) {
    move |app: &mut AppState| {
        app.meta.set(Some(WalletMeta {
            wallet_id: "00".repeat(16),
            public_key: wallet.primary_public_key().to_string(),
            keeper: Keeper::Vault,
        }));
        app.wallet.set(Some(Rc::new(wallet)));
        app.records.set(records);
        app.view.write().directory.insert(
            CLINIC,
            OrgRecord {
                kind: OrgKind::Clinic,
                keys: Vec::new(),
                name: "Riverside Clinic".into(),
                endpoints: Vec::new(),
            },
        );
    }
}

use assent_core::codes::Code;

/// One access to `patient`'s records by the clinic at `at`, with `decision`.
fn judged(patient: IdentityId, index: u64, at: u64, decision: Decision) -> AuditedAccess {
    AuditedAccess {
        index,
        id: assent_core::ids::TxId([index as u8; 32]),
        recorded: at,
        access: RecordAccess {
            org: CLINIC,
            patient,
            ground: AccessGround::Grant(GrantId([1; 32])),
            resources: vec![(ResourceType::ALL[0], 1)],
            purpose: Purpose::Treat,
            accessed_at: at,
            basis: Some(5),
            mode: AccessMode::Person,
            actor: None,
        },
        decision,
        flags: Flags::default(),
        flagged: Default::default(),
        disputed: None,
        first_from_org: false,
    }
}

#[test]
fn a_new_install_starts_onboarding_with_create_and_restore() {
    let html = render(Route::Home {}, |_| {});
    assert!(html.contains("Create a new wallet"), "{html}");
    assert!(html.contains("Restore from my 24 words"));
    // No navigation before a wallet exists.
    assert!(!html.contains("Access history"));
}

#[test]
fn a_locked_vault_wallet_asks_for_its_passphrase() {
    let html = render(Route::Home {}, |app| {
        app.meta.set(Some(WalletMeta {
            wallet_id: "00".repeat(16),
            public_key: "x".into(),
            keeper: Keeper::Vault,
        }));
    });
    assert!(html.contains("Unlock your wallet"), "{html}");
    assert!(html.contains("encrypted vault"));
    assert!(
        html.contains(r#"for="unlock-pass""#),
        "the field is labelled"
    );
}

#[test]
fn home_shows_live_grants_as_cards_and_hides_expired_ones() {
    let w = wallet();
    let mut records = Records::default();
    let far = assent_app::platform::now() + 86_400 * 30;
    records.add_signed(&grant(&w, &[Purpose::Treat], far));
    records.add_signed(&grant(&w, &[Purpose::ALL[1]], NOW - 10));
    let html = render(Route::Home {}, opened(w, records));
    assert_eq!(
        html.matches(r#"data-testid="grant-card""#).count(),
        1,
        "{html}"
    );
    assert!(
        html.contains("Riverside Clinic"),
        "grantee name from the directory"
    );
    assert!(html.contains(Purpose::Treat.describe()));
    assert!(
        html.contains("not sent from this device"),
        "ledger status shown"
    );
    assert!(
        html.contains("Not checked with the ledger"),
        "an unreachable ledger is said: {html}"
    );
}

#[test]
fn home_raises_an_alert_for_an_access_no_grant_covers() {
    let w = wallet();
    let patient = IdentityId(w.primary_public_key());
    let setup = opened(w, Records::default());
    let html = render(Route::Home {}, move |app| {
        setup(app);
        app.view.write().accesses.push(judged(
            patient,
            12,
            NOW,
            Decision::Deny(DenyReason::NoGrant),
        ));
    });
    assert!(html.contains(r#"class="alert uncovered""#), "{html}");
    assert!(html.contains("Riverside Clinic"));
}

#[test]
fn grant_detail_shows_scope_in_words_a_qr_code_and_revoke() {
    let w = wallet();
    let g = grant(&w, &[Purpose::Treat], assent_app::platform::now() + 86_400);
    let id = g.id().to_string();
    let mut records = Records::default();
    records.add_signed(&g);
    let html = render(Route::GrantDetail { id }, opened(w, records));
    assert!(html.contains("Grant to Riverside Clinic"), "{html}");
    assert!(html.contains("May use:"), "scope in plain words");
    assert!(html.contains("<svg"), "QR drawn");
    assert!(html.contains("AS1:"), "QR text shown");
    assert!(html.contains("Revoke this grant"));
}

#[test]
fn the_wizard_leaves_sensitive_labels_off_and_explains_them() {
    let html = render(Route::Wizard {}, opened(wallet(), Records::default()));
    assert!(
        html.contains("Sensitive information (left out unless you include it)"),
        "{html}"
    );
    for label in assent_core::codes::SecurityLabel::ALL {
        assert!(html.contains(&format!("Include {}", label.describe())));
        // Each with its paragraph, tied to its checkbox.
        assert!(html.contains(assent_core::explain::label(*label)));
        let id = format!("help-security-label-{}", label.number());
        assert!(
            html.contains(&format!(r#"aria-describedby="{id}""#)),
            "{id}"
        );
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(html.contains("Which kinds of record (none ticked: every kind)"));
    assert!(html.contains("lab results"));
    // Purpose "treatment" is pre-ticked; no label is.
    let sensitive = html
        .split("Sensitive information")
        .nth(1)
        .unwrap()
        .split("What for")
        .next()
        .unwrap();
    assert!(
        !sensitive.contains("checked"),
        "labels start unticked: {sensitive}"
    );
    assert!(html.contains("Review"));
}

#[test]
fn history_marks_each_entry_verified_with_its_verdict() {
    let w = wallet();
    let patient = IdentityId(w.primary_public_key());
    let setup = opened(w, Records::default());
    let html = render(Route::History {}, move |app| {
        setup(app);
        let mut view = app.view.write();
        view.verified = 3;
        for (i, decision) in [
            Decision::Permit {
                grant: GrantId([1; 32]),
            },
            Decision::Deny(DenyReason::NoGrant),
        ]
        .into_iter()
        .enumerate()
        {
            view.accesses
                .push(judged(patient, i as u64, NOW + 86_400 * i as u64, decision));
        }
    });
    assert!(html.contains(r#"data-verdict="covered""#), "{html}");
    assert!(html.contains(r#"data-verdict="no_grant""#));
    assert_eq!(html.matches("✓ verified").count(), 2);
    assert!(
        html.contains(r#"data-testid="access-chart""#),
        "chart drawn"
    );
    assert!(html.contains("3 entries of your history verified"));
}

#[test]
fn history_shows_flags_notices_and_a_dispute_form_without_staff_details() {
    use assent_core::codes::{AlertReason, DisputeReason, EmergencyReason};
    let w = wallet();
    let patient = IdentityId(w.primary_public_key());
    let setup = opened(w, Records::default());
    let html = render(Route::History {}, move |app| {
        setup(app);
        let mut view = app.view.write();
        let mut first = judged(
            patient,
            4,
            NOW,
            Decision::Permit {
                grant: GrantId([1; 32]),
            },
        );
        first.first_from_org = true;
        first.flagged = [AlertReason::OutsideUsualPatients].into();
        let mut second = judged(
            patient,
            5,
            NOW + 3_600,
            Decision::EmergencyOverride {
                reason: EmergencyReason::Unconscious,
            },
        );
        second.disputed = Some(DisputeReason::NoEmergency);
        view.accesses.extend([first, second]);
    });
    assert!(
        html.contains("Riverside Clinic opened your record for the first time"),
        "{html}"
    );
    assert!(html.contains("used emergency access to your record"));
    assert!(html.contains(
        "Flagged for review by the consortium&#39;s monitor: it was outside the group of patients this person usually treats"
    ));
    assert!(html.contains("flagged"));
    // One dispute form: the second access is already disputed.
    assert_eq!(html.matches("Dispute this access").count(), 1);
    assert!(html.contains("You disputed it"));
    // No staff pseudonym, score or model reaches the patient.
    for word in ["score", "model", "actor", "pseudonym"] {
        assert!(!html.to_lowercase().contains(word), "{word} shown: {html}");
    }
}

#[test]
fn caregiving_shows_my_key_and_no_delegations_yet() {
    let w = wallet();
    let key = w.primary_public_key().to_string();
    let html = render(Route::Caregiving {}, opened(w, Records::default()));
    assert!(html.contains(&key), "{html}");
    assert!(html.contains("Nobody may act for you."));
    assert!(html.contains("No patient has delegated to you."));
}

/// A patient who rotated their key signs a delegation with the new key; the
/// caregiver's verified history names the patient (the delegation's leaf),
/// and that identity, not the signer, is shown and named in grants.
#[test]
fn a_caregiver_acts_for_the_patient_the_ledger_names_not_the_signing_key() {
    use assent_app::actions::grant_kind;
    use assent_core::tx::{Delegate, Powers};
    let caregiver = wallet();
    let mut patient = wallet();
    let first = patient.identities()[0];
    let patient_id = patient.identity_id(first);
    let rotated = patient.advance(first).unwrap();
    let scope = |end| match grant(&wallet(), &[Purpose::Treat], end).body().kind.clone() {
        Kind::Grant(g) => g.scope,
        _ => unreachable!(),
    };
    let delegation = patient
        .sign(
            rotated,
            Body::new(
                NOW - 100,
                [2; 8],
                Kind::Delegate(Delegate {
                    caregiver: caregiver.identity_id(caregiver.identities()[0]),
                    powers: Powers {
                        grant: true,
                        revoke: true,
                        history: false,
                    },
                    max_scope: scope(NOW + 86_400),
                    period: Period {
                        start: NOW - 100,
                        end: NOW + 86_400,
                    },
                }),
            ),
            ORIGIN,
        )
        .unwrap();
    assert_ne!(IdentityId(delegation.signer()), patient_id);
    let mut records = Records::default();
    records.add_received(&delegation);
    let d = delegation.clone();
    let html = render(Route::Caregiving {}, move |app: &mut AppState| {
        opened(caregiver, records)(app);
        app.view.write().delegators.insert(d.id(), patient_id);
        app.acting_for.set(Some(d.id()));
    });
    let shown = patient_id.key().fingerprint().to_string();
    let signer = delegation.signer().fingerprint().to_string();
    assert!(
        html.contains(&format!("Acting for patient {shown}")),
        "{html}"
    );
    assert!(html.contains(&format!("Patient {shown}")), "{html}");
    assert!(!html.contains(&signer), "{html}");

    // The grant names the patient's identity and the delegation.
    let Kind::Grant(g) = grant_kind(
        CLINIC,
        scope(NOW + 60),
        None,
        Some((&delegation, patient_id)),
    ) else {
        unreachable!()
    };
    assert_eq!(g.patient, Some(patient_id));
    assert_eq!(g.via.map(|v| v.0), Some(delegation.id().0));
}

/// A delegation the patient gave can be shared again at any time (after key
/// sync signs it anew, its code changes).
#[test]
fn a_given_delegation_offers_its_code_to_share_again() {
    use assent_app::actions::delegate_kind;
    use assent_core::tx::Powers;
    let patient = wallet();
    let caregiver = wallet();
    let scope = match grant(&patient, &[Purpose::Treat], NOW + 86_400)
        .body()
        .kind
        .clone()
    {
        Kind::Grant(g) => g.scope,
        _ => unreachable!(),
    };
    let kind = delegate_kind(
        caregiver.primary_public_key(),
        Powers {
            grant: true,
            revoke: false,
            history: false,
        },
        scope,
        Period {
            start: NOW - 100,
            end: NOW + 86_400,
        },
    );
    let delegation = patient
        .sign(
            patient.identities()[0],
            Body::new(NOW - 100, [3; 8], kind),
            ORIGIN,
        )
        .unwrap();
    let mut records = Records::default();
    records.add_signed(&delegation);
    let html = render(Route::Caregiving {}, opened(patient, records));
    assert!(html.contains("The code to give this caregiver"), "{html}");
    let code = data_encoding::BASE64.encode(delegation.bytes());
    assert!(
        html.contains(&code),
        "the delegation's own bytes are offered"
    );
}

#[test]
fn clinic_mode_needs_no_wallet_and_offers_image_and_text() {
    let html = render(Route::Clinic {}, |_| {});
    assert!(html.contains("Clinic: verify a grant"), "{html}");
    assert!(html.contains(r#"type="file""#));
    assert!(html.contains("starts with AS1:"));
    assert!(html.contains("Scan with the camera"));
}

/// What the harness saw of a damaged ledger memory: the refusal to sign, the
/// file after a save was asked for, then the same after setting it aside.
type DamageSeen = (Result<(), String>, Option<String>, String, Option<String>);

thread_local! {
    static DAMAGE: RefCell<Option<DamageSeen>> = const { RefCell::new(None) };
}

#[test]
fn a_damaged_ledger_memory_is_kept_and_blocks_the_ledger_until_set_aside() {
    use assent_app::actions;
    use assent_app::model::keys;
    use assent_app::platform::Storage;
    use assent_app::state::Persist;
    let store = Rc::new(MemoryStorage::default());
    let damaged = r#"{"checkpoint": {"size": 12, "#;
    store.put(keys::LEDGER, damaged).unwrap();
    STORE.with(|s| *s.borrow_mut() = Some(store.clone()));
    let w = wallet();
    let html = render(Route::Home {}, move |app: &mut AppState| {
        opened(w, Records::default())(app);
        let g = grant(
            &app.wallet.read().clone().unwrap(),
            &[Purpose::Treat],
            NOW + 9_000,
        );
        let signed = actions::sign_and_queue(app, g.body().kind.clone()).map(|_| ());
        app.persist(Persist::Ledger);
        let after_save = app.store.get(keys::LEDGER);
        let kept = app.set_aside(keys::LEDGER).unwrap();
        let usable = app.ledger_usable();
        let copy = app.store.get(&kept);
        assert_eq!(usable, Ok(()));
        // Saved at once: a relaunch finds a fresh memory, not the damage.
        assert!(app.store.get(keys::LEDGER).unwrap().contains("outbox"));
        DAMAGE.with(|d| *d.borrow_mut() = Some((signed, after_save, kept, copy)));
    });
    let (signed, after_save, kept, copy) = DAMAGE.with(|d| d.borrow_mut().take()).unwrap();
    let refusal = signed.unwrap_err();
    assert!(refusal.contains("ledger.json is damaged"), "{refusal}");
    assert_eq!(after_save.as_deref(), Some(damaged), "never saved over");
    assert!(kept.starts_with("ledger.json.damaged-"), "{kept}");
    assert_eq!(copy.as_deref(), Some(damaged), "the evidence is kept");
    // Before setting aside, a fresh render says so on the home screen.
    store.put(keys::LEDGER, damaged).unwrap();
    STORE.with(|s| *s.borrow_mut() = Some(store));
    let before = render(Route::Home {}, |_| {});
    assert!(before.contains("ledger.json is damaged"), "{before}");
    assert!(before.contains("Set ledger.json aside and start afresh"));
    assert!(before.contains("moved back or forked"));
    // The save that was refused and the setting aside are both told.
    assert!(html.contains("ledger.json was not saved"), "{html}");
    assert!(html.contains("ledger.json was set aside (kept as ledger.json.damaged-"));
    assert!(!html.contains("ledger.json is damaged"));
}

#[test]
fn settings_refuse_to_show_words_without_reconfirming() {
    let w = wallet();
    let first_word = w.mnemonic().words()[0].to_string();
    let html = render(Route::SettingsScreen {}, opened(w, Records::default()));
    assert!(
        html.contains("Your vault passphrase, to see your 24 words"),
        "{html}"
    );
    assert!(!html.contains(&format!(">{first_word} ")), "words hidden");
    assert!(html.contains("no trust policy is set"));
}

thread_local! {
    static RECONFIRMED: RefCell<Vec<Result<(), String>>> = const { RefCell::new(Vec::new()) };
}

/// The words are shown only to someone who can open the vault again.
#[test]
fn showing_the_words_takes_the_vault_passphrase() {
    use assent_app::actions;
    use assent_app::platform::SecretHome;
    render(Route::SettingsScreen {}, |app: &mut AppState| {
        let home = SecretHome::Vault { why: "test".into() };
        let words = MnemonicPhrase::generate(&mut OsRng);
        actions::keep_wallet(app, words, &home, Some("a long passphrase".into())).unwrap();
        let tries = [None, Some("not the passphrase"), Some("a long passphrase")]
            .map(|p| actions::reconfirm(app, p.map(str::to_owned)));
        RECONFIRMED.with(|r| *r.borrow_mut() = tries.to_vec());
    });
    let tries = RECONFIRMED.with(|r| r.borrow().clone());
    assert_eq!(tries[0], Err("enter your vault passphrase".into()));
    assert!(
        tries[1].as_ref().unwrap_err().contains("does not open"),
        "{tries:?}"
    );
    assert_eq!(tries[2], Ok(()));
}

/// What the rotation inside the harness left: its outcome, the outbox's
/// kinds, whether the grant signed before is still recorded as it was, the
/// vault's generation.
type Rotated = (Result<String, String>, Vec<String>, bool, u32);

thread_local! {
    static ROTATED: RefCell<Option<Rotated>> = const { RefCell::new(None) };
}

#[test]
fn settings_rotate_the_key_behind_what_waits_and_reseal_the_vault() {
    use assent_app::actions;
    use assent_app::platform::SecretHome;
    let html = render(Route::SettingsScreen {}, |app: &mut AppState| {
        let home = SecretHome::Vault { why: "test".into() };
        let words = MnemonicPhrase::generate(&mut OsRng);
        actions::keep_wallet(app, words, &home, Some("a long passphrase".into())).unwrap();
        let w = app.wallet.read().clone().unwrap();
        let queued = actions::sign_and_queue(
            app,
            grant(&w, &[Purpose::Treat], NOW + 9_000)
                .body()
                .kind
                .clone(),
        )
        .unwrap();
        assert!(actions::rotate_key(app, Some("the wrong one".into())).is_err());
        assert_eq!(
            app.wallet.read().as_ref().unwrap().identities()[0]
                .generation
                .0,
            0,
            "nothing changed"
        );
        let outcome = actions::rotate_key(app, Some("a long passphrase".into()));
        let kinds = app
            .ledger
            .read()
            .outbox
            .items()
            .iter()
            .map(|o| o.kind.clone())
            .collect();
        // The grant handed out before stays as it was signed.
        let still_old = app.records.read().signed.iter().any(|t| {
            assent_core::ids::TxId::of(&data_encoding::BASE64.decode(t.as_bytes()).unwrap())
                == queued.id()
        });
        // The vault, opened afresh, is at the new generation.
        app.wallet.set(None);
        actions::unlock(app, Some("a long passphrase".into())).unwrap();
        let generation = app.wallet.read().as_ref().unwrap().identities()[0]
            .generation
            .0;
        ROTATED.with(|r| *r.borrow_mut() = Some((outcome, kinds, still_old, generation)));
    });
    let (outcome, kinds, still_old, generation) = ROTATED.with(|r| r.borrow_mut().take()).unwrap();
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(kinds, ["Enroll", "Grant", "RotateKey"]);
    assert!(still_old);
    assert_eq!(generation, 1);
    assert!(html.contains("It signs with key number 2"), "{html}");
    assert!(html.contains("Rotate my key…"));
}
