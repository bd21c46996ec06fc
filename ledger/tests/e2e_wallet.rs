//! The wallet's ledger client against a lying ledger. A real sequencer and
//! three validators (k = 2) run on loopback; the wallet talks to a proxy
//! that forwards to the sequencer and rewrites chosen answers. The wallet's
//! trust policy is the consortium's own, so every checkpoint it accepts must
//! still verify. Each lie must be caught with its own error, and nothing the
//! wallet verified before may be lost or moved back.

mod common;

use assent_core::client::sync::{
    flush, follow, refresh, stored_entries, sync_history, LedgerState, StoredHistory, SyncError,
};
use assent_core::client::{ClientError, LedgerClient};
use assent_core::clinic::{self, LedgerAnswer, Standing, Verdict};
use assent_core::codes::{AccessMode, Action, OrgKind, Purpose, ResourceType};
use assent_core::history::{HistoryError, VerifiedEntry};
use assent_core::ids::{GrantId, IdentityId, KeyCommitment, OrgId, ProposalId};
use assent_core::keys::SigningKey;
use assent_core::memory::ForkKind;
use assent_core::note::{Checkpoint, SignedCheckpoint};
use assent_core::outbox::{Outbox, State as Stage};
use assent_core::qr::{base45, encode_grant};
use assent_core::scope::{Period, Provision, Scope};
use assent_core::trust::{TrustPolicy, VerifiedCheckpoint};
use assent_core::tx::*;
use assent_ledger::demo::DEMO_ORIGIN;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use common::*;
use data_encoding::BASE64;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::runtime::Runtime;

// --- the lying proxy ---------------------------------------------------------

/// An HTTP answer: status and body.
type Answer = (u16, Vec<u8>);
/// Answers a request (by its path and query) without asking the ledger.
type Intercept = dyn Fn(&str) -> Option<Answer> + Send + Sync;
/// Replaces the ledger's answer to a request.
type Rewrite = dyn Fn(&str, u16, &[u8]) -> Option<Answer> + Send + Sync;
/// The ledger's true answers, oldest first: path and body.
type Log = Mutex<Vec<(String, Vec<u8>)>>;

#[derive(Default)]
struct Lies {
    intercept: Option<Arc<Intercept>>,
    rewrite: Option<Arc<Rewrite>>,
}

#[derive(Clone)]
struct Relay {
    upstream: String,
    http: reqwest::Client,
    lies: Arc<Mutex<Lies>>,
    /// How many answers were lies.
    told: Arc<AtomicUsize>,
    truth: Arc<Log>,
}

/// A loopback HTTP proxy to a ledger node that tells the truth until told
/// to lie.
struct Proxy {
    url: String,
    relay: Relay,
}

impl Proxy {
    fn start(rt: &Runtime, upstream: &str) -> Proxy {
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let relay = Relay {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            lies: Arc::default(),
            told: Arc::default(),
            truth: Arc::default(),
        };
        let app = axum::Router::new()
            .fallback(relay_one)
            .with_state(relay.clone());
        rt.spawn(async move { axum::serve(listener, app).await });
        Proxy { url, relay }
    }

    /// From now on, answers requests `f` picks itself, never asking the ledger.
    fn intercept(&self, f: impl Fn(&str) -> Option<Answer> + Send + Sync + 'static) {
        self.relay.lies.lock().unwrap().intercept = Some(Arc::new(f));
    }

    /// From now on, passes the ledger's answers through `f`.
    fn rewrite(&self, f: impl Fn(&str, u16, &[u8]) -> Option<Answer> + Send + Sync + 'static) {
        self.relay.lies.lock().unwrap().rewrite = Some(Arc::new(f));
    }

    /// From now on, edits the JSON of successful answers to paths starting
    /// with `prefix`.
    fn rewrite_json(&self, prefix: &'static str, f: impl Fn(&mut Value) + Send + Sync + 'static) {
        self.rewrite(move |path, status, body| {
            if status != 200 || !path.starts_with(prefix) {
                return None;
            }
            let mut value: Value = serde_json::from_slice(body).ok()?;
            f(&mut value);
            Some((status, serde_json::to_vec(&value).unwrap()))
        });
    }

    /// Tells the truth again.
    fn honest(&self) {
        *self.relay.lies.lock().unwrap() = Lies::default();
    }

    /// How many lies were told so far.
    fn told(&self) -> usize {
        self.relay.told.load(Ordering::SeqCst)
    }

    /// The ledger's newest true answer to a path starting with `prefix`.
    fn last_truth(&self, prefix: &str) -> Value {
        let truth = self.relay.truth.lock().unwrap();
        let (_, body) = truth
            .iter()
            .rev()
            .find(|(path, _)| path.starts_with(prefix))
            .unwrap_or_else(|| panic!("no answer to {prefix} passed the proxy"));
        serde_json::from_slice(body).unwrap()
    }
}

