//! One round of a wallet with its ledger, as the CLI and the app both run it:
//! queue the identity's `Enroll` on first contact, move the checkpoint
//! forward, send the outbox, sync and verify the history, keep the key in
//! step with the verified chain, follow receipts; then prove the directory
//! entries of the organisations the history names.
//! Each step is one of [`sync`](super::sync)'s; this only orders them.

use super::sync::{self, LedgerState, SyncError};
use super::{ClientError, LedgerClient};
use crate::ids::{IdentityId, OrgId};
use crate::key_sync;
use crate::keys::{IdentityRef, SigningKey};
use crate::outbox::Outgoing;
use crate::replica::org_key;
use crate::state::OrgRecord;
use crate::trust::VerifiedCheckpoint;
use crate::tx::{Body, Enroll, Kind, SignedTx};
use crate::wallet::{WalletError, WalletSecret};
use std::collections::BTreeMap;

/// Organisations' directory entries, each proven by a map proof at one
/// checkpoint. Only live entries are kept: a retired organisation has no name.
pub type Directory = BTreeMap<OrgId, OrgRecord>;

/// What one [`round`] established.
#[derive(Debug)]
pub struct Round {
    /// The quorum-cosigned checkpoint now held.
    pub checkpoint: VerifiedCheckpoint,
    /// The wallet's transactions whose promised inclusion is overdue.
    pub overdue: Vec<Outgoing>,
    /// The identity at the generation the verified chain showed, when the
    /// wallet was out of step with it (a rotation made on another device,
    /// or one the ledger refused): save the wallet.
    pub moved: Option<IdentityRef>,
    /// Transactions refused as signed by a stale key, signed again and sent.
    pub resigned: Vec<key_sync::Resigned>,
    /// Why the wallet's key could not be kept in step with its chain, if so
    /// (the rest of the round stands).
    pub key_problem: Option<String>,
}

/// Queues the primary identity's `Enroll` (PROTOCOL §1: sent when the wallet
/// first reaches the ledger) ahead of anything else, unless its history was
/// seen or an `Enroll` is already queued. Returns whether one was queued.
///
/// A wallet restored on a new device may queue one the ledger refuses as
/// already enrolled; that refusal stays in the outbox and harms nothing.
///
/// # Errors
/// Only for an identity whose keys cannot be derived.
pub fn queue_enroll(
    state: &mut LedgerState,
    wallet: &WalletSecret,
    origin: &str,
    now: u64,
    nonce: [u8; 8],
) -> Result<bool, WalletError> {
    let identity = wallet.identities()[0];
    let seen = state
        .verified_history(&IdentityId(wallet.primary_public_key()))
        .is_some();
    let queued = state.outbox.items().iter().any(|o| o.kind == "Enroll");
    if seen || queued {
        return Ok(false);
    }
    let next = wallet.next_commitment(identity)?;
    let key = wallet.signing_key(identity)?;
    let body = Body::new(now, nonce, Kind::Enroll(Enroll { next }));
    state.outbox.push(&SignedTx::sign(&body, &key, origin), now);
    Ok(true)
}

