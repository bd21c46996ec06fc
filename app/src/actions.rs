//! What the screens ask for: each action reads the state, calls
//! `assent-core` (rules, signing, the ledger client), and writes back the
//! result. No rule is decided here.

use crate::model::{keys, CheckpointSummary, Keeper, WalletMeta};
use crate::platform::{now, SecretHome};
use crate::state::{AppState, Persist};
use assent_core::audit::audit;
use assent_core::client::round;
use assent_core::client::sync;
use assent_core::clinic::{self, Verdict};
use assent_core::ids::{DelegationId, GrantId, IdentityId, OrgId};
use assent_core::keys::{MnemonicPhrase, PublicKey};
use assent_core::keystore::{OsKeystore, SecretStore};
use assent_core::qr::GrantCode;
use assent_core::scope::{Period, Scope};
use assent_core::tx::{Body, Delegate, Grant, Kind, Powers, Revoke, RevokeDelegation, SignedTx};
use assent_core::vault::{self, KdfParams, Passphrase};
use assent_core::wallet::{WalletId, WalletSecret};
use data_encoding::BASE64;
use dioxus::prelude::*;
use rand_core::{OsRng, RngCore};
use std::rc::Rc;

fn nonce() -> [u8; 8] {
    let mut n = [0u8; 8];
    OsRng.fill_bytes(&mut n);
    n
}

/// Keeps a new wallet's secret (keystore, or a vault under `passphrase`),
/// records its public description and unlocks it.
///
/// # Errors
/// A plain message; nothing is stored on error.
pub fn keep_wallet(
    app: &mut AppState,
    mnemonic: MnemonicPhrase,
    home: &SecretHome,
    passphrase: Option<String>,
) -> Result<(), String> {
    if let Some(why) = app.damaged.read().get(keys::WALLET) {
        return Err(format!(
            "{} is damaged ({why}): set it aside first, so no other wallet's entry is lost",
            keys::WALLET
        ));
    }
    let secret = WalletSecret::new(mnemonic, None);
    let wallet_id = WalletId::generate(&mut OsRng);
    let keeper = match home {
        SecretHome::Keystore { .. } => {
            let store = OsKeystore::open().map_err(|e| e.to_string())?;
            store
                .create(&wallet_id, &secret)
                .map_err(|e| e.to_string())?;
            Keeper::Keystore {
                name: store.name().into(),
            }
        }
        SecretHome::Vault { .. } => {
            let passphrase = passphrase.ok_or("choose a passphrase for the vault")?;
            app.store
                .put(keys::VAULT, &sealed_text(&secret, passphrase)?)?;
            Keeper::Vault
        }
    };
    app.meta.set(Some(WalletMeta {
        wallet_id: wallet_id.to_string(),
        public_key: secret.primary_public_key().to_string(),
        keeper,
    }));
    app.persist(Persist::Meta);
    app.wallet.set(Some(Rc::new(secret)));
    Ok(())
}

/// Opens the wallet's secret from its keeper (`passphrase` for a vault).
///
/// # Errors
/// A plain message: wrong passphrase, keystore unavailable, or a secret that
/// does not match the wallet's public key.
pub fn unlock(app: &mut AppState, passphrase: Option<String>) -> Result<(), String> {
    let secret = kept_secret(app, passphrase)?;
    app.wallet.set(Some(Rc::new(secret)));
    Ok(())
}

/// The keystore account `meta` names.
fn wallet_id(meta: &WalletMeta) -> Result<WalletId, assent_core::keystore::KeystoreError> {
    meta.wallet_id
        .parse()
        .map_err(assent_core::keystore::KeystoreError::Item)
}

