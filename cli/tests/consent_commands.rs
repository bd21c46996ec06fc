//! `assent grant | revoke | delegate | tx show | fhir` end to end, on the
//! real binary and real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ZERO_WORDS: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon \
    abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \
    abandon abandon art";
const ORG: &str = "abababababababababababababababababababababababababababababababab";
const CAREGIVER: &str = "assent18a26zll4ufuv79hguqawk45msp6jgdf4lv5mmcegj8x2972h3kksej5mua";

struct Wallet {
    dir: tempfile::TempDir,
}

impl Wallet {
    fn new() -> Self {
        let w = Wallet {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = w.run(
            &[
                "key",
                "restore",
                "--vault",
                w.path("v.vault").to_str().unwrap(),
            ],
            Some(ZERO_WORDS),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        w
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_assent"));
        cmd.arg("--wallet")
            .arg(self.dir.path().join("w"))
            .args(args);
        cmd.env("ASSENT_PASSPHRASE", "pw")
            .env_remove("ASSENT_ORIGIN")
            .env_remove("ASSENT_WALLET");
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
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args, None);
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    fn grant(&self, name: &str) -> PathBuf {
        let out = self.path(name);
        self.ok(&[
            "grant",
            "--to",
            ORG,
            "--class",
            "Observation",
            "--class",
            "DiagnosticReport",
            "--class",
            "MedicationRequest",
            "--deny-label",
            "PSY",
            "--purpose",
            "TREAT",
            "--days",
            "365",
            "--out",
            out.to_str().unwrap(),
        ]);
        out
    }
}

fn show(w: &Wallet, file: &Path) -> serde_json::Value {
    serde_json::from_str(&w.ok(&["tx", "show", file.to_str().unwrap(), "--json"])).unwrap()
}

#[test]
fn grant_then_show_explains_it_in_plain_words() {
    let w = Wallet::new();
    let g = w.grant("g.cose");
    let bytes = std::fs::read(&g).unwrap();
    assert!(
        bytes.len() <= 300,
        "a typical grant is {} bytes",
        bytes.len()
    );
    let shown = show(&w, &g);
    assert_eq!(shown["kind"], "Grant");
    assert_eq!(shown["signature"], "valid");
    assert_eq!(
        shown["signer"],
        "assent18jyp22zy6wyrvmdhlwkm2lq8qss0vktxxzz3kgv2vqknmcs6tnfq623cen"
    );
    let text = shown["explanation"].to_string();
    assert!(text.contains("test results and measurements"), "{text}");
    assert!(text.contains("for your treatment"), "{text}");
    assert!(
        text.contains("Except: any records marked as mental health"),
        "{text}"
    );
}

#[test]
fn a_tampered_or_foreign_transaction_is_refused() {
    let w = Wallet::new();
    let g = w.grant("g.cose");
    let mut bytes = std::fs::read(&g).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    let bad = w.path("bad.cose");
    std::fs::write(&bad, &bytes).unwrap();
    let err = w.fails(&["tx", "show", bad.to_str().unwrap()]);
    assert!(
        err.contains("not a valid transaction") || err.contains("does not verify"),
        "{err}"
    );
    let err = w.fails(&[
        "--origin",
        "another.ledger",
        "tx",
        "show",
        g.to_str().unwrap(),
    ]);
    assert!(
        err.contains("does not verify for ledger \"another.ledger\""),
        "{err}"
    );
    std::fs::write(&bad, b"not cbor at all").unwrap();
    assert!(w
        .fails(&["tx", "show", bad.to_str().unwrap()])
        .contains("not a valid transaction"));
}

#[test]
fn revoke_and_delegate_sign_what_they_say() {
    let w = Wallet::new();
    let g = w.grant("g.cose");
    let grant_id = show(&w, &g)["id"].as_str().unwrap().to_string();
    let r = w.path("r.cose");
    w.ok(&["revoke", g.to_str().unwrap(), "--out", r.to_str().unwrap()]);
    let shown = show(&w, &r);
    assert_eq!(shown["kind"], "Revoke");
    assert!(shown["explanation"].to_string().contains(&grant_id));
    // A revocation is not a grant: revoking it is refused.
    let err = w.fails(&[
        "revoke",
        r.to_str().unwrap(),
        "--out",
        w.path("rr.cose").to_str().unwrap(),
    ]);
    assert!(err.contains("not a grant"), "{err}");

    let d = w.path("d.cose");
    w.ok(&[
        "delegate",
        "--to",
        CAREGIVER,
        "--powers",
        "grant,history",
        "--class",
        "Observation",
        "--days",
        "30",
        "--out",
        d.to_str().unwrap(),
    ]);
    let text = show(&w, &d)["explanation"].to_string();
    assert!(
        text.contains("give access")
            && text.contains("see the access history")
            && !text.contains("end access"),
        "{text}"
    );
}

#[test]
fn fhir_export_then_import_gives_the_same_scope() {
    let w = Wallet::new();
    let g = w.grant("g.cose");
    let consent = w.ok(&["fhir", "export", g.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_str(&consent).unwrap();
    assert_eq!(json["resourceType"], "Consent");
    assert_eq!(json["status"], "active");
    let file = w.path("consent.json");
    std::fs::write(&file, &consent).unwrap();
    let draft = w.ok(&["fhir", "import", file.to_str().unwrap()]);
    let granted = show(&w, &g)["explanation"].clone();
    // The draft says the same about the scope as the grant does.
    for line in granted.as_array().unwrap().iter().skip(2) {
        let line = line.as_str().unwrap();
        if !line.starts_with("Except") {
            assert!(draft.contains(line), "{line:?} missing from:\n{draft}");
        }
    }
    let mut bad = json.clone();
    bad["provision"]["type"] = serde_json::json!("deny");
    std::fs::write(&file, bad.to_string()).unwrap();
    assert!(w
        .fails(&["fhir", "import", file.to_str().unwrap()])
        .contains("base provision must be a permit"));
}

#[test]
fn bad_arguments_say_what_is_wrong_and_sign_nothing() {
    let w = Wallet::new();
    let out = w.path("x.cose");
    let o = out.to_str().unwrap();
    let err = w.fails(&[
        "grant",
        "--to",
        ORG,
        "--purpose",
        "MARKETING",
        "--days",
        "1",
        "--out",
        o,
    ]);
    assert!(
        err.contains("unknown purpose \"MARKETING\"") && err.contains("TREAT"),
        "{err}"
    );
    let err = w.fails(&["grant", "--to", ORG, "--days", "1", "--out", o]);
    assert!(err.contains("at least one purpose"), "{err}");
    let err = w.fails(&[
        "grant",
        "--to",
        ORG,
        "--purpose",
        "TREAT",
        "--days",
        "1",
        "--until",
        "2030-01-01",
        "--out",
        o,
    ]);
    assert!(err.contains("cannot be used with"), "{err}");
    let err = w.fails(&[
        "grant",
        "--to",
        "nothex",
        "--purpose",
        "TREAT",
        "--days",
        "1",
        "--out",
        o,
    ]);
    assert!(err.contains("64 hex digits"), "{err}");
    let err = w.fails(&[
        "grant",
        "--to",
        ORG,
        "--purpose",
        "TREAT",
        "--until",
        "2001-01-01",
        "--out",
        o,
    ]);
    assert!(err.contains("end before it starts"), "{err}");
    assert!(!out.exists());
    let g = w.grant("g.cose");
    let err = w.fails(&[
        "grant",
        "--to",
        ORG,
        "--purpose",
        "TREAT",
        "--days",
        "1",
        "--out",
        g.to_str().unwrap(),
    ]);
    assert!(err.contains("already exists"), "{err}");
}
