//! `assent submit | history | qr | clinic …` end to end against a real
//! `assent-ledger demo` process on loopback (a sequencer and three
//! validators), including a ledger restored from an old backup, which the
//! wallet must catch (exit status 3).
//!
//! The ledger binary is the workspace's own, built next to `assent` by
//! `cargo test --workspace` (the README's test command).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ZERO_WORDS: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
    abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
    abandon abandon art";

fn ledger_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_assent")).with_file_name("assent-ledger");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p assent-ledger`) first",
        bin.display()
    );
    bin
}

/// A port p with p..p+3 free (the demo puts its validators on p+1..p+3).
fn free_ports() -> u16 {
    loop {
        let first = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = first.local_addr().unwrap().port();
        if p > 65_000 {
            continue;
        }
        let rest: Vec<_> = (1..=3)
            .map(|i| std::net::TcpListener::bind(("127.0.0.1", p + i)))
            .collect();
        if rest.iter().all(Result::is_ok) {
            return p;
        }
    }
}

struct Demo {
    child: Child,
    url: String,
    orgs: Vec<String>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Demo {
    fn start(data: &Path, port: u16) -> Demo {
        let mut child = Command::new(ledger_bin())
            .args(["demo", "--data"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut orgs = Vec::new();
        let url = loop {
            let line = lines.next().expect("demo exited").unwrap();
            if let Some(id) = line.split("organisation id ").nth(1) {
                orgs.push(id.trim().to_owned());
            }
            if let Some(url) = line.strip_prefix("Assent demo ledger: ") {
                break url.trim().to_owned();
            }
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Demo { child, url, orgs }
    }
}

struct Wallet {
    dir: tempfile::TempDir,
}

impl Wallet {
    fn new(trust: &Path) -> Wallet {
        let w = Wallet {
            dir: tempfile::tempdir().unwrap(),
        };
        let vault = w.path("v.vault");
        let out = w.run(
            &["key", "restore", "--vault", vault.to_str().unwrap()],
            Some(ZERO_WORDS),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        std::fs::copy(trust, w.path("w/trust.toml")).unwrap();
        w
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_assent"));
        cmd.arg("--wallet").arg(self.path("w")).args(args);
        cmd.env("ASSENT_PASSPHRASE", "pw")
            .env_remove("ASSENT_ORIGIN")
            .env_remove("ASSENT_WALLET")
            .env_remove("ASSENT_LEDGER");
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn public_key(&self) -> String {
        let v: Value = serde_json::from_str(&self.ok(&["key", "show", "--json"])).unwrap();
        v["public_key"].as_str().unwrap().to_owned()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `history --json` until `check` holds (entries reach a cosigned
/// checkpoint within a second or two).
fn history_until(w: &Wallet, url: &str, check: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let out = w.run(&["history", "--ledger", url, "--json"], None);
        if out.status.success() {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            if check(&v) {
                return v;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "history never got there: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn patient_and_clinic_against_a_real_ledger() {
    let data = tempfile::tempdir().unwrap();
    let port = free_ports();
    let mut demo = Demo::start(data.path(), port);
    let url = demo.url.clone();
    let org = demo.orgs[0].clone();
    let other_org = demo.orgs[1].clone();
    let w = Wallet::new(&data.path().join("trust.toml"));
    let clinic_key = data.path().join("org-riverside-clinic.key");
    let clinic_key = clinic_key.to_str().unwrap();
    let grant = w.path("g.cose");
    let grant_id = grant_to(&w, &org, &grant);
    let submitted = w.ok(&["submit", grant.to_str().unwrap(), "--ledger", &url]);
    assert!(submitted.contains("Submitted"), "{submitted}");
    let patient = w.public_key();
    for resource in ["Observation=3", "MedicationStatement"] {
        record_access(&w, &url, &org, clinic_key, &patient, &grant_id, resource);
    }
    let h = history_until(&w, &url, |v| {
        v["accesses"].as_array().is_some_and(|a| a.len() == 2)
    });
    let verdicts: Vec<&str> = h["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["covered", "outside_scope"]);
    assert_eq!(h["accesses"][0]["org_name"], "Riverside Clinic");
    assert_eq!(h["entries"], 4, "{h}"); // enroll, grant, two accesses
    assert_eq!(h["accesses"][0]["first_from_org"], true);
    assert_eq!(h["accesses"][1]["first_from_org"], false);

    // The patient disputes the second access by its entry number; the ledger
    // takes it once, and the history shows it.
    let entry = h["accesses"][1]["index"].as_u64().unwrap().to_string();
    let dispute = |reason: &str| {
        w.run(
            &["dispute", &entry, "--reason", reason, "--ledger", &url],
            None,
        )
    };
    let out = dispute("unexpected");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("I did not expect this"));
    let h = history_until(&w, &url, |v| v["accesses"][1]["disputed"] == "unexpected");
    assert!(h["accesses"][0]["disputed"].is_null());
    let out = dispute("no-emergency");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("already_disputed"),
        "{}",
        text(&out.stderr)
    );
    // The entry before the first access is the patient's grant.
    let grant_entry = (h["accesses"][0]["index"].as_u64().unwrap() - 1).to_string();
    let out = w.run(
        &[
            "dispute",
            &grant_entry,
            "--reason",
            "unexpected",
            "--ledger",
            &url,
        ],
        None,
    );
    assert!(
        text(&out.stderr).contains("is a Grant, not an access to your records"),
        "{}",
        text(&out.stderr)
    );

    // The grant as a QR code, scanned by the clinic (and by another one).
    let png = w.path("g.png");
    w.ok(&[
        "qr",
        grant.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
    ]);
    let scan = |org: &str, extra: &[&str]| {
        let mut args = vec![
            "clinic",
            "scan",
            png.to_str().unwrap(),
            "--org",
            org,
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = w.run(&args, None);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code(), v)
    };
    let online = ["--ledger", url.as_str(), "--key", clinic_key];
    let (code, v) = scan(&org, &online);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (Some(0), Some("valid")),
        "{v}"
    );
    assert_eq!(v["grant"], grant_id.as_str());
    let (code, v) = scan(&other_org, &[]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (Some(2), Some("not_for_this_clinic"))
    );
    // Online, the organisation it names is shown by its proven name.
    let (code, v) = scan(&other_org, &online);
    assert_eq!(code, Some(2));
    assert!(
        v["reason"].as_str().unwrap().contains("Riverside Clinic"),
        "{v}"
    );

    // A code with one character changed is forged.
    let text_code = w.ok(&["qr", grant.to_str().unwrap(), "--text"]);
    let mut forged: Vec<char> = text_code.trim().chars().collect();
    let i = forged.len() - 20;
    forged[i] = if forged[i] == '0' { '1' } else { '0' };
    let forged: String = forged.into_iter().collect();
    let out = w.run(
        &["clinic", "scan", "--text", &forged, "--org", &org, "--json"],
        None,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (out.status.code(), v["verdict"].as_str()),
        (Some(2), Some("forged")),
        "{v}"
    );

    // Revoked: the clinic's online check says so once a quorum has it.
    let revoke = w.path("r.cose");
    w.ok(&[
        "revoke",
        grant.to_str().unwrap(),
        "--out",
        revoke.to_str().unwrap(),
    ]);
    w.ok(&["submit", revoke.to_str().unwrap(), "--ledger", &url]);
    let start = Instant::now();
    loop {
        let (code, v) = scan(&org, &online);
        if v["verdict"] == "revoked" {
            assert_eq!(code, Some(2));
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "never revoked: {v}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }

    // A consent request QR from the clinic.
    let req = w.path("req.svg");
    w.ok(&[
        "clinic",
        "request",
        "--org",
        &org,
        "--key",
        clinic_key,
        "--class",
        "Observation",
        "--purpose",
        "TREAT",
        "--reply",
        "https://riverside.example/consent",
        "--svg",
        req.to_str().unwrap(),
    ]);
    assert!(std::fs::read_to_string(&req).unwrap().contains("<svg"));
    // The patient answers it: the signer is checked against the ledger's
    // directory, and the name shown comes from there.
    let request = |key: &str| {
        w.ok(&[
            "clinic",
            "request",
            "--org",
            &org,
            "--key",
            key,
            "--class",
            "Observation",
            "--purpose",
            "TREAT",
            "--reply",
            "https://riverside.example/consent",
            "--text",
        ])
    };
    let answer = |text: &str, out: &str| {
        w.run(
            &[
                "answer",
                "--text",
                text.trim(),
                "--days",
                "7",
                "--ledger",
                &url,
                "--out",
                w.path(out).to_str().unwrap(),
            ],
            None,
        )
    };
    let out = answer(&request(clinic_key), "a.cose");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Request from Riverside Clinic (verified on the ledger)"));
    let impostor = data.path().join("governance-1.key");
    let out = answer(&request(impostor.to_str().unwrap()), "b.cose");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not signed by a current key of Riverside Clinic"));
    assert!(!w.path("b.cose").exists());

    // The operator restores the ledger from an old backup: the wallet, which
    // verified a newer tree, catches it and keeps what it had.
    let h = history_until(&w, &url, |v| v["entries"].as_u64() >= Some(5));
    let held = h["checkpoint"]["size"].as_u64().unwrap();
    drop(demo);
    let backup = tempfile::tempdir().unwrap();
    copy_dir(data.path(), backup.path());
    demo = Demo::start(data.path(), port);
    for i in 0..3 {
        let g = w.path(&format!("g{i}.cose"));
        w.ok(&[
            "grant",
            "--to",
            &org,
            "--purpose",
            "TREAT",
            "--days",
            "1",
            "--out",
            g.to_str().unwrap(),
        ]);
        w.ok(&["submit", g.to_str().unwrap(), "--ledger", &url]);
    }
    let newer = history_until(&w, &url, |v| {
        v["checkpoint"]["size"].as_u64() > Some(held + 2)
    });
    let newer_size = newer["checkpoint"]["size"].as_u64().unwrap();
    drop(demo);
    std::fs::remove_dir_all(data.path()).unwrap();
    copy_dir(backup.path(), data.path());
    let _old = Demo::start(data.path(), port);
    let start = Instant::now();
    let out = loop {
        let out = w.run(&["history", "--ledger", &url], None);
        if out.status.code() == Some(3) || start.elapsed() > Duration::from_secs(40) {
            break out;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("LEDGER CAUGHT LYING"));
    // The evidence went to the validators' evidence endpoints; restored from
    // the same backup, they have not verified the newer checkpoint and
    // cannot judge it yet, so the wallet says it is not reported and will
    // post it again next time.
    assert!(
        text(&out.stderr).contains("The fork evidence was not yet reported to any validator"),
        "{}",
        text(&out.stderr)
    );
    let state: Value =
        serde_json::from_slice(&std::fs::read(w.path("w/ledger.json")).unwrap()).unwrap();
    assert!(!state["memory"]["evidence"].as_array().unwrap().is_empty());
    assert!(state["memory"]["evidence"][0]["reported_to"].is_null());
    assert!(state["memory"]["held"]
        .as_str()
        .unwrap()
        .contains(&format!("\n{newer_size}\n")));
}

/// Signs a grant to `org` into `file` and returns its id.
fn grant_to(w: &Wallet, org: &str, file: &Path) -> String {
    w.ok(&[
        "grant",
        "--to",
        org,
        "--class",
        "Observation",
        "--purpose",
        "TREAT",
        "--days",
        "30",
        "--out",
        file.to_str().unwrap(),
    ]);
    let shown: Value =
        serde_json::from_str(&w.ok(&["tx", "show", file.to_str().unwrap(), "--json"])).unwrap();
    shown["id"].as_str().unwrap().to_owned()
}

/// The clinic `org` (signing with `key`) records reading `resource` of
/// `patient`'s records for treatment under `grant`.
fn record_access(
    w: &Wallet,
    url: &str,
    org: &str,
    key: &str,
    patient: &str,
    grant: &str,
    resource: &str,
) {
    w.ok(&[
        "clinic",
        "record-access",
        "--org",
        org,
        "--key",
        key,
        "--patient",
        patient,
        "--grant",
        grant,
        "--resource",
        resource,
        "--purpose",
        "TREAT",
        "--ledger",
        url,
    ]);
}

#[test]
fn a_rotated_key_signs_for_the_same_identity_and_the_old_one_for_nothing() {
    let data = tempfile::tempdir().unwrap();
    let demo = Demo::start(data.path(), free_ports());
    let (url, org) = (demo.url.clone(), demo.orgs[0].clone());
    let w = Wallet::new(&data.path().join("trust.toml"));
    let patient = w.public_key();

    let first = w.path("a.cose");
    grant_to(&w, &org, &first);
    w.ok(&["submit", first.to_str().unwrap(), "--ledger", &url]);
    // One grant queued while the ledger is unreachable (it stays under the
    // old key and goes before the rotation), one signed and never sent.
    let queued = w.path("b.cose");
    grant_to(&w, &org, &queued);
    let offline = w.ok(&[
        "submit",
        queued.to_str().unwrap(),
        "--ledger",
        "http://127.0.0.1:9",
    ]);
    assert!(offline.contains("Queued"), "{offline}");
    let kept = w.path("kept.cose");
    grant_to(&w, &org, &kept);

    let rotated = w.ok(&["rotate", "--ledger", &url]);
    assert!(rotated.contains("now signs with key number 2"), "{rotated}");
    assert!(rotated.contains("accepted"), "{rotated}");
    assert_eq!(w.public_key(), patient, "the identity keeps its name");

    // The new key grants for the same patient, and the clinic's access under
    // that grant is covered in the verified history.
    let after = w.path("c.cose");
    let after_id = grant_to(&w, &org, &after);
    let shown: Value =
        serde_json::from_str(&w.ok(&["tx", "show", after.to_str().unwrap(), "--json"])).unwrap();
    assert_ne!(shown["signer"].as_str(), Some(patient.as_str()), "{shown}");
    w.ok(&["submit", after.to_str().unwrap(), "--ledger", &url]);
    let clinic_key = data.path().join("org-riverside-clinic.key");
    let key = clinic_key.to_str().unwrap();
    record_access(&w, &url, &org, key, &patient, &after_id, "Observation");
    let h = history_until(&w, &url, |v| {
        v["accesses"].as_array().is_some_and(|a| a.len() == 1)
    });
    // enroll, grant, queued grant, rotation, new grant, access
    assert_eq!(h["entries"], 6, "{h}");
    assert_eq!(h["accesses"][0]["verdict"], "covered", "{h}");

    // A clinic scanning what the old key signed and nobody sent: sound
    // offline, but online the ledger (asked by the clinic's submission)
    // refuses the replaced key, so it is unknown and the clinic must not rely
    // on it. The new key's unsent grant is accepted by that submission and
    // valid once a quorum checkpoint shows it.
    let scan = |file: &Path, online: bool| {
        let code = w.ok(&["qr", file.to_str().unwrap(), "--text"]);
        let mut args = vec![
            "clinic",
            "scan",
            "--text",
            code.trim(),
            "--org",
            &org,
            "--json",
        ];
        if online {
            args.extend(["--ledger", url.as_str(), "--key", key]);
        }
        let out = w.run(&args, None);
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    assert_eq!(scan(&kept, false)["verdict"], "valid");
    let v = scan(&kept, true);
    assert_eq!(v["verdict"], "unknown", "{v}");
    assert!(v["reason"].as_str().unwrap().contains("refuses"), "{v}");
    let unsent = w.path("d.cose");
    grant_to(&w, &org, &unsent);
    let v = scan(&unsent, true);
    assert_eq!(v["verdict"], "valid", "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains("live on the ledger"),
        "{v}"
    );
    w.ok(&["submit", unsent.to_str().unwrap(), "--ledger", &url]);

    // What the old key signed and nobody sent is refused now.
    let out = w.run(&["submit", kept.to_str().unwrap(), "--ledger", &url], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("stale_key"),
        "{}",
        text(&out.stderr)
    );
    // A second rotation goes on from the new key.
    let again = w.ok(&["rotate", "--ledger", &url]);
    assert!(again.contains("key number 3"), "{again}");
}

/// The same words on two devices: the laptop rotates, the phone still signs
/// with the old key and is refused; its next history check follows the
/// verified chain to the new key and signs the refused grant again.
#[test]
fn a_device_left_behind_by_a_rotation_elsewhere_catches_up() {
    let data = tempfile::tempdir().unwrap();
    let demo = Demo::start(data.path(), free_ports());
    let (url, org) = (demo.url.clone(), demo.orgs[0].clone());
    let trust = data.path().join("trust.toml");
    let (phone, laptop) = (Wallet::new(&trust), Wallet::new(&trust));
    assert_eq!(phone.public_key(), laptop.public_key(), "one identity");

    let first = phone.path("a.cose");
    grant_to(&phone, &org, &first);
    phone.ok(&["submit", first.to_str().unwrap(), "--ledger", &url]);
    let rotated = laptop.ok(&["rotate", "--ledger", &url]);
    assert!(rotated.contains("key number 2"), "{rotated}");

    let late = phone.path("b.cose");
    let late_id = grant_to(&phone, &org, &late);
    let out = phone.run(&["submit", late.to_str().unwrap(), "--ledger", &url], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("stale_key"),
        "{}",
        text(&out.stderr)
    );

    let out = phone.run(&["history", "--ledger", &url, "--json"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(said.contains("key number 2"), "{said}");
    assert!(said.contains(&format!("was {late_id}")), "{said}");
    // The grant signed again lands; what the phone signs now uses the new key.
    let h = history_until(&phone, &url, |v| v["entries"] == 4);
    assert_eq!(
        h["entries"], 4,
        "enroll, grant, rotation, the grant signed again: {h}"
    );
    let after = phone.path("c.cose");
    grant_to(&phone, &org, &after);
    let shown: Value =
        serde_json::from_str(&phone.ok(&["tx", "show", after.to_str().unwrap(), "--json"]))
            .unwrap();
    let laptop_next = laptop.path("d.cose");
    grant_to(&laptop, &org, &laptop_next);
    let laptop_shown: Value =
        serde_json::from_str(&laptop.ok(&["tx", "show", laptop_next.to_str().unwrap(), "--json"]))
            .unwrap();
    assert_eq!(
        shown["signer"], laptop_shown["signer"],
        "both devices sign with key 2"
    );
    phone.ok(&["submit", after.to_str().unwrap(), "--ledger", &url]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