async fn relay_one(
    State(relay): State<Relay>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri
        .path_and_query()
        .map_or(uri.path(), |p| p.as_str())
        .to_owned();
    let intercept = relay.lies.lock().unwrap().intercept.clone();
    if let Some((status, body)) = intercept.and_then(|f| f(&path)) {
        relay.told.fetch_add(1, Ordering::SeqCst);
        return reply(status, body);
    }
    let mut request = relay
        .http
        .request(method, format!("{}{path}", relay.upstream))
        .body(body);
    for name in [header::AUTHORIZATION, header::CONTENT_TYPE] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value.clone());
        }
    }
    let Ok(answer) = request.send().await else {
        return reply(502, b"{}".to_vec());
    };
    let status = answer.status().as_u16();
    let body = answer.bytes().await.unwrap_or_default().to_vec();
    relay
        .truth
        .lock()
        .unwrap()
        .push((path.clone(), body.clone()));
    let rewrite = relay.lies.lock().unwrap().rewrite.clone();
    match rewrite.and_then(|f| f(&path, status, &body)) {
        Some((status, body)) => {
            relay.told.fetch_add(1, Ordering::SeqCst);
            reply(status, body)
        }
        None => reply(status, body),
    }
}

fn reply(status: u16, body: Vec<u8>) -> Response {
    (StatusCode::from_u16(status).unwrap(), body).into_response()
}

/// A ledger-style JSON error answer.
fn error_answer(status: u16, code: &str) -> Answer {
    let body = json!({"error": {"code": code, "message": "said the proxy"}});
    (status, serde_json::to_vec(&body).unwrap())
}

/// Flips one bit of a base64 string's first byte.
fn flip_b64(text: &Value) -> Value {
    let mut raw = BASE64.decode(text.as_str().unwrap().as_bytes()).unwrap();
    raw[0] ^= 0x01;
    json!(BASE64.encode(&raw))
}

// --- the consortium, the wallet and the transactions --------------------------

/// A consortium on real processes, a proxy in front of its sequencer, and
/// two clients: the wallet's (through the proxy) and a direct one.
struct World {
    c: Consortium,
    rt: Runtime,
    proxy: Proxy,
    wallet: LedgerClient,
    direct: LedgerClient,
}

impl World {
    /// A consortium with nothing in its log yet.
    fn bare() -> World {
        let mut c = Consortium::new();
        c.start_sequencer();
        for i in 1..=3 {
            c.start_validator(i, None);
        }
        let rt = Runtime::new().unwrap();
        let proxy = Proxy::start(&rt, &c.url);
        let wallet = LedgerClient::new(&proxy.url, c.trust());
        let direct = LedgerClient::new(&c.url, c.trust());
        World {
            c,
            rt,
            proxy,
            wallet,
            direct,
        }
    }

    /// A consortium whose log holds one entry and whose validators all
    /// publish a checkpoint past the empty log, so every attack starts from
    /// a wallet holding a non-empty tree.
    fn start() -> World {
        let w = World::bare();
        w.ok(&enroll(&fresh_key()));
        for v in &w.c.genesis.validators {
            let start = std::time::Instant::now();
            while validator_size(&w.c, &v.url) < 1 {
                assert!(start.elapsed().as_secs() < 30, "{} is stuck", v.url);
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        w
    }

    /// Submits straight to the sequencer; returns the entry's index.
    fn ok(&self, tx: &SignedTx) -> u64 {
        self.c.ok(tx)["index"].as_u64().unwrap()
    }

    /// Waits until everything sequenced so far has a quorum checkpoint.
    fn settle(&self) {
        self.c.wait_cosigned(self.c.latest().size);
    }

    /// The wallet's refresh through the proxy.
    fn refresh(&self, state: &mut LedgerState) -> Result<VerifiedCheckpoint, SyncError> {
        self.rt.block_on(refresh(&self.wallet, state, now()))
    }

    /// The wallet's history sync of `patient` (signed by the patient)
    /// through the proxy.
    fn sync(
        &self,
        state: &mut LedgerState,
        patient: &SigningKey,
        cp: &VerifiedCheckpoint,
    ) -> Result<Vec<VerifiedEntry>, SyncError> {
        let id = IdentityId(patient.public_key());
        let quiet = &mut |_, _| {};
        self.rt.block_on(sync_history(
            &self.wallet,
            state,
            &id,
            patient,
            cp,
            now(),
            quiet,
        ))
    }

    /// Governance registers an organisation with a fresh key.
    fn org(&self, kind: OrgKind, name: &str) -> (SigningKey, OrgId) {
        let key = fresh_key();
        let propose = sign(
            &self.c.key("governance-1.key"),
            Kind::Propose(Propose {
                action: GovAction::RegisterOrg {
                    kind,
                    keys: vec![key.public_key()],
                    name: name.into(),
                    endpoints: vec![],
                    member: None,
                },
                expires: now() + 86_400,
            }),
        );
        self.ok(&propose);
        let proposal = ProposalId(propose.id().0);
        self.ok(&sign(
            &self.c.key("governance-2.key"),
            Kind::Approve(Approve { proposal }),
        ));
        (key, OrgId(proposal.0))
    }

    /// A patient enrols.
    fn enrol(&self) -> SigningKey {
        let key = fresh_key();
        self.ok(&enroll(&key));
        key
    }

    /// The patient grants the clinic access for the next month; returns the
    /// grant and its index.
    fn grant(&self, patient: &SigningKey, clinic: OrgId) -> (SignedTx, u64) {
        let tx = grant(patient, clinic, month());
        let index = self.ok(&tx);
        (tx, index)
    }

    /// The clinic records an access under the grant; returns its index.
    fn access(
        &self,
        clinic_key: &SigningKey,
        clinic: OrgId,
        patient: &SigningKey,
        grant: &SignedTx,
    ) -> u64 {
        self.ok(&sign(
            clinic_key,
            Kind::RecordAccess(RecordAccess {
                org: clinic,
                patient: IdentityId(patient.public_key()),
                ground: AccessGround::Grant(GrantId(grant.id().0)),
                resources: vec![(ResourceType::Observation, 2)],
                purpose: Purpose::Treat,
                accessed_at: now(),
                basis: None,
                mode: AccessMode::Person,
                actor: None,
            }),
        ))
    }
}

fn enroll(key: &SigningKey) -> SignedTx {
    sign(
        key,
        Kind::Enroll(Enroll {
            next: KeyCommitment::to(&fresh_key().public_key()),
        }),
    )
}

fn month() -> Period {
    Period {
        start: now() - 60,
        end: now() + 30 * 86_400,
    }
}

fn grant(patient: &SigningKey, clinic: OrgId, period: Period) -> SignedTx {
    sign(
        patient,
        Kind::Grant(Grant {
            grantee: clinic,
            scope: Scope {
                permit: Provision {
                    resource_types: [ResourceType::Observation].into(),
                    actions: [Action::Access].into(),
                    purposes: [Purpose::Treat].into(),
                    period: Some(period),
                    ..Provision::default()
                },
                deny: vec![],
            },
            patient: None,
            via: None,
            request: None,
        }),
    )
}

fn revoke(patient: &SigningKey, grant: &SignedTx) -> SignedTx {
    sign(
        patient,
        Kind::Revoke(Revoke {
            grant: GrantId(grant.id().0),
            patient: None,
            via: None,
            embedded_grant: None,
        }),
    )
}

fn kinds(entries: &[VerifiedEntry]) -> Vec<&'static str> {
    entries.iter().map(|e| e.tx.body().kind.name()).collect()
}

fn stored<'a>(state: &'a LedgerState, id: &IdentityId) -> &'a StoredHistory {
    &state.histories[&id.key().to_string()]
}

