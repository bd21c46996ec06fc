//! Faults on real processes: a validator fed a tampered entry, and a
//! sequencer killed with SIGKILL in the middle of a stream of submissions.

mod common;

use assent_core::note::SignedCheckpoint;
use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A loopback HTTP proxy to `upstream` that flips one byte in the last entry
/// of every entry bundle it passes on.
fn tampering_proxy(upstream: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let http = reqwest::blocking::Client::new();
        for stream in listener.incoming().flatten() {
            let _ = relay(&http, &upstream, stream);
        }
    });
    url
}

fn relay(
    http: &reqwest::blocking::Client,
    upstream: &str,
    mut stream: TcpStream,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let (method, path) = (parts.next().unwrap_or("GET"), parts.next().unwrap_or("/"));
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[head_end..].to_vec();
    let answer = http
        .request(method.parse().unwrap(), format!("{upstream}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .map_err(std::io::Error::other)?;
    let status = answer.status().as_u16();
    let mut bytes = answer.bytes().map_err(std::io::Error::other)?.to_vec();
    if path.starts_with("/tile/entries/") && bytes.len() > 10 {
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
    }
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        bytes.len()
    )?;
    stream.write_all(&bytes)
}

#[test]
fn a_validator_fed_a_tampered_entry_refuses_to_cosign() {
    let mut c = Consortium::new();
    c.start_sequencer();
    c.start_validator(1, None);
    c.start_validator(2, None);
    let proxy = tampering_proxy(c.url.clone());
    c.start_validator(3, Some(&proxy));

    for _ in 0..3 {
        c.ok(&enroll());
    }
    let size = c.latest().size;
    let note = c.wait_cosigned(size);
    // The honest two make the quorum; the fed one refused and halted.
    let deadline = Instant::now() + Duration::from_secs(30);
    let fed = &mut c.validators[2];
    let status = loop {
        if let Some(status) = fed.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the fed validator did not halt");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let log = fed.stderr();
    assert!(log.contains("refusing to cosign"), "{log}");
    assert!(log.contains("entry refused on replay"), "{log}");
    let signed = SignedCheckpoint::parse(note.as_bytes()).unwrap();
    let names: Vec<&str> = signed.signatures().iter().map(|s| s.name()).collect();
    assert!(
        !names.iter().any(|n| n.starts_with("validator-3")),
        "{names:?}"
    );
    assert!(c.trust().verify_checkpoint(note.as_bytes()).is_ok());
}

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_transaction() {
    let mut c = Consortium::new();
    c.start_sequencer();
    let first_acked = enroll();
    c.ok(&first_acked);
    let acked: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let streams: Vec<_> = (0..4)
        .map(|_| {
            let (acked, stop, url) = (acked.clone(), stop.clone(), c.url.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let tx = enroll();
                    let Ok(r) = http
                        .post(format!("{url}/api/v1/submit"))
                        .body(tx.bytes().to_vec())
                        .send()
                    else {
                        continue;
                    };
                    if r.status().is_success() {
                        let body: serde_json::Value = r.json().unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .push((tx.id().to_string(), body["index"].as_u64().unwrap()));
                    }
                }
            })
        })
        .collect();
    // Let a few batches land, remember a checkpoint, then SIGKILL mid-stream.
    wait_until(
        "the sequencer stopped acknowledging",
        Duration::from_secs(60),
        || acked.lock().unwrap().len() >= 150,
    );
    let before = c.latest();
    let mut seq = c.sequencer.take().unwrap();
    seq.child.kill().unwrap(); // SIGKILL
    seq.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for s in streams {
        s.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();

    c.start_sequencer();
    // It started from a snapshot (one is kept every 64 entries) and
    // replayed the rest.
    let health = c.json("/health");
    let snapshot = health["started_from_snapshot"].as_u64();
    assert!(snapshot.is_some_and(|s| s >= 64), "{health}");
    let after = c.latest();
    assert!(after.size >= before.size);
    assert!(after.size as usize >= acked.len());
    for (tx, index) in &acked {
        let inc = c.json(&format!("/api/v1/inclusion?tx={tx}&size={}", after.size));
        assert_eq!(inc["index"].as_u64(), Some(*index), "{tx}");
    }
    // The log after the restart extends the one before.
    c.assert_extends(&before, &after);
    // What the restored replica remembers: an acknowledged transaction
    // sent again is a replay.
    let (status, body) = c.submit(&first_acked);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("replay"))
    );
    // And it still takes transactions.
    c.ok(&enroll());
}
