//! `assent-ledger demo` starts a local consortium in one command.

use assent_core::trust::TrustPolicy;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_demo_starts_a_cosigning_consortium_with_two_organisations() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_assent-ledger"))
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = None;
    let mut trust_path = None;
    let mut registered = 0;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(u) = line.strip_prefix("Assent demo ledger: ") {
            url = Some(u.to_owned());
        } else if let Some(p) = line.strip_prefix("trust policy: ") {
            trust_path = Some(p.to_owned());
            break;
        } else if line.starts_with("registered ") {
            registered += 1;
        }
    }
    let (url, trust_path) = (url.unwrap(), trust_path.unwrap());
    assert_eq!(registered, 2);
    let trust = TrustPolicy::from_toml(&std::fs::read_to_string(&trust_path).unwrap()).unwrap();
    assert_eq!((trust.validators.len(), trust.k), (3, 2));

    let http = reqwest::blocking::Client::new();
    let orgs: serde_json::Value = http
        .get(format!("{url}/api/v1/orgs"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 2);
    // The validators cosign the registrations.
    let start = Instant::now();
    let note = loop {
        let cp: serde_json::Value = http
            .get(format!("{url}/api/v1/checkpoint"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        // Two organisations and the monitor: a proposal and an approval each.
        if cp["cosigned_size"].as_u64() == Some(6) {
            break cp["cosigned"].as_str().unwrap().to_owned();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{cp}");
        std::thread::sleep(Duration::from_millis(50));
    };
    trust.verify_checkpoint(note.as_bytes()).unwrap();
    // Each validator serves the checkpoint it cosigned.
    for v in &trust.validators {
        let served = http.get(format!("{}/checkpoint", v.url)).send().unwrap();
        assert!(served.status().is_success());
    }
    let _ = child.kill();
    let _ = child.wait();
}