/// The identity's stored history is still exactly `verified`, its entries
/// still open, and `caught` lies are on record.
fn assert_intact(state: &LedgerState, id: &IdentityId, verified: &StoredHistory, caught: usize) {
    let now = stored(state, id);
    assert_eq!(now.leaves, verified.leaves);
    assert_eq!(now.count, verified.count);
    assert_eq!(now.head, verified.head);
    assert_eq!(now.caught.len(), caught, "{:?}", now.caught);
    let entries = stored_entries(state, id, DEMO_ORIGIN).unwrap();
    assert_eq!(entries.len() as u64, verified.count);
}

/// A checkpoint note signed with the consortium's real sequencer key and
/// cosigned by the validators in `cosigners` (1-based) with their real keys:
/// what a compromised sequencer (and, with cosigners, a colluding quorum)
/// can sign.
fn forge(c: &Consortium, checkpoint: Checkpoint, cosigners: &[usize]) -> String {
    let trust = c.trust();
    let mut signed =
        SignedCheckpoint::sign(checkpoint, trust.sequencer.name(), &c.key("sequencer.key"))
            .unwrap();
    for &i in cosigners {
        signed
            .cosign(
                trust.validators[i - 1].vkey.name(),
                &c.key(&format!("validator-{i}.key")),
                now(),
            )
            .unwrap();
    }
    String::from_utf8(signed.to_bytes()).unwrap()
}

/// The size of a validator's published checkpoint (0 if none yet).
fn validator_size(c: &Consortium, url: &str) -> u64 {
    let Ok(answer) = c.http.get(format!("{url}/checkpoint")).send() else {
        return 0;
    };
    let note = answer.bytes().unwrap_or_default();
    SignedCheckpoint::parse(&note).map_or(0, |s| s.checkpoint().size)
}

fn size_of(note: &str) -> u64 {
    SignedCheckpoint::parse(note.as_bytes())
        .unwrap()
        .checkpoint()
        .size
}

// --- the attacks ---------------------------------------------------------------

