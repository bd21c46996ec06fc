//! `assent-ledger demo`: a local consortium in one command (DESIGN §4) —
//! fresh keys and a genesis in the data directory (kept for the next run),
//! a sequencer and three validators with k = 2, two demo organisations and
//! an access monitor registered through governance, the trust policy file a
//! wallet needs, and `assent-monitor run` following the ledger when that
//! binary is beside this one.
//!
//! n = 3, k = 2 tolerates no dishonest validator against split views
//! (`k ≥ ⌊(n+f)/2⌋ + 1` gives f = 0); production uses n ≥ 4, k = 3.

use crate::api::{self, ApiOptions};
use crate::genesis::{
    GenesisFile, LedgerGenesis, MemberEntry, ValidatorFileEntry, DEFAULT_MAX_VIEW_AGE,
};
use crate::keyfile;
use crate::node::{unix_now, Node, NodeConfig};
use crate::validator::{Validator, ValidatorConfig};
use anyhow::{Context, Result};
use assent_core::codes::OrgKind;
use assent_core::ids::{OrgId, ProposalId};
use assent_core::keys::SigningKey;
use assent_core::note::{Vkey, VkeyKind};
use assent_core::tx::{Approve, Body, GovAction, Kind, Propose, SignedTx};
use rand_core::{OsRng, RngCore};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The demo ledger's origin (the `assent` CLI's default).
pub const DEMO_ORIGIN: &str = "local.assent.example";
/// The demo's validators.
pub const VALIDATORS: usize = 3;
/// The demo's quorum.
pub const K: usize = 2;

/// The demo organisations: kind, name and key file.
const ORGS: [(OrgKind, &str, &str); 2] = [
    (
        OrgKind::Clinic,
        "Riverside Clinic",
        "org-riverside-clinic.key",
    ),
    (
        OrgKind::Hospital,
        "Northside Hospital",
        "org-northside-hospital.key",
    ),
];

fn key_or_new(path: &Path) -> Result<SigningKey> {
    if path.exists() {
        Ok(keyfile::read(path)?)
    } else {
        Ok(keyfile::generate(path)?)
    }
}

/// Writes keys and `genesis.toml` into `data` unless they are there; the
/// validators will serve their cosigned checkpoints at `validator_urls`.
///
/// # Errors
/// If files cannot be written or read back.
pub fn prepare(data: &Path, validator_urls: &[String; VALIDATORS]) -> Result<LedgerGenesis> {
    std::fs::create_dir_all(data)?;
    let genesis_path = data.join("genesis.toml");
    if genesis_path.exists() {
        let text = std::fs::read_to_string(&genesis_path)?;
        return Ok(LedgerGenesis::parse(&text)?);
    }
    let sequencer = key_or_new(&data.join("sequencer.key"))?;
    let receipt = key_or_new(&data.join("receipt.key"))?;
    let mut governance = Vec::new();
    for (i, role) in ["member", "member", "regulator"].into_iter().enumerate() {
        let key = key_or_new(&data.join(format!("governance-{}.key", i + 1)))?;
        governance.push(MemberEntry {
            key: key.public_key().to_string(),
            role: role.into(),
        });
    }
    let mut validators = Vec::new();
    for i in 1..=VALIDATORS {
        let key = key_or_new(&data.join(format!("validator-{i}.key")))?;
        let vkey = Vkey::new(
            format!("validator-{i}.{DEMO_ORIGIN}"),
            VkeyKind::CosignatureV1,
            key.public_key(),
        )?;
        validators.push(ValidatorFileEntry {
            vkey: vkey.to_string(),
            url: validator_urls[i - 1].clone(),
        });
    }
    let file = GenesisFile {
        origin: DEMO_ORIGIN.into(),
        threshold: 2,
        k: K,
        sequencer: Vkey::new(DEMO_ORIGIN, VkeyKind::Ed25519, sequencer.public_key())?.to_string(),
        receipt: Vkey::new(
            format!("{DEMO_ORIGIN}/receipts"),
            VkeyKind::Ed25519,
            receipt.public_key(),
        )?
        .to_string(),
        max_tx_age: assent_core::state::DEFAULT_MAX_TX_AGE,
        daily_budget: assent_core::state::DEFAULT_DAILY_BUDGET,
        merge_delay: crate::genesis::DEFAULT_MERGE_DELAY,
        governance,
        validators,
    };
    let genesis = LedgerGenesis::from_file(file)?;
    assent_core::fsio::write_new_atomic(&genesis_path, genesis.to_toml().as_bytes())
        .context("writing genesis.toml")?;
    Ok(genesis)
}

