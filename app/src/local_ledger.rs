//! The desktop app's local consortium: with no ledger configured, the app
//! starts `assent-ledger demo` as its child (keys, genesis and data kept in
//! the app's folder for the next run) and trusts the policy the demo writes.
//! `ASSENT_LEDGER` and `ASSENT_TRUST` (a trust.toml) point it at a real
//! ledger instead.

use anyhow::{bail, Context, Result};
use assent_app::model::Settings;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const LISTEN: &str = "127.0.0.1:7433";

/// The settings to start from: a configured ledger, or the local demo.
pub fn settings() -> Result<Settings> {
    if let (Ok(ledger), Ok(trust)) = (
        std::env::var("ASSENT_LEDGER"),
        std::env::var("ASSENT_TRUST"),
    ) {
        let trust = std::fs::read_to_string(&trust).with_context(|| format!("reading {trust}"))?;
        return Ok(Settings {
            ledger,
            trust,
            clinic: None,
        });
    }
    let store = assent_app::platform::PlatformStorage::open();
    let data = store.root().join("local-ledger");
    let url = start_demo(&data)?;
    let trust = std::fs::read_to_string(data.join("trust.toml"))
        .context("reading the demo's trust.toml")?;
    Ok(Settings {
        ledger: url,
        trust,
        clinic: None,
    })
}

fn ledger_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ASSENT_LEDGER_BIN") {
        return path.into();
    }
    let sibling = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("assent-ledger")));
    match sibling {
        Some(path) if path.exists() => path,
        _ => "assent-ledger".into(),
    }
}

/// Starts the demo and waits for its address. The child stops when this
/// process ends (its stdin closes).
fn start_demo(data: &std::path::Path) -> Result<String> {
    if std::net::TcpStream::connect(LISTEN).is_ok() && data.join("trust.toml").exists() {
        // Our demo from an earlier start is still up.
        return Ok(format!("http://{LISTEN}"));
    }
    let mut child = Command::new(ledger_binary())
        .args(["demo", "--stop-with-stdin", "--listen", LISTEN, "--data"])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting assent-ledger demo (build it with `cargo build -p assent-ledger`)")?;
    let stdout = child.stdout.take().context("demo stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("Assent demo ledger: ") {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(url) => url,
        Err(_) => {
            let _ = child.kill();
            bail!("the local ledger did not start within 30 s");
        }
    };
    // Keep the child (and its stdin) for the life of the process.
    std::mem::forget(child);
    Ok(url)
}