/// The ledger hides or swaps entries of a patient's history (e.g. a clinic's
/// access it wants the patient not to see).
#[test]
fn withheld_or_swapped_history_entries_are_caught_and_nothing_verified_is_lost() {
    let w = World::start();
    let (clinic_key, clinic) = w.org(OrgKind::Clinic, "Riverside Clinic");
    let patient = w.enrol();
    let id = IdentityId(patient.public_key());
    let (first_grant, _) = w.grant(&patient, clinic);
    w.access(&clinic_key, clinic, &patient, &first_grant);
    w.settle();

    // A clean first sync through the proxy.
    let mut state = LedgerState::default();
    let cp = w.refresh(&mut state).unwrap();
    let first = w.sync(&mut state, &patient, &cp).unwrap();
    assert_eq!(kinds(&first), ["Enroll", "Grant", "RecordAccess"]);
    let verified = stored(&state, &id).clone();
    assert_eq!(verified.count, 3);
    let first_answer = w.proxy.last_truth("/api/v1/history/");

    // More entries: a second grant, an access under it, a revocation.
    let (second_grant, second_index) = w.grant(&patient, clinic);
    let access_index = w.access(&clinic_key, clinic, &patient, &second_grant);
    w.ok(&revoke(&patient, &first_grant));
    w.settle();
    let cp = w.refresh(&mut state).unwrap();

    // 1. The access is dropped from the answer (newest first: revoke,
    //    access, grant).
    w.proxy.rewrite_json("/api/v1/history/", |v| {
        v["entries"].as_array_mut().unwrap().remove(1);
    });
    let err = w.sync(&mut state, &patient, &cp).unwrap_err();
    assert!(err.caught_lying(), "{err}");
    assert!(
        matches!(
            err,
            SyncError::History(HistoryError::WrongEntry { expected, found: Some(found) })
                if expected == access_index && found == second_index
        ),
        "{err:?}"
    );
    assert_intact(&state, &id, &verified, 1);

    // 2. The access keeps its place but carries the grant's leaf.
    w.proxy.rewrite_json("/api/v1/history/", |v| {
        let grant_leaf = v["entries"][2]["leaf"].clone();
        v["entries"][1]["leaf"] = grant_leaf;
    });
    let err = w.sync(&mut state, &patient, &cp).unwrap_err();
    assert!(
        matches!(err, SyncError::History(HistoryError::LeafHashMismatch(i)) if i == access_index),
        "{err:?}"
    );
    assert_intact(&state, &id, &verified, 2);

    // 3. Everything new is hidden: the earlier head and its proof are
    //    replayed at the new checkpoint.
    let (old_head, old_proof) = (
        first_answer["head"].clone(),
        first_answer["head_proof"].clone(),
    );
    w.proxy.rewrite_json("/api/v1/history/", move |v| {
        v["head"] = old_head.clone();
        v["head_proof"] = old_proof.clone();
        v["entries"] = json!([]);
    });
    let err = w.sync(&mut state, &patient, &cp).unwrap_err();
    assert!(
        matches!(err, SyncError::History(HistoryError::HeadProof(_))),
        "{err:?}"
    );
    assert_intact(&state, &id, &verified, 3);
    assert_eq!(w.proxy.told(), 3);

    // The truth again: the wallet picks up exactly the three new entries.
    w.proxy.honest();
    let new = w.sync(&mut state, &patient, &cp).unwrap();
    assert_eq!(kinds(&new), ["Grant", "RecordAccess", "Revoke"]);
    let now_stored = stored(&state, &id);
    assert_eq!(now_stored.count, 6);
    assert_eq!(now_stored.leaves[..3], verified.leaves[..]);
    assert_eq!(now_stored.caught.len(), 3);
    assert!(!state.memory.alarmed());
}

/// The ledger shows an older (genuine, quorum-cosigned) checkpoint, e.g. to
/// hide a revocation made since.
#[test]
fn a_rolled_back_checkpoint_is_refused_and_kept_as_evidence() {
    let w = World::start();
    w.enrol();
    w.settle();
    let mut state = LedgerState::default();
    w.refresh(&mut state).unwrap();
    let old_note = state.memory.held_note().unwrap().to_owned();
    let old_size = size_of(&old_note);

    // The log grows and the wallet follows it.
    for _ in 0..3 {
        w.enrol();
    }
    w.settle();
    w.refresh(&mut state).unwrap();
    let held = state.memory.held().unwrap().clone();
    let held_note = state.memory.held_note().unwrap().to_owned();
    assert!(held.size > old_size);

    // The attack: the older note served as the newest cosigned one.
    let served = old_note.clone();
    w.proxy.rewrite_json("/api/v1/checkpoint", move |v| {
        v["cosigned"] = json!(served);
    });
    let err = w.refresh(&mut state).unwrap_err();
    assert!(err.caught_lying(), "{err}");
    let SyncError::Fork(alarm) = &err else {
        panic!("expected a fork, got {err:?}");
    };
    assert_eq!(alarm.0.kind, ForkKind::RolledBack);
    assert_eq!(w.proxy.told(), 1);

    // Memory did not move back; the evidence holds both notes.
    assert_eq!(state.memory.held(), Some(&held));
    assert_eq!(state.memory.held_note(), Some(held_note.as_str()));
    let evidence = state.memory.evidence();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].kind, ForkKind::RolledBack);
    assert_eq!(size_of(&evidence[0].offered), old_size);
    assert_eq!(size_of(&evidence[0].held), held.size);
    // And it survives the wallet saving and loading its state.
    let saved: LedgerState = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
    assert_eq!(saved.memory, state.memory);

    // The truth again: the wallet moves on; the alarm stays.
    w.proxy.honest();
    w.enrol();
    w.settle();
    w.refresh(&mut state).unwrap();
    assert!(state.memory.held().unwrap().size > held.size);
    assert_eq!(state.memory.evidence().len(), 1);
    assert!(state.memory.alarmed());
}

