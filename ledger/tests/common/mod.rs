//! Real processes on loopback: a sequencer and validators started from the
//! built `assent-ledger` binary, killed when the test ends.

#![allow(dead_code)]

use assent_core::keys::SigningKey;
use assent_core::note::{Checkpoint, SignedCheckpoint};
use assent_core::trust::TrustPolicy;
use assent_core::tx::{Body, Kind, SignedTx};
use assent_ledger::demo::{self, DEMO_ORIGIN};
use assent_ledger::genesis::LedgerGenesis;
use assent_ledger::keyfile;
use rand_core::{OsRng, RngCore};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const BIN: &str = env!("CARGO_BIN_EXE_assent-ledger");

/// A loopback port for a process to bind later. Taken from below the
/// kernel's ephemeral range, so no port-0 socket of a parallel test can
/// take it between now and then, and from a counter, so two tests of this
/// binary never get the same one.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 200) as u16 * 50;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = base + n % 10_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A fresh database on the test PostgreSQL server (scripts/with-postgres.sh
/// starts one and names it in `ASSENT_TEST_POSTGRES`), as a `--store` URL.
pub fn fresh_database() -> String {
    let server = std::env::var("ASSENT_TEST_POSTGRES")
        .expect("ASSENT_TEST_POSTGRES is unset: run under scripts/with-postgres.sh");
    let mut tag = [0u8; 6];
    OsRng.fill_bytes(&mut tag);
    let name = format!("assent_{}", data_encoding::HEXLOWER.encode(&tag));
    let status = Command::new("psql")
        .arg(&server)
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .expect("running psql");
    assert!(status.success(), "creating database {name}");
    let (base, _) = server.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{name}")
}

/// A fresh database whose transactions are all `SERIALIZABLE`, as
/// CockroachDB runs every transaction: conflicts abort with SQLSTATE 40001
/// and the store must retry them.
pub fn fresh_serializable_database() -> String {
    let url = fresh_database();
    let (_, name) = url.rsplit_once('/').unwrap();
    let status = Command::new("psql")
        .arg(&url)
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-c"])
        .arg(format!(
            "ALTER DATABASE {name} SET default_transaction_isolation TO 'serializable'"
        ))
        .status()
        .expect("running psql");
    assert!(status.success(), "making {name} serializable");
    url
}

/// The store the shared suites run against: PostgreSQL when
/// `ASSENT_TEST_STORE=postgres`, else the embedded store.
pub fn store_under_test() -> Option<String> {
    (std::env::var("ASSENT_TEST_STORE").as_deref() == Ok("postgres")).then(fresh_database)
}

/// Waits until `done` holds, checking every 10 ms; fails saying `what`
/// once `limit` has passed.
pub fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A child process killed on drop.
pub struct Proc {
    pub child: Child,
    pub name: String,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// Its stderr so far (after it exited).
    pub fn stderr(&mut self) -> String {
        let mut out = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut out);
        }
        out
    }
}

/// A consortium's files in a temporary directory.
pub struct Consortium {
    pub dir: tempfile::TempDir,
    pub genesis: LedgerGenesis,
    pub url: String,
    pub sequencer: Option<Proc>,
    pub validators: Vec<Proc>,
    pub http: reqwest::blocking::Client,
    /// The sequencer's `--store` (a PostgreSQL URL), if not embedded.
    pub store: Option<String>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn sign(key: &SigningKey, kind: Kind) -> SignedTx {
    let mut nonce = [0u8; 8];
    OsRng.fill_bytes(&mut nonce);
    SignedTx::sign(&Body::new(now(), nonce, kind), key, DEMO_ORIGIN)
}

/// A new identity's enrolment: always valid, never the same twice.
pub fn enroll() -> SignedTx {
    sign(
        &fresh_key(),
        Kind::Enroll(assent_core::tx::Enroll {
            next: assent_core::ids::KeyCommitment::to(&fresh_key().public_key()),
        }),
    )
}

pub fn fresh_key() -> SigningKey {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    SigningKey::from_secret_bytes(&secret)
}

impl Consortium {
    /// Keys and genesis (3 validators, k = 2), nothing running.
    pub fn new() -> Self {
        Self::with_store(store_under_test())
    }