/// Opens the vault this app keeps with `passphrase`.
fn open_vault(app: &AppState, passphrase: String) -> Result<WalletSecret, String> {
    let text = app.store.get(keys::VAULT).ok_or("the vault is missing")?;
    let bytes = BASE64
        .decode(text.trim().as_bytes())
        .map_err(|_| "the vault is damaged")?;
    vault::open_wallet(&bytes, &Passphrase::new(passphrase)).map_err(|e| match e {
        vault::VaultError::DecryptionFailed => "that passphrase does not open this vault".into(),
        other => other.to_string(),
    })
}

/// Rotates the wallet's key (PROTOCOL §1): core signs the `RotateKey` and
/// queues it behind what was signed before; the advanced secret goes back to
/// its keeper (a vault is sealed again under `passphrase`, which must open
/// it), then the outbox is saved. The next [`sync_round`] sends it. Returns
/// the new key's fingerprint.
///
/// # Errors
/// A plain message; nothing changed.
pub fn rotate_key(app: &mut AppState, passphrase: Option<String>) -> Result<String, String> {
    app.ledger_usable()?;
    let wallet = app.wallet.read().clone().ok_or("unlock the wallet first")?;
    let meta = app.meta.read().clone().ok_or("there is no wallet yet")?;
    let origin = app.origin();
    let mut advanced = WalletSecret::from_item(&wallet.to_item()).map_err(|e| e.to_string())?;
    let mut state = app.ledger.read().clone();
    let _ = round::queue_enroll(&mut state, &wallet, &origin, now(), nonce());
    let rotation = assent_core::rotation::rotate(
        &mut advanced,
        wallet.identities()[0],
        &mut state.outbox,
        &origin,
        now(),
        nonce(),
    )
    .map_err(|e| e.to_string())?;
    match &meta.keeper {
        Keeper::Keystore { .. } => OsKeystore::open()
            .and_then(|s| s.update(&wallet_id(&meta)?, &advanced))
            .map_err(|e| e.to_string())?,
        Keeper::Vault => {
            let passphrase = passphrase.ok_or("enter your vault passphrase")?;
            // The passphrase must open the vault being replaced.
            open_vault(app, passphrase.clone())?;
            app.store
                .put(keys::VAULT, &sealed_text(&advanced, passphrase)?)?;
        }
    }
    app.ledger.set(state);
    app.persist(Persist::Ledger);
    let fingerprint = advanced
        .signing_key(rotation.identity)
        .map_err(|e| e.to_string())?
        .public_key()
        .fingerprint()
        .to_string();
    app.wallet.set(Some(Rc::new(advanced)));
    Ok(fingerprint)
}

/// Re-confirms the person before the recovery words are shown: the vault's
/// passphrase must open the vault, or the OS keystore must hand the secret
/// over again (where the system may ask them to confirm); either way the
/// secret must be this wallet's.
///
/// # Errors
/// A plain message; nothing is shown.
pub fn reconfirm(app: &AppState, passphrase: Option<String>) -> Result<(), String> {
    kept_secret(app, passphrase).map(drop)
}

/// The wallet's secret from its keeper (`passphrase` for a vault), checked
/// to be this wallet's.
fn kept_secret(app: &AppState, passphrase: Option<String>) -> Result<WalletSecret, String> {
    let meta = app.meta.read().clone().ok_or("there is no wallet yet")?;
    let secret = match &meta.keeper {
        Keeper::Keystore { .. } => OsKeystore::open()
            .and_then(|s| s.load(&wallet_id(&meta)?))
            .map_err(|e| e.to_string())?,
        Keeper::Vault => open_vault(app, passphrase.ok_or("enter your vault passphrase")?)?,
    };
    if secret.primary_public_key().to_string() != meta.public_key {
        return Err("the stored secret belongs to another wallet".into());
    }
    Ok(secret)
}

/// An encrypted backup of the unlocked wallet under `passphrase` (the vault
/// format), base64.
///
/// # Errors
/// A plain message.
pub fn backup(app: &AppState, passphrase: String) -> Result<String, String> {
    let wallet = app.wallet.read().clone().ok_or("unlock the wallet first")?;
    sealed_text(&wallet, passphrase)
}