/// A forked ledger: a consistency proof that does not connect the held
/// checkpoint to the new one, and two checkpoints of one size. A genuine
/// split view needs the sequencer's key (and for the wallet's own
/// checkpoint, a quorum's): the harness holds every key, so the forged notes
/// below are signed with the consortium's real keys, as a compromised
/// sequencer and colluding validators would sign them. The validators never
/// see them.
#[test]
fn inconsistent_and_split_views_are_caught_and_memory_stays() {
    let w = World::start();
    w.enrol();
    w.settle();
    let mut state = LedgerState::default();
    w.refresh(&mut state).unwrap();
    let held = state.memory.held().unwrap().clone();

    // 1. The log grows, but the consistency proof is bogus.
    for _ in 0..3 {
        w.enrol();
    }
    w.settle();
    w.proxy.rewrite_json("/api/v1/consistency", |v| {
        for hash in v["proof"].as_array_mut().unwrap() {
            *hash = flip_b64(hash);
        }
    });
    let err = w.refresh(&mut state).unwrap_err();
    let SyncError::Fork(alarm) = &err else {
        panic!("expected a fork, got {err:?}");
    };
    assert_eq!(alarm.0.kind, ForkKind::Inconsistent);
    assert!(!alarm.0.proof.is_empty(), "the bogus proof is kept");
    assert_eq!(state.memory.held(), Some(&held));
    assert_eq!(state.memory.evidence().len(), 1);

    // 2. A quorum-cosigned checkpoint of the held size with another root.
    let mut other = held.clone();
    other.root[0] ^= 0x01;
    let split = forge(&w.c, other, &[1, 2]);
    w.c.trust().verify_checkpoint(split.as_bytes()).unwrap();
    let served = split.clone();
    w.proxy.rewrite_json("/api/v1/checkpoint", move |v| {
        v["cosigned"] = json!(served);
    });
    let err = w.refresh(&mut state).unwrap_err();
    assert!(
        matches!(&err, SyncError::Fork(a) if a.0.kind == ForkKind::SplitView),
        "{err:?}"
    );
    // …and one with the same log but another state.
    let mut other = held.clone();
    other.state_root[0] ^= 0x01;
    let split_state = forge(&w.c, other, &[2, 3]);
    w.proxy.rewrite_json("/api/v1/checkpoint", move |v| {
        v["cosigned"] = json!(split_state);
    });
    let err = w.refresh(&mut state).unwrap_err();
    assert!(
        matches!(&err, SyncError::Fork(a) if a.0.kind == ForkKind::SplitView),
        "{err:?}"
    );
    assert_eq!(state.memory.held(), Some(&held));
    assert_eq!(state.memory.evidence().len(), 3);
    assert_eq!(state.memory.evidence()[1].offered, split);

    // 3. A note without a quorum is never taken as the wallet's checkpoint
    //    (a transport-level refusal, not a fork: nothing moves).
    let mut other = held.clone();
    other.root[1] ^= 0x01;
    let unsigned_by_quorum = forge(&w.c, other, &[]);
    w.proxy.rewrite_json("/api/v1/checkpoint", move |v| {
        v["cosigned"] = json!(unsigned_by_quorum);
    });
    let err = w.refresh(&mut state).unwrap_err();
    assert!(
        matches!(err, SyncError::Client(ClientError::Checkpoint(_))),
        "{err:?}"
    );
    assert_eq!(state.memory.held(), Some(&held));
    assert_eq!(state.memory.evidence().len(), 3);

    // The truth again: the wallet moves on to the grown log.
    w.proxy.honest();
    let cp = w.refresh(&mut state).unwrap();
    assert!(cp.checkpoint().size > held.size);
    let held = state.memory.held().unwrap().clone();

    // 4. A validator's /checkpoint shows another root at the held size (the
    //    sequencer signed two views; this validator saw the other one). The
    //    policy's validator URLs are where a wallet asks, not what it trusts:
    //    pointed at a fake validator, the keys stay the consortium's.
    let fake = Proxy::start(&w.rt, &w.c.genesis.validators[0].url);
    let mut other = held.clone();
    other.root[0] ^= 0x01;
    let seen_note = forge(&w.c, other, &[]);
    let served = seen_note.clone();
    fake.intercept(move |path| (path == "/checkpoint").then(|| (200, served.clone().into_bytes())));
    let mut policy: TrustPolicy = w.c.trust();
    for v in &mut policy.validators {
        v.url = fake.url.clone();
    }
    let cross_checked = LedgerClient::new(&w.proxy.url, policy);
    let err =
        w.rt.block_on(refresh(&cross_checked, &mut state, now()))
            .unwrap_err();
    assert!(
        matches!(&err, SyncError::Fork(a) if a.0.kind == ForkKind::SplitView && a.0.offered == seen_note),
        "{err:?}"
    );
    // The same through the client's validator read and the memory directly.
    let (seen, note) =
        w.rt.block_on(w.wallet.validator_checkpoint(&fake.url))
            .unwrap();
    let alarm = state
        .memory
        .cross_check(&seen, &note, &[], now())
        .unwrap_err();
    assert_eq!(alarm.0.kind, ForkKind::SplitView);
    assert_eq!(state.memory.held(), Some(&held));
    assert_eq!(state.memory.evidence().len(), 5);
    assert_eq!(fake.told(), 2);
}