/// Refreshes the checkpoint, sends the outbox, syncs the wallet's primary
/// identity's history (reporting `progress(done, total)`), keeps the wallet's
/// key in step with that verified chain (see [`key_sync`]), and follows
/// receipts; then, whatever happened, posts forks caught and broken
/// receipts to the validators ([`report`](super::report::report)). When
/// [`Round::moved`] is set the caller saves the wallet.
///
/// # Errors
/// As [`sync::refresh`] and [`sync::sync_history`]; what was learned before
/// the error stays in `state`, evidence of a lie included (and reported). A
/// key that cannot be kept in step is [`Round::key_problem`], not an error.
pub async fn round(
    client: &LedgerClient,
    state: &mut LedgerState,
    wallet: &mut WalletSecret,
    now: u64,
    nonce: &mut dyn FnMut() -> [u8; 8],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Round, SyncError> {
    let result = steps(client, state, wallet, now, nonce, progress).await;
    super::report::report(client, state, now).await;
    let mut done = result?;
    // Judged after reporting: a receipt renewed through a validator is no
    // longer overdue.
    done.overdue = state.outbox.overdue(now).cloned().collect();
    Ok(done)
}

/// The steps of a [`round`] before reporting.
async fn steps(
    client: &LedgerClient,
    state: &mut LedgerState,
    wallet: &mut WalletSecret,
    now: u64,
    nonce: &mut dyn FnMut() -> [u8; 8],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Round, SyncError> {
    let me = wallet.identities()[0];
    let identity = wallet.identity_id(me);
    let origin = client.policy().origin.clone();
    let checkpoint = sync::refresh(client, state, now).await?;
    sync::flush(client, &mut state.outbox, now).await;
    let new = read_history(client, state, wallet, &identity, &checkpoint, now, progress).await?;
    let mut moved = None;
    let (resigned, key_problem) = match keep_in_step(
        state, wallet, &identity, &new, &origin, now, nonce, &mut moved,
    ) {
        Ok(resigned) => (resigned, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    if !resigned.is_empty() {
        sync::flush(client, &mut state.outbox, now).await;
    }
    let overdue = sync::follow(client, &mut state.outbox, &checkpoint, now).await;
    Ok(Round {
        checkpoint,
        overdue,
        moved,
        resigned,
        key_problem,
    })
}

/// The key step of a round: works out the key the verified chain names
/// (kept with the history, re-read only when new entries rotate it), moves
/// the wallet to it (into `moved`, which stands even when a later step
/// fails, so it can be saved), and signs again what was refused for its key.
#[allow(clippy::too_many_arguments)] // one round's state, passed through
fn keep_in_step(
    state: &mut LedgerState,
    wallet: &mut WalletSecret,
    identity: &IdentityId,
    new: &[crate::history::VerifiedEntry],
    origin: &str,
    now: u64,
    nonce: &mut dyn FnMut() -> [u8; 8],
    moved: &mut Option<IdentityRef>,
) -> Result<Vec<key_sync::Resigned>, SyncError> {
    let Some(kept) = state
        .verified_history(identity)
        .map(|h| h.signing_key.clone())
    else {
        return Ok(Vec::new()); // nothing on the ledger yet
    };
    let current = match kept.and_then(|k| k.parse().ok()) {
        Some(key) if !key_sync::rotates(new, identity) => key,
        _ => {
            let entries =
                sync::stored_entries(state, identity, origin).map_err(SyncError::Stored)?;
            let key = key_sync::chain_key(&entries, identity);
            if let Some(h) = state.histories.get_mut(&identity.key().to_string()) {
                h.signing_key = Some(key.to_string());
            }
            key
        }
    };
    let me = wallet.identities()[0];
    *moved = key_sync::follow_chain(wallet, me, &current, &state.outbox, origin)?;
    let resigned = key_sync::resign_stale(
        wallet,
        wallet.identities()[0],
        &mut state.outbox,
        origin,
        now,
        nonce,
    )
    .map_err(key_sync::KeySyncError::from)?;
    Ok(resigned)
}

/// Syncs `identity`'s history signed by the wallet's current key; when the
/// ledger will not answer that key (403: it is not the identity's key now),
/// by each [`key_sync::candidates`] key in turn. Returns the new entries.
async fn read_history(
    client: &LedgerClient,
    state: &mut LedgerState,
    wallet: &WalletSecret,
    identity: &IdentityId,
    checkpoint: &VerifiedCheckpoint,
    now: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Vec<crate::history::VerifiedEntry>, SyncError> {
    let forbidden = |e: &SyncError| {
        matches!(
            e,
            SyncError::Client(ClientError::Refused { status: 403, .. })
        )
    };
    let me = wallet.identities()[0];
    let key = wallet
        .signing_key(me)
        .map_err(key_sync::KeySyncError::from)?;
    let first = sync::sync_history(client, state, identity, &key, checkpoint, now, progress).await;
    // Probe other keys only for an identity the ledger holds (a 403 before
    // the `Enroll` lands means just that), and never show later keys for less.
    let seen = state.verified_history(identity).is_some();
    let refusal = match first {
        Err(e) if forbidden(&e) && seen => e,
        other => return other,
    };
    for candidate in key_sync::candidates(me) {
        let key = wallet
            .signing_key(candidate)
            .map_err(key_sync::KeySyncError::from)?;
        match sync::sync_history(client, state, identity, &key, checkpoint, now, progress).await {
            Ok(entries) => return Ok(entries),
            Err(e) if forbidden(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Err(refusal)
}

/// The directory entries of `orgs` at `checkpoint`, each checked against its
/// map proof: a name the ledger cannot prove is never shown.
///
/// # Errors
/// [`SyncError::Directory`] when an entry does not match its proof (the
/// ledger lied); [`SyncError::Client`] when one cannot be fetched.
pub async fn proven_directory(
    client: &LedgerClient,
    cp: &crate::note::Checkpoint,
    orgs: impl IntoIterator<Item = OrgId>,
) -> Result<Directory, SyncError> {
    let mut wanted: Vec<OrgId> = orgs.into_iter().collect();
    wanted.sort();
    wanted.dedup();
    let mut directory = Directory::new();
    for org in wanted {
        let (entry, proof) = client.org(&org, cp.size).await?;
        proof
            .verify(
                cp.state_root,
                &org_key(&org),
                entry.as_ref().map(|e| e.value_hash()),
            )
            .map_err(|_| SyncError::Directory { org })?;
        if let Some(entry) = entry.filter(|e| e.live) {
            directory.insert(org, entry.record);
        }
    }
    Ok(directory)
}

/// The organisations named by grants and access records among `entries`.
pub fn named_orgs(entries: &[crate::history::VerifiedEntry]) -> Vec<OrgId> {
    entries
        .iter()
        .filter_map(|e| match &e.tx.body().kind {
            Kind::Grant(g) => Some(g.grantee),
            Kind::RecordAccess(a) => Some(a.org),
            _ => None,
        })
        .collect()
}

/// The proven names of `orgs` at the checkpoint `state` holds (fetched
/// first when it holds none): for showing who a scanned code names. A name
/// that cannot be proven is left out.
pub async fn held_names(
    client: &LedgerClient,
    state: &mut LedgerState,
    orgs: impl IntoIterator<Item = OrgId>,
    now: u64,
) -> Directory {
    if state.memory.held().is_none() && sync::refresh(client, state, now).await.is_err() {
        return Directory::new();
    }
    let Some(cp) = state.memory.held().cloned() else {
        return Directory::new();
    };
    proven_directory(client, &cp, orgs)
        .await
        .unwrap_or_default()
}

/// `text` with each organisation id in `names` replaced by its proven name.
pub fn named(text: String, names: &Directory) -> String {
    names
        .iter()
        .fold(text, |t, (id, org)| t.replace(&id.to_string(), &org.name))
}

/// Organisations the ledger lists for a search box. The list is *not*
/// proven: pick from it, then show only what [`proven_directory`] proves.
///
/// # Errors
/// A transport error or a malformed answer.
pub async fn listed_orgs(client: &LedgerClient) -> Result<Vec<(OrgId, String)>, ClientError> {
    client.listing().await
}

/// How long a clinic waits, asking again, for a quorum checkpoint to show
/// a grant it submitted while the verdict is
/// [`Verdict::Pending`](crate::clinic::Verdict::Pending): a few of the
/// ledger's batch intervals and a cosigning round, and no longer than a
/// person at a front desk would.
pub const PENDING_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The clinic's online step after an offline verdict: move the checkpoint
/// memory forward, fetch the grant's status proof at that checkpoint (as
/// `reader`, where the ledger asks readers to sign), submit the code's
/// transactions when the ledger does not hold the grant, and let
/// [`clinic::check_online`](crate::clinic::check_online) decide. A ledger
/// that cannot be asked turns a `valid` into `unknown`, never the reverse.
pub async fn check_grant_online(
    client: &LedgerClient,
    state: &mut LedgerState,
    code: &crate::qr::GrantCode,
    offline: crate::clinic::Verdict,
    reader: Option<&SigningKey>,
    now: u64,
) -> crate::clinic::Verdict {
    use crate::clinic::{check_online, worth_asking_online, LedgerAnswer, Verdict};
    if !worth_asking_online(&offline, code) {
        return offline;
    }
    let grant = crate::ids::GrantId(code.grant().id().0);
    let online = async {
        let checkpoint = sync::refresh(client, state, now).await?;
        let size = checkpoint.checkpoint().size;
        let (status, proof) = client
            .grant_status(&grant, size, reader.map(|k| (k, now)))
            .await?;
        let answer = match status {
            Some(status) => LedgerAnswer::Held(status),
            None => submit_code(client, code).await?,
        };
        Ok::<_, SyncError>((checkpoint, answer, proof))
    };
    match online.await {
        Ok((checkpoint, answer, proof)) => check_online(
            offline,
            code,
            &checkpoint,
            client.policy().max_view_age,
            now,
            &answer,
            &proof,
        ),
        Err(e) => Verdict::Unknown {
            why: format!("the ledger could not be checked: {e}"),
        },
    }
}

/// Submits a code's delegation (when it carries one) and grant, as anyone
/// holding them may: the ledger's acceptance or refusal of the grant is the
/// answer. `replay` means the ledger holds it already. Acceptance makes the
/// verdict `Pending`, never `valid`: only a quorum checkpoint does that.
async fn submit_code(
    client: &LedgerClient,
    code: &crate::qr::GrantCode,
) -> Result<crate::clinic::LedgerAnswer, ClientError> {
    use crate::clinic::LedgerAnswer;
    let held = |code: &str| code == "replay";
    if let Some(delegation) = code.delegation() {
        match client.submit(delegation.bytes()).await {
            Ok(_) => {}
            Err(ClientError::Refused { code, .. }) if held(&code) => {}
            Err(ClientError::Refused { message, .. }) => {
                return Ok(LedgerAnswer::Refused(format!("its delegation: {message}")));
            }
            Err(e) => return Err(e),
        }
    }
    match client.submit(code.grant().bytes()).await {
        Ok(_) => Ok(LedgerAnswer::Accepted),
        Err(ClientError::Refused { code, .. }) if held(&code) => Ok(LedgerAnswer::Accepted),
        Err(ClientError::Refused { message, .. }) => Ok(LedgerAnswer::Refused(message)),
        Err(e) => Err(e),
    }
}

/// Why a consent request must not be answered.
#[derive(Debug, thiserror::Error)]
pub enum RequestRefusal {
    /// The ledger could not be checked, or lied.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The checkpoint held is older than the trust policy allows.
    #[error("the ledger view is stale; the organisation cannot be checked now")]
    Stale,
    /// The organisation named is not (or no longer) registered.
    #[error("the request names organisation {0}, which is not registered: do not answer it")]
    NotRegistered(OrgId),
    /// The signer is not one of the organisation's current keys.
    #[error("the request was not signed by a current key of {0}: do not answer it")]
    NotItsKey(String),
}

/// Checks who sent a consent request: at a fresh quorum checkpoint, the
/// organisation it names is registered (proven by a map proof) and the
/// request's signer is one of its current keys. Returns its directory entry.
///
/// # Errors
/// A [`RequestRefusal`] saying why the request must not be answered.
pub async fn check_request(
    client: &LedgerClient,
    state: &mut LedgerState,
    request: &crate::qr::SignedRequest,
    now: u64,
) -> Result<OrgRecord, RequestRefusal> {
    let checkpoint = sync::refresh(client, state, now).await?;
    if !checkpoint.is_fresh(now, client.policy().max_view_age) {
        return Err(RequestRefusal::Stale);
    }
    let org = request.request().org;
    let mut directory = proven_directory(client, checkpoint.checkpoint(), [org]).await?;
    let record = directory
        .remove(&org)
        .ok_or(RequestRefusal::NotRegistered(org))?;
    if !record.keys.contains(&request.signer()) {
        return Err(RequestRefusal::NotItsKey(record.name));
    }
    Ok(record)
}