fn sign(key: &SigningKey, kind: Kind) -> SignedTx {
    let mut nonce = [0u8; 8];
    OsRng.fill_bytes(&mut nonce);
    SignedTx::sign(&Body::new(unix_now(), nonce, kind), key, DEMO_ORIGIN)
}

/// Governance enacts `action`: member 1 proposes, member 2 approves. Returns
/// the proposal's id (an organisation's id, for a registration).
async fn enact(node: &Node, data: &Path, action: GovAction) -> Result<ProposalId> {
    let proposer = keyfile::read(&data.join("governance-1.key"))?;
    let approver = keyfile::read(&data.join("governance-2.key"))?;
    let propose = sign(
        &proposer,
        Kind::Propose(Propose {
            action,
            expires: unix_now() + 7 * 86_400,
        }),
    );
    let proposal = ProposalId(propose.id().0);
    node.submit(propose).await?;
    node.submit(sign(&approver, Kind::Approve(Approve { proposal })))
        .await?;
    Ok(proposal)
}

/// Registers the demo organisations.
pub async fn register_orgs(node: &Node, data: &Path) -> Result<Vec<(OrgId, String)>> {
    let mut out = Vec::new();
    for (kind, name, file) in ORGS {
        let org_key = key_or_new(&data.join(file))?;
        let action = GovAction::RegisterOrg {
            kind,
            keys: vec![org_key.public_key()],
            name: name.into(),
            endpoints: vec![],
            member: None,
        };
        let proposal = enact(node, data, action).await?;
        out.push((OrgId(proposal.0), format!("{name} (key file {file})")));
    }
    Ok(out)
}

/// Registers the demo's access monitor, run by `operator`, with the key in
/// `monitor.key`.
pub async fn register_monitor(node: &Node, data: &Path, operator: OrgId) -> Result<()> {
    let key = key_or_new(&data.join("monitor.key"))?;
    let action = GovAction::RegisterMonitor {
        key: key.public_key(),
        operator,
    };
    enact(node, data, action).await?;
    Ok(())
}

/// Starts `assent-monitor run` on the demo (the binary beside this one),
/// logging to `monitor.log`; `None`, saying why, when there is none. It
/// stops by itself once the ledger is gone.
fn start_monitor(data: &Path, url: &str) -> Option<std::process::Child> {
    let bin = std::env::current_exe()
        .ok()?
        .with_file_name("assent-monitor");
    if !bin.exists() {
        println!(
            "no access monitor: {} is missing (cargo build -p assent-monitor)",
            bin.display()
        );
        return None;
    }
    let log = std::fs::File::create(data.join("monitor.log")).ok()?;
    let child = std::process::Command::new(&bin)
        .args(["run", "--poll-ms", "2000", "--ledger", url, "--genesis"])
        .arg(data.join("genesis.toml"))
        .arg("--key")
        .arg(data.join("monitor.key"))
        .stdout(log.try_clone().ok()?)
        .stderr(log)
        .spawn();
    match child {
        Ok(child) => {
            println!(
                "access monitor: {} (log {})",
                bin.display(),
                data.join("monitor.log").display()
            );
            Some(child)
        }
        Err(e) => {
            println!("no access monitor: {}: {e}", bin.display());
            None
        }
    }
}