/// The ledger serves proofs that do not hold: in a history answer, and for
/// a transaction the wallet is following to inclusion.
#[test]
fn tampered_inclusion_proofs_are_refused() {
    let w = World::start();
    let (clinic_key, clinic) = w.org(OrgKind::Clinic, "Riverside Clinic");
    let patient = w.enrol();
    let id = IdentityId(patient.public_key());
    let (first_grant, _) = w.grant(&patient, clinic);
    let head_index = w.access(&clinic_key, clinic, &patient, &first_grant);
    w.settle();
    let mut state = LedgerState::default();
    let cp = w.refresh(&mut state).unwrap();

    // 1. One byte of the newest entry's inclusion proof is flipped.
    w.proxy.rewrite_json("/api/v1/history/", |v| {
        let proof = &mut v["entries"][0]["inclusion"][0];
        *proof = flip_b64(proof);
    });
    let err = w.sync(&mut state, &patient, &cp).unwrap_err();
    assert!(err.caught_lying());
    assert!(
        matches!(err, SyncError::History(HistoryError::NotIncluded { index, .. }) if index == head_index),
        "{err:?}"
    );
    assert_intact(&state, &id, &StoredHistory::default(), 1);
    w.proxy.honest();
    assert_eq!(w.sync(&mut state, &patient, &cp).unwrap().len(), 3);

    // 2. A new grant is sent from the outbox; its inclusion proof is flipped.
    let tx = grant(&patient, clinic, month());
    let mut outbox = Outbox::default();
    assert!(outbox.push(&tx, now()));
    let flushed = w.rt.block_on(flush(&w.wallet, &mut outbox, now()));
    assert_eq!(flushed.sent, [tx.id()]);
    let Stage::Sent {
        index: Some(index), ..
    } = outbox.get(&tx.id()).unwrap().state
    else {
        panic!("not sent: {:?}", outbox.get(&tx.id()));
    };
    w.settle();
    let cp = w.refresh(&mut state).unwrap();
    w.proxy.rewrite_json("/api/v1/inclusion", |v| {
        let proof = &mut v["proof"][0];
        *proof = flip_b64(proof);
    });
    let err =
        w.rt.block_on(w.wallet.inclusion(tx.bytes(), &cp))
            .unwrap_err();
    assert!(
        matches!(&err, ClientError::Malformed(m) if m.contains("inclusion proof")),
        "{err:?}"
    );
    let overdue = w.rt.block_on(follow(&w.wallet, &mut outbox, &cp, now()));
    assert!(overdue.is_empty());
    assert!(
        matches!(outbox.get(&tx.id()).unwrap().state, Stage::Sent { .. }),
        "a tampered proof must not count as inclusion"
    );
    assert_eq!(w.proxy.told(), 3);

    // The truth: included at the index the receipt named.
    w.proxy.honest();
    w.rt.block_on(follow(&w.wallet, &mut outbox, &cp, now()));
    assert_eq!(
        outbox.get(&tx.id()).unwrap().state,
        Stage::Included {
            index,
            size: cp.checkpoint().size
        }
    );
}

/// A transaction sent again (a lost answer, a restored wallet): the ledger
/// answers `replay`; the wallet awaits it, and the log holds one copy.
#[test]
fn a_replayed_transaction_is_awaited_not_duplicated() {
    let w = World::start();
    let (_, clinic) = w.org(OrgKind::Clinic, "Riverside Clinic");
    let patient = w.enrol();
    let tx = grant(&patient, clinic, month());
    let mut first = Outbox::default();
    first.push(&tx, now());
    w.rt.block_on(flush(&w.wallet, &mut first, now()));
    let Stage::Sent {
        index: Some(index), ..
    } = first.get(&tx.id()).unwrap().state
    else {
        panic!("not sent: {:?}", first.get(&tx.id()));
    };
    w.settle();
    let size = w.c.latest().size;
    let mut state = LedgerState::default();
    let cp = w.refresh(&mut state).unwrap();

    // Queued again in a fresh outbox and flushed.
    let mut again = Outbox::default();
    assert!(again.push(&tx, now()));
    let at = now();
    let flushed = w.rt.block_on(flush(&w.wallet, &mut again, at));
    assert_eq!(flushed.sent, [tx.id()]);
    assert!(flushed.refused.is_empty(), "{:?}", flushed.refused);
    assert!(flushed.offline.is_none());
    let Stage::Sent {
        receipt: None,
        deadline,
        ..
    } = again.get(&tx.id()).unwrap().state
    else {
        panic!("not awaited: {:?}", again.get(&tx.id()));
    };
    assert_eq!(deadline, at + w.c.trust().merge_delay);
    assert_eq!(again.items().len(), 1);
    // Flushing once more sends nothing.
    let flushed = w.rt.block_on(flush(&w.wallet, &mut again, now()));
    assert!(flushed.sent.is_empty());

    // One copy in the log: the size did not grow, the id points at the
    // first index.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(w.c.latest().size, size);
    let inclusion = w.c.json(&format!("/api/v1/inclusion?tx={}", tx.id()));
    assert_eq!(inclusion["index"].as_u64(), Some(index));

    // Following finds it included at that index.
    let overdue = w.rt.block_on(follow(&w.wallet, &mut again, &cp, now()));
    assert!(overdue.is_empty());
    assert_eq!(
        again.get(&tx.id()).unwrap().state,
        Stage::Included {
            index,
            size: cp.checkpoint().size
        }
    );
}

