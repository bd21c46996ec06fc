//! Load generator: a local consortium (sequencer and three validators, k = 2)
//! in this process, then signed grants submitted over HTTP by concurrent
//! clients. Reports the durable ingest rate and the latency from submit to a
//! quorum-cosigned checkpoint containing the transaction; then the latency
//! of serving inclusion proofs for them.
//!
//! `cargo run --release -p assent-ledger --example loadgen -- [TXS] [CLIENTS] [BATCH_MS] [STORE]`
//!
//! STORE is `embedded` (the default) or a `postgres://` URL of an empty
//! database, so both stores are measured by the same generator.
//!
//! Each client has one request in flight, so the rate is at most
//! clients ÷ latency (Little's law): many wallets at once, as in production.

use anyhow::Result;
use assent_core::codes::{Action, OrgKind, Purpose, ResourceType};
use assent_core::ids::KeyCommitment;
use assent_core::keys::SigningKey;
use assent_core::scope::{Period, Provision, Scope};
use assent_core::tx::{Body, Enroll, Grant, Kind, SignedTx};
use assent_ledger::api::ApiOptions;
use assent_ledger::demo::{self, DEMO_ORIGIN};
use assent_ledger::node::NodeConfig;
use assent_ledger::StoreChoice;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn key(n: u32, salt: u8) -> SigningKey {
    let mut secret = [salt; 32];
    secret[..4].copy_from_slice(&n.to_be_bytes());
    SigningKey::from_secret_bytes(&secret)
}