/// A consortium running in this process.
pub struct Running {
    /// The sequencer's URL.
    pub url: String,
    /// The sequencer node.
    pub node: Arc<Node>,
    /// The genesis.
    pub genesis: LedgerGenesis,
    /// The sequencer's HTTP server.
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts a sequencer on `listen` and the three validators on the next
/// three ports, with keys and genesis in `data` (made on first use).
///
/// # Errors
/// If anything fails to start.
pub async fn start(
    data: &Path,
    listen: &str,
    config: NodeConfig,
    options: &ApiOptions,
) -> Result<Running> {
    let store = crate::StoreChoice::Embedded(data.join("sequencer"));
    start_on(data, &store, listen, config, options).await
}

/// [`start`] with the sequencer's log on `store` (the load generator
/// compares the embedded store with PostgreSQL so).
///
/// # Errors
/// If anything fails to start.
pub async fn start_on(
    data: &Path,
    store: &crate::StoreChoice,
    listen: &str,
    config: NodeConfig,
    options: &ApiOptions,
) -> Result<Running> {
    let addr: std::net::SocketAddr = listen.parse().context("--listen must be IP:PORT")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let any_port = addr.port() == 0;
    let addr = listener.local_addr()?;
    let mut validator_listeners = Vec::new();
    for i in 1..=VALIDATORS as u16 {
        // Asked for any port: any ports for the validators too (the next
        // ones may be some other socket's).
        let port = if any_port {
            0
        } else {
            addr.port().wrapping_add(i)
        };
        let at = std::net::SocketAddr::new(addr.ip(), port);
        let l = tokio::net::TcpListener::bind(at)
            .await
            .with_context(|| format!("listening on {at} for validator {i}"))?;
        validator_listeners.push(l);
    }
    let urls: [String; VALIDATORS] = std::array::from_fn(|i| {
        format!(
            "http://{}",
            validator_listeners[i].local_addr().expect("bound")
        )
    });
    let genesis = prepare(data, &urls)?;
    let node = crate::open_node(
        store,
        genesis.clone(),
        &data.join("sequencer.key"),
        &data.join("receipt.key"),
        config,
    )?;
    let url = format!("http://{addr}");
    let server = tokio::spawn(crate::serve(
        listener,
        api::router(Arc::clone(&node), options),
    ));
    for (i, listener) in (1..=VALIDATORS).zip(validator_listeners) {
        let validator = Validator::open(
            genesis.clone(),
            ValidatorConfig {
                ledger: url.clone(),
                data: data.join(format!("validator-{i}")),
                key: keyfile::read(&data.join(format!("validator-{i}.key")))?,
                poll: Duration::from_millis(50),
                recosign: Duration::from_secs(30),
            },
        )?;
        tokio::spawn(crate::serve(
            listener,
            crate::validator::router(validator.handle()),
        ));
        tokio::spawn(validator.run());
    }
    Ok(Running {
        url,
        node,
        genesis,
        server,
    })
}

/// Runs the demo until Ctrl-C.
///
/// # Errors
/// If anything fails to start.
pub async fn run(data: &Path, listen: &str, cors_origins: Vec<String>) -> Result<()> {
    // Reads are open on the demo: it listens on loopback (PROTOCOL §6).
    let options = ApiOptions {
        cors_origins,
        open_reads: true,
        ..ApiOptions::default()
    };
    let config = NodeConfig {
        batch_interval: Duration::from_millis(100),
        ..NodeConfig::default()
    };
    let running = start(data, listen, config, &options).await?;
    let trust_path = data.join("trust.toml");
    let trust = running
        .genesis
        .trust_policy(DEFAULT_MAX_VIEW_AGE)
        .to_toml()?;
    std::fs::write(&trust_path, trust).context("writing trust.toml")?;
    if running.node.view().replica.is_empty() {
        let orgs = register_orgs(&running.node, data).await?;
        for (id, what) in &orgs {
            println!("registered {what}: organisation id {id}");
        }
        register_monitor(&running.node, data, orgs[0].0).await?;
    }
    let url = &running.url;
    println!("Assent demo ledger: {url}");
    println!("trust policy: {}", trust_path.display());
    println!("origin {DEMO_ORIGIN}; {VALIDATORS} validators, k = {K} (tolerates no dishonest validator; production uses n >= 4, k = 3)");
    println!("Ctrl-C stops it; the data stays in {}", data.display());
    let monitor = start_monitor(data, url);
    use std::io::Write;
    std::io::stdout().flush()?;
    let served = running.server.await;
    if let Some(mut monitor) = monitor {
        let _ = monitor.kill();
        let _ = monitor.wait();
    }
    served??;
    Ok(())
}