/// A clinic scans grant codes: altered, expired, for someone else, revoked
/// on the ledger, and a ledger that answers with an old "live" status.
#[test]
fn forged_expired_and_revoked_grant_codes_are_never_valid() {
    let w = World::start();
    let (clinic_key, clinic) = w.org(OrgKind::Clinic, "Riverside Clinic");
    let (_, hospital) = w.org(OrgKind::Hospital, "Northside Hospital");
    let patient = w.enrol();
    let (tx, _) = w.grant(&patient, clinic);
    let grant_id = GrantId(tx.id().0);
    let text = encode_grant(&tx, None).unwrap();

    // Offline: genuine, altered, for another organisation, ended.
    let (code, verdict) = clinic::scan(&text, DEMO_ORIGIN, &clinic, now());
    assert!(verdict.is_valid(), "{}", verdict.reason());
    assert_eq!(code.unwrap().grant().id(), tx.id());
    let mut raw = base45::decode(text.strip_prefix("AS1:").unwrap()).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 0x01; // inside the signature
    let altered = format!("AS1:{}", base45::encode(&raw));
    let (code, verdict) = clinic::scan(&altered, DEMO_ORIGIN, &clinic, now());
    assert!(code.is_none());
    assert_eq!(verdict.word(), "forged", "{}", verdict.reason());
    let (_, verdict) = clinic::scan(&text, DEMO_ORIGIN, &hospital, now());
    assert_eq!(verdict, Verdict::NotForThisClinic { grantee: clinic });
    let ended = grant(
        &patient,
        clinic,
        Period {
            start: now() - 7_200,
            end: now() - 3_600,
        },
    );
    let (_, verdict) = clinic::scan(
        &encode_grant(&ended, None).unwrap(),
        DEMO_ORIGIN,
        &clinic,
        now(),
    );
    assert_eq!(verdict.word(), "expired", "{}", verdict.reason());

    // Online: live at a fresh checkpoint.
    w.settle();
    let mut state = LedgerState::default();
    let live_cp = w.refresh(&mut state).unwrap();
    let max_age = w.c.trust().max_view_age;
    // The clinic reads the status (signed now) and judges it at `at`.
    let online = |cp: &VerifiedCheckpoint, at: u64| {
        let reader = Some((&clinic_key, now()));
        let (status, proof) =
            w.rt.block_on(
                w.wallet
                    .grant_status(&grant_id, cp.checkpoint().size, reader),
            )
            .unwrap();
        let (code, offline) = clinic::scan(&text, DEMO_ORIGIN, &clinic, at);
        let code = code.expect("a genuine code");
        let answer = status.map_or(LedgerAnswer::Absent, LedgerAnswer::Held);
        clinic::check_online(offline, &code, cp, max_age, at, &answer, &proof)
    };
    assert_eq!(
        online(&live_cp, now()),
        Verdict::Valid {
            on: Standing::Live(live_cp.checkpoint().size)
        }
    );
    let live_answer = w.proxy.last_truth("/api/v1/status/grant/");
    // A view older than max_view_age is unknown, never valid.
    assert_eq!(online(&live_cp, now() + max_age + 60).word(), "unknown");

    // The patient revokes; at the next checkpoint the grant is revoked.
    let revoked_at = w.ok(&revoke(&patient, &tx));
    w.settle();
    let cp = w.refresh(&mut state).unwrap();
    assert_eq!(online(&cp, now()), Verdict::Revoked { since: revoked_at });

    // The lie: the old "live" status and its proof, at the new checkpoint.
    w.proxy
        .rewrite_json("/api/v1/status/grant/", move |v| *v = live_answer.clone());
    let verdict = online(&cp, now());
    assert_eq!(verdict.word(), "unknown", "{}", verdict.reason());
    assert!(!verdict.is_valid());
    assert_eq!(w.proxy.told(), 1);
}