fn sign(key: &SigningKey, nonce: u64, kind: Kind) -> SignedTx {
    SignedTx::sign(
        &Body::new(now(), nonce.to_be_bytes(), kind),
        key,
        DEMO_ORIGIN,
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let txs: usize = args.get(1).map_or(Ok(20_000), |s| s.parse())?;
    let clients: usize = args.get(2).map_or(Ok(1000), |s| s.parse())?;
    let batch_ms: u64 = args.get(3).map_or(Ok(50), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let store = match args.get(4).map(String::as_str) {
        None | Some("embedded") => StoreChoice::Embedded(dir.path().join("sequencer")),
        Some(url) => StoreChoice::parse(url)?,
    };
    let options = ApiOptions {
        submit_rate: 1e9,
        submit_burst: 1e9,
        ..ApiOptions::default()
    };
    let config = NodeConfig {
        batch_interval: Duration::from_millis(batch_ms),
        ..NodeConfig::default()
    };
    let consortium = demo::start_on(dir.path(), &store, "127.0.0.1:0", config, &options).await?;
    let orgs = demo::register_orgs(&consortium.node, dir.path()).await?;
    let clinic = orgs[0].0;
    let _ = OrgKind::Clinic;

    // Patients (the default daily budget is 100 per identity).
    let patients = (txs / 90 + 1) as u32;
    let mut nonce = 0;
    let mut enrolments = tokio::task::JoinSet::new();
    for p in 0..patients {
        nonce += 1;
        let enroll = Kind::Enroll(Enroll {
            next: KeyCommitment::to(&key(p, 2).public_key()),
        });
        let (node, tx) = (consortium.node.clone(), sign(&key(p, 1), nonce, enroll));
        enrolments.spawn(async move { node.submit(tx).await });
    }
    while let Some(done) = enrolments.join_next().await {
        done??;
    }
    let scope = Scope {
        permit: Provision {
            resource_types: [ResourceType::Observation].into(),
            actions: [Action::Access].into(),
            purposes: [Purpose::Treat].into(),
            period: Some(Period {
                start: now() - 60,
                end: now() + 86_400,
            }),
            ..Provision::default()
        },
        deny: vec![],
    };
    let grants: Vec<Vec<u8>> = (0..txs)
        .map(|i| {
            nonce += 1;
            let grant = Kind::Grant(Grant {
                grantee: clinic,
                scope: scope.clone(),
                patient: None,
                via: None,
                request: None,
            });
            sign(&key(i as u32 % patients, 1), nonce, grant)
                .bytes()
                .to_vec()
        })
        .collect();

    // Watch the newest quorum-cosigned size.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let cosigned_at: Arc<Mutex<Vec<(u64, Instant)>>> = Arc::default();
    let watcher = {
        let (http, url, cosigned_at) = (http.clone(), consortium.url.clone(), cosigned_at.clone());
        tokio::spawn(async move {
            let mut last = 0;
            loop {
                if let Ok(r) = http.get(format!("{url}/api/v1/checkpoint")).send().await {
                    if let Ok(v) = r.json::<serde_json::Value>().await {
                        let size = v["cosigned_size"].as_u64().unwrap_or(0);
                        if size > last {
                            last = size;
                            cosigned_at.lock().unwrap().push((size, Instant::now()));
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    let bar = ProgressBar::new(txs as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} grants {per_sec}",
    )?);
    let grants = Arc::new(grants);
    let next = Arc::new(AtomicU64::new(0));
    let acks: Arc<Mutex<Vec<(Instant, u64)>>> = Arc::default();
    let start = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url, grants, next, acks, bar) = (
                http.clone(),
                consortium.url.clone(),
                grants.clone(),
                next.clone(),
                acks.clone(),
                bar.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(body) = grants.get(i) else { break };
                    let sent = Instant::now();
                    let r = http
                        .post(format!("{url}/api/v1/submit"))
                        .body(body.clone())
                        .send()
                        .await;
                    if let Ok(r) = r {
                        if r.status().is_success() {
                            let v: serde_json::Value = r.json().await.unwrap();
                            acks.lock()
                                .unwrap()
                                .push((sent, v["index"].as_u64().unwrap()));
                        }
                    }
                    bar.inc(1);
                }
            })
        })
        .collect();
    for w in workers {
        w.await?;
    }
    let elapsed = start.elapsed();
    bar.finish();
    let acks = acks.lock().unwrap().clone();
    let last_index = acks.iter().map(|a| a.1).max().unwrap_or(0);
    while cosigned_at
        .lock()
        .unwrap()
        .last()
        .is_none_or(|(s, _)| *s <= last_index)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    watcher.abort();
    let cosigned = cosigned_at.lock().unwrap().clone();
    let mut latencies: Vec<Duration> = acks
        .iter()
        .map(|(sent, index)| {
            let (_, at) = cosigned
                .iter()
                .find(|(size, _)| size > index)
                .expect("cosigned");
            at.saturating_duration_since(*sent)
        })
        .collect();
    latencies.sort();
    println!(
        "{} of {txs} grants acknowledged in {:.2} s over HTTP with {clients} clients: {:.0} tx/s durable",
        acks.len(),
        elapsed.as_secs_f64(),
        acks.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "submit → quorum-cosigned checkpoint (3 validators, k = 2, batches of {batch_ms} ms): p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        latencies.last().unwrap()
    );
    serve_proofs(&http, &consortium.url, &acks, clients.min(32)).await;
    Ok(())
}

/// Fetches an inclusion proof for each acknowledged grant (by index, at the
/// newest size) with `clients` concurrent readers; prints p50 and p99.
async fn serve_proofs(http: &reqwest::Client, url: &str, acks: &[(Instant, u64)], clients: usize) {
    let size = acks.iter().map(|a| a.1).max().unwrap_or(0) + 1;
    let indices: Arc<Vec<u64>> = Arc::new(acks.iter().map(|a| a.1).collect());
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let readers: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url, indices, next) =
                (http.clone(), url.to_owned(), indices.clone(), next.clone());
            tokio::spawn(async move {
                let mut took = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(index) = indices.get(i) else { break };
                    let sent = Instant::now();
                    let r = http
                        .get(format!("{url}/api/v1/inclusion?index={index}&size={size}"))
                        .send()
                        .await
                        .expect("the node answers");
                    assert!(
                        r.status().is_success(),
                        "inclusion of {index}: {}",
                        r.status()
                    );
                    r.bytes().await.expect("a body");
                    took.push(sent.elapsed());
                }
                took
            })
        })
        .collect();
    let mut took = Vec::new();
    for r in readers {
        took.extend(r.await.expect("a reader"));
    }
    let elapsed = start.elapsed();
    took.sort();
    println!(
        "inclusion proofs ({} with {clients} readers): {:.0} proofs/s, p50 {:?}, p99 {:?}",
        took.len(),
        took.len() as f64 / elapsed.as_secs_f64(),
        percentile(&took, 0.5),
        percentile(&took, 0.99)
    );
}