/// The wallet sealed in the vault format under `passphrase`, as base64 text
/// (the web keeps it in `localStorage`; a backup is the same bytes).
fn sealed_text(secret: &WalletSecret, passphrase: String) -> Result<String, String> {
    let sealed = vault::seal_wallet(
        secret,
        &Passphrase::new(passphrase),
        KdfParams::DEFAULT,
        &mut OsRng,
    )
    .map_err(|e| e.to_string())?;
    Ok(BASE64.encode(&sealed))
}

/// One round with the ledger: enroll on first contact, refresh, send,
/// verify the history with progress, follow receipts; then audit every
/// access with core's policy engine and prove the names shown.
pub async fn sync_round(mut app: AppState) {
    let Some(wallet) = app.wallet.read().clone() else {
        return;
    };
    if let Err(e) = app.ledger_usable() {
        app.view.write().offline = Some(e);
        return;
    }
    let client = match app.settings.read().client() {
        Ok(c) => c,
        Err(e) => {
            app.view.write().offline = Some(e);
            return;
        }
    };
    let origin = client.policy().origin.clone();
    let Ok(mut secret) = WalletSecret::from_item(&wallet.to_item()) else {
        return;
    };
    let identity = IdentityId(wallet.primary_public_key());
    {
        let mut view = app.view.write();
        view.busy = true;
        view.progress = None;
    }
    let mut state = app.ledger.read().clone();
    let _ = round::queue_enroll(&mut state, &wallet, &origin, now(), nonce());
    let mut view_signal = app.view;
    let mut progress = move |done: u64, total: u64| {
        view_signal.write().progress = Some((done, total));
    };
    let result = round::round(
        &client,
        &mut state,
        &mut secret,
        now(),
        &mut nonce,
        &mut progress,
    )
    .await;
    let outcome = match result {
        Ok(done) => {
            follow_key(&mut app, secret, &done);
            let entries = sync::stored_entries(&state, &identity, &origin).unwrap_or_default();
            let mut orgs = round::named_orgs(&entries);
            orgs.extend(
                app.records
                    .read()
                    .grants(&origin)
                    .iter()
                    .map(|g| g.grant.grantee),
            );
            match round::proven_directory(&client, done.checkpoint.checkpoint(), orgs).await {
                Ok(directory) => {
                    let kinds: Vec<_> = directory.iter().map(|(id, o)| (*id, o.kind)).collect();
                    let accesses = audit(&identity, &entries, kinds, client.policy().max_view_age);
                    let cp = done.checkpoint.checkpoint();
                    let mut view = app.view.write();
                    view.checkpoint = Some(CheckpointSummary {
                        size: cp.size,
                        cosigned: done.checkpoint.cosigned_by().len(),
                        validators: client.policy().validators.len(),
                        needed: done.checkpoint.threshold(),
                        at: done.checkpoint.quorum_time(),
                    });
                    view.delegators = app
                        .records
                        .read()
                        .delegations_received(&origin)
                        .iter()
                        .filter_map(|(tx, _)| {
                            assent_core::history::delegating_patient(&entries, &tx.id(), &identity)
                                .map(|p| (tx.id(), p))
                        })
                        .collect();
                    view.verified = entries.len();
                    view.accesses = accesses;
                    view.directory = directory;
                    view.overdue = done.overdue;
                    view.offline = None;
                    view.lie = None;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    if let Err(e) = outcome {
        let mut view = app.view.write();
        if e.caught_lying() {
            view.lie = Some(e.to_string());
        } else {
            view.offline = Some(e.to_string());
        }
    }
    // Keep whatever was learned, evidence of a lie included.
    app.ledger.set(state);
    app.persist(Persist::Ledger);
    let mut view = app.view.write();
    view.busy = false;
    view.progress = None;
}

/// Takes on what a round learned of the wallet's key: the generation its
/// verified chain shows (kept by the keystore; a vault keeps the old one and
/// each round, which compares the chain's key with the wallet's, finds the
/// move again, as sealing needs the passphrase), and
/// the transactions signed again in place of refused ones.
fn follow_key(app: &mut AppState, secret: WalletSecret, done: &round::Round) {
    if !done.resigned.is_empty() {
        let mut records = app.records.write();
        for r in &done.resigned {
            records.replace_signed(&r.old, &r.new);
        }
        drop(records);
        app.persist(Persist::Records);
    }
    // Every notice of the round, one after another.
    let mut notices = Vec::new();
    if let Some(moved) = done.moved {
        let mut notice = format!(
            "The ledger shows your identity signing with key number {} (a rotation made on \
             another device, or one the ledger refused); this device now uses it.",
            moved.generation.0 + 1
        );
        let meta = app.meta.read().clone();
        if let Some(meta) = meta.filter(|m| matches!(m.keeper, Keeper::Keystore { .. })) {
            if let Err(e) = OsKeystore::open().and_then(|s| s.update(&wallet_id(&meta)?, &secret)) {
                notice.push_str(&format!(" It could not be saved in the keystore ({e})."));
            }
        }
        notices.push(notice);
        app.wallet.set(Some(Rc::new(secret)));
    }
    // A delegation signed again has a new id: the caregiver needs the new one.
    let resigned_delegations: Vec<String> = done
        .resigned
        .iter()
        .filter_map(|r| match &r.new.body().kind {
            Kind::Delegate(d) => Some(d.caregiver.key().fingerprint().to_string()),
            _ => None,
        })
        .collect();
    if !resigned_delegations.is_empty() {
        notices.push(format!(
            "The ledger refused your delegation to caregiver {} because it was signed with \
             your old key; it was signed again with your current key. Give them the new code \
             from Caregiving: the old one no longer works.",
            resigned_delegations.join(", caregiver ")
        ));
    }
    if let Some(problem) = &done.key_problem {
        notices.push(format!(
            "Your key could not be kept in step with the ledger: {problem}"
        ));
    }
    if !notices.is_empty() {
        app.view.write().key_moved = Some(notices.join(" "));
    }
}

/// Fetches the organisations the ledger lists (for the wizard's search).
pub async fn load_listing(mut app: AppState) {
    let Ok(client) = app.settings.read().client() else {
        return;
    };
    match round::listed_orgs(&client).await {
        Ok(list) => app.view.write().listing = list,
        Err(e) => app.view.write().offline = Some(e.to_string()),
    }
}

/// Signs `kind` with the wallet's key, keeps it in the records and queues
/// it in the outbox (with the identity's `Enroll` on first contact); the
/// next [`sync_round`] sends it.
///
/// # Errors
/// A plain message when the wallet is locked.
pub fn sign_and_queue(app: &mut AppState, kind: Kind) -> Result<SignedTx, String> {
    app.ledger_usable()?;
    let wallet = app.wallet.read().clone().ok_or("unlock the wallet first")?;
    let origin = app.origin();
    let tx = wallet
        .sign(
            wallet.identities()[0],
            Body::new(now(), nonce(), kind),
            &origin,
        )
        .map_err(|e| e.to_string())?;
    app.records.write().add_signed(&tx);
    app.persist(Persist::Records);
    {
        let mut ledger = app.ledger.write();
        let _ = round::queue_enroll(&mut ledger, &wallet, &origin, now(), nonce());
        ledger.outbox.push(&tx, now());
    }
    app.persist(Persist::Ledger);
    Ok(tx)
}

/// The terms of a grant from the wizard, for the patient or (with a
/// delegation and the patient it came from, see
/// [`LedgerView::patient_of`](crate::model::LedgerView::patient_of)) for the
/// patient a caregiver acts for.
pub fn grant_kind(
    grantee: OrgId,
    scope: Scope,
    request: Option<[u8; 16]>,
    acting: Option<(&SignedTx, IdentityId)>,
) -> Kind {
    Kind::Grant(Grant {
        grantee,
        scope,
        patient: acting.map(|(_, patient)| patient),
        via: acting.map(|(d, _)| DelegationId(d.id().0)),
        request,
    })
}

/// A revocation of `grant`, carrying the grant's bytes while it may not be
/// on the ledger yet (PROTOCOL §3).
pub fn revoke_kind(grant: &SignedTx, included: bool) -> Kind {
    let (patient, via) = match &grant.body().kind {
        Kind::Grant(g) => (g.patient, g.via),
        _ => (None, None),
    };
    Kind::Revoke(Revoke {
        grant: GrantId(grant.id().0),
        patient,
        via,
        embedded_grant: (!included).then(|| grant.bytes().to_vec()),
    })
}

/// A delegation to `caregiver`.
pub fn delegate_kind(
    caregiver: PublicKey,
    powers: Powers,
    max_scope: Scope,
    period: Period,
) -> Kind {
    Kind::Delegate(Delegate {
        caregiver: IdentityId(caregiver),
        powers,
        max_scope,
        period,
    })
}

/// Ends a delegation and (as by default) the grants made under it.
pub fn revoke_delegation_kind(delegation: &SignedTx) -> Kind {
    Kind::RevokeDelegation(RevokeDelegation {
        delegation: DelegationId(delegation.id().0),
        cascade: true,
    })
}

/// What a clinic's scan found.
pub struct Scanned {
    /// The code, when it decoded.
    pub code: Option<GrantCode>,
    /// Core's verdict.
    pub verdict: Verdict,
    /// Proven names of the organisations the code names (empty offline).
    pub names: round::Directory,
}

/// How often the clinic asks again while a grant it submitted is pending.
const PENDING_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// The clinic's scan: core's offline check, then its online status proof
/// (waiting up to [`round::PENDING_WAIT`] for a quorum to show a grant the
/// ledger took just now, with `waiting` told each time), and the proven
/// name of the organisation the grant is made out to.
pub async fn scan(mut app: AppState, text: String, mut waiting: impl FnMut(&Verdict)) -> Scanned {
    let settings = app.settings.read().clone();
    let origin = settings.origin();
    let Some(clinic_org) = settings.clinic else {
        return Scanned {
            code: None,
            verdict: Verdict::Unknown {
                why: "choose the organisation this device scans for in Settings".into(),
            },
            names: round::Directory::new(),
        };
    };
    let (code, offline) = clinic::scan(&text, &origin, &clinic_org, now());
    // With the ledger memory damaged, no online answer could be checked
    // against what was verified before: the offline verdict stands, marked so.
    let client = app.ledger_usable().and_then(|()| settings.client());
    let (Some(code), Ok(client)) = (code.clone(), client) else {
        return Scanned {
            code,
            verdict: offline,
            names: round::Directory::new(),
        };
    };
    let mut state = app.ledger.read().clone();
    let mut verdict =
        round::check_grant_online(&client, &mut state, &code, offline.clone(), None, now()).await;
    // Submitted just now: ask again until a quorum shows it, telling the
    // screen it waits (by the clock: each ask takes time too).
    let started = now();
    while verdict == Verdict::Pending
        && now().saturating_sub(started) < round::PENDING_WAIT.as_secs()
    {
        waiting(&verdict);
        crate::platform::pause(PENDING_POLL).await;
        verdict =
            round::check_grant_online(&client, &mut state, &code, offline.clone(), None, now())
                .await;
    }
    let names = round::held_names(&client, &mut state, [code.terms().grantee], now()).await;
    app.ledger.set(state);
    app.persist(Persist::Ledger);
    Scanned {
        code: Some(code),
        verdict,
        names,
    }
}