/// The ledger takes a revocation (with a genuine receipt) but never shows
/// it, or claims it already holds one it never logged: the promise's
/// deadline names it overdue. The merge delay is 60 s, so the follow is
/// asked at a later clock rather than waited for.
#[test]
fn a_revocation_the_ledger_hides_becomes_overdue() {
    let w = World::start();
    let (_, clinic) = w.org(OrgKind::Clinic, "Riverside Clinic");
    let patient = w.enrol();
    let (first, _) = w.grant(&patient, clinic);
    let (second, _) = w.grant(&patient, clinic);
    let merge_delay = w.c.trust().merge_delay;
    let mut state = LedgerState::default();

    // 1. Submitted with a receipt, then hidden: every inclusion is "no such tx".
    let hidden = revoke(&patient, &first);
    let mut outbox = Outbox::default();
    outbox.push(&hidden, now());
    let flushed = w.rt.block_on(flush(&w.wallet, &mut outbox, now()));
    assert_eq!(flushed.sent, [hidden.id()]);
    let Stage::Sent {
        receipt: Some(_),
        deadline,
        ..
    } = outbox.get(&hidden.id()).unwrap().state
    else {
        panic!("no receipt: {:?}", outbox.get(&hidden.id()));
    };
    w.settle();
    let cp = w.refresh(&mut state).unwrap();
    w.proxy.intercept(|path| {
        path.starts_with("/api/v1/inclusion")
            .then(|| error_answer(404, "no_such_tx"))
    });
    assert!(w
        .rt
        .block_on(follow(&w.wallet, &mut outbox, &cp, now()))
        .is_empty());
    let late = now() + merge_delay + 2;
    assert!(late > deadline);
    let overdue = w.rt.block_on(follow(&w.wallet, &mut outbox, &cp, late));
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        (overdue[0].id, overdue[0].kind.as_str()),
        (hidden.id(), "Revoke")
    );
    assert_eq!(w.proxy.told(), 2);

    // Through the sequencer itself it is there.
    assert!(w
        .rt
        .block_on(follow(&w.direct, &mut outbox, &cp, late))
        .is_empty());
    assert!(matches!(
        outbox.get(&hidden.id()).unwrap().state,
        Stage::Included { .. }
    ));

    // 2. "Already held" for a revocation the ledger never saw.
    let never_logged = revoke(&patient, &second);
    w.proxy
        .intercept(|path| (path == "/api/v1/submit").then(|| error_answer(422, "replay")));
    outbox.push(&never_logged, now());
    let flushed = w.rt.block_on(flush(&w.wallet, &mut outbox, now()));
    assert_eq!(flushed.sent, [never_logged.id()]);
    w.proxy.honest();
    w.ok(&enroll(&fresh_key()));
    w.settle();
    let cp = w.refresh(&mut state).unwrap();
    assert!(w
        .rt
        .block_on(follow(&w.direct, &mut outbox, &cp, now()))
        .is_empty());
    let late = now() + merge_delay + 2;
    let overdue = w.rt.block_on(follow(&w.direct, &mut outbox, &cp, late));
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].id, never_logged.id());
}

/// A ledger (or the network) that does not answer the consistency request
/// has not shown a fork: the wallet stays where it is and retries later, with
/// no alarm and no "evidence" of a fork that a validator would reject.
#[test]
fn an_unanswered_consistency_request_is_not_a_fork() {
    let w = World::start();
    w.enrol();
    w.settle();
    let mut state = LedgerState::default();
    w.refresh(&mut state).unwrap();
    let held = state.memory.held().unwrap().clone();
    w.enrol();
    w.settle();

    w.proxy.intercept(|path| {
        path.starts_with("/api/v1/consistency")
            .then(|| error_answer(503, "unavailable"))
    });
    let err = w.refresh(&mut state).unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::Client(ClientError::Refused { status: 503, .. })
        ),
        "{err:?}"
    );
    assert!(!err.caught_lying());
    assert_eq!(state.memory.held(), Some(&held));
    assert!(!state.memory.alarmed(), "{:?}", state.memory.evidence());

    // Answered again: the wallet moves on.
    w.proxy.honest();
    w.refresh(&mut state).unwrap();
    assert!(state.memory.held().unwrap().size > held.size);
}

/// The empty log is a prefix of every log: a wallet that first saw the
/// ledger empty follows it as it grows, and a validator still showing the
/// empty log is behind, not forked.
#[test]
fn the_empty_log_is_consistent_with_every_log() {
    let w = World::bare();
    w.c.wait_cosigned(0);
    let mut state = LedgerState::default();
    let empty = w.refresh(&mut state).unwrap();
    assert_eq!(empty.checkpoint().size, 0);
    let empty_note = state.memory.held_note().unwrap().to_owned();

    // 1. The wallet moves from the empty log to a grown one.
    w.enrol();
    w.settle();
    let grown = w.refresh(&mut state);
    assert!(grown.is_ok(), "{:?}", grown.err());
    assert!(!state.memory.alarmed(), "{:?}", state.memory.evidence());

    // 2. A validator that still shows the empty log.
    let lagging = Proxy::start(&w.rt, &w.c.genesis.validators[0].url);
    lagging.intercept(move |path| {
        (path == "/checkpoint").then(|| (200, empty_note.clone().into_bytes()))
    });
    let mut policy = w.c.trust();
    for v in &mut policy.validators {
        v.url = lagging.url.clone();
    }
    let client = LedgerClient::new(&w.proxy.url, policy);
    let cross_checked = w.rt.block_on(refresh(&client, &mut state, now()));
    assert!(cross_checked.is_ok(), "{:?}", cross_checked.err());
    assert!(!state.memory.alarmed(), "{:?}", state.memory.evidence());
    assert_eq!(lagging.told(), 1);
}