    /// Keys and genesis, the sequencer on `store` (None: embedded).
    pub fn with_store(store: Option<String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let urls = std::array::from_fn(|i| format!("http://127.0.0.1:{}", ports[i]));
        let genesis = demo::prepare(dir.path(), &urls).unwrap();
        Consortium {
            dir,
            genesis,
            url: String::new(),
            sequencer: None,
            validators: Vec::new(),
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            store,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn key(&self, name: &str) -> SigningKey {
        keyfile::read(&self.path(name)).unwrap()
    }

    pub fn trust(&self) -> TrustPolicy {
        self.genesis.trust_policy(300)
    }

    /// Starts (or restarts) the sequencer on a free port (the same port on a
    /// restart, so validators keep their URL).
    pub fn start_sequencer(&mut self) {
        let listen = if self.url.is_empty() {
            "127.0.0.1:0".to_owned()
        } else {
            self.url.trim_start_matches("http://").to_owned()
        };
        let (proc, url) = self.serve(&listen, "sequencer");
        self.url = url;
        self.sequencer = Some(proc);
    }

    /// Starts an `assent-ledger serve` process on `listen`, on this
    /// consortium's store; returns it and its URL.
    pub fn serve(&self, listen: &str, name: &str) -> (Proc, String) {
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--data"])
            .arg(self.path("sequencer"))
            .arg("--genesis")
            .arg(self.path("genesis.toml"))
            .arg("--key")
            .arg(self.path("sequencer.key"))
            .arg("--receipt-key")
            .arg(self.path("receipt.key"))
            .args([
                "--listen",
                listen,
                "--batch-interval-ms",
                "50",
                "--rate",
                "100000",
                "--burst",
                "100000",
                // Often, so restarts in these suites start from snapshots.
                "--snapshot-every",
                "64",
            ]);
        if let Some(store) = &self.store {
            command.args(["--store", store]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        let proc = Proc {
            child,
            name: name.to_owned(),
        };
        (proc, url)
    }

    /// Starts validator `i` (1-based) against `ledger` (default: the sequencer).
    pub fn start_validator(&mut self, i: usize, ledger: Option<&str>) {
        let child = Command::new(BIN)
            .args(["validate", "--data"])
            .arg(self.path(&format!("validator-{i}")))
            .arg("--genesis")
            .arg(self.path("genesis.toml"))
            .arg("--key")
            .arg(self.path(&format!("validator-{i}.key")))
            .args(["--ledger", ledger.unwrap_or(&self.url), "--poll-ms", "50"])
            .arg("--listen")
            .arg(
                self.genesis.validators[i - 1]
                    .url
                    .trim_start_matches("http://"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        self.validators.push(Proc {
            child,
            name: format!("validator-{i}"),
        });
    }

    pub fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.http.get(format!("{}{path}", self.url)).send().unwrap()
    }

    /// A GET signed by `key` (PROTOCOL §6 reads).
    pub fn signed_get(&self, path: &str, key: &SigningKey) -> reqwest::blocking::Response {
        let auth = assent_core::read_auth::sign(key, DEMO_ORIGIN, "GET", path, now());
        self.http
            .get(format!("{}{path}", self.url))
            .header("authorization", auth)
            .send()
            .unwrap()
    }

    /// A signed GET that must succeed, as JSON.
    pub fn signed_json(&self, path: &str, key: &SigningKey) -> Value {
        let r = self.signed_get(path, key);
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().unwrap()
    }

    /// A POST of JSON signed by `key`.
    pub fn signed_post(
        &self,
        path: &str,
        key: &SigningKey,
        body: &Value,
    ) -> reqwest::blocking::Response {
        let auth = assent_core::read_auth::sign(key, DEMO_ORIGIN, "POST", path, now());
        self.http
            .post(format!("{}{path}", self.url))
            .header("authorization", auth)
            .json(body)
            .send()
            .unwrap()
    }

    pub fn json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().unwrap()
    }

    /// Submits; returns the status and the JSON answer.
    pub fn submit(&self, tx: &SignedTx) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/submit", self.url))
            .body(tx.bytes().to_vec())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap())
    }

    pub fn ok(&self, tx: &SignedTx) -> Value {
        let (status, body) = self.submit(tx);
        assert_eq!(status, 200, "refused: {body}");
        body
    }

    /// Waits until a checkpoint of at least `size` has k cosignatures;
    /// returns that checkpoint's note.
    pub fn wait_cosigned(&self, size: u64) -> String {
        let start = Instant::now();
        loop {
            let answer = self.json("/api/v1/checkpoint");
            if answer["cosigned_size"].as_u64().is_some_and(|s| s >= size) {
                return answer["cosigned"].as_str().unwrap().to_owned();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no cosigned checkpoint of size {size}: {answer}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asserts, with a consistency proof from the node, that checkpoint
    /// `after` extends `before`.
    pub fn assert_extends(&self, before: &Checkpoint, after: &Checkpoint) {
        let cons = self.json(&format!(
            "/api/v1/consistency?first={}&second={}",
            before.size, after.size
        ));
        assent_core::merkle::verify_consistency(
            before.size,
            after.size,
            &assent_core::merkle::Hash(before.root),
            &assent_core::merkle::Hash(after.root),
            &hashes(&cons["proof"]),
        )
        .unwrap();
    }

    /// The newest checkpoint body (sequencer-signed only).
    pub fn latest(&self) -> Checkpoint {
        let note = self.get("/checkpoint").bytes().unwrap();
        SignedCheckpoint::parse(&note).unwrap().checkpoint().clone()
    }
}

pub fn b64(s: &Value) -> Vec<u8> {
    data_encoding::BASE64
        .decode(s.as_str().expect("a base64 string").as_bytes())
        .unwrap()
}

pub fn hashes(v: &Value) -> Vec<assent_core::merkle::Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| assent_core::merkle::Hash(b64(h).try_into().unwrap()))
        .collect()
}

pub fn data_dir(c: &Consortium) -> &Path {
    c.dir.path()
}
