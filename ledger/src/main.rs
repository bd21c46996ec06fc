//! `assent-ledger`: run a sequencer, a validator, or a local demo consortium.

use anyhow::{Context, Result};
use assent_ledger::api::{self, ApiOptions};
use assent_ledger::genesis::LedgerGenesis;
use assent_ledger::node::NodeConfig;
use assent_ledger::validator::{Validator, ValidatorConfig};
use assent_ledger::{demo, keyfile};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "assent-ledger",
    version,
    about = "The Assent consortium ledger node"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the sequencer: accept, validate, append, checkpoint, serve.
    Serve {
        /// Data directory (keys; and the log in DIR/ledger.redb unless
        /// --store names a database).
        #[arg(long)]
        data: PathBuf,
        /// A PostgreSQL database for the log (postgres://user@host:port/db).
        /// Several `serve` processes may share one: each serves reads and
        /// takes submissions, and one at a time sequences.
        #[arg(long, value_parser = assent_ledger::StoreChoice::parse)]
        store: Option<assent_ledger::StoreChoice>,
        /// Address to listen on (port 0: any free port, printed on start).
        #[arg(long, default_value = "127.0.0.1:7433")]
        listen: String,
        /// The genesis file.
        #[arg(long)]
        genesis: PathBuf,
        /// The checkpoint signing key file [default: DIR/sequencer.key].
        #[arg(long)]
        key: Option<PathBuf>,
        /// The receipt signing key file [default: DIR/receipt.key].
        #[arg(long)]
        receipt_key: Option<PathBuf>,
        #[command(flatten)]
        tuning: Tuning,
    },
    /// Run a validator: replay the log, compare roots, cosign.
    Validate {
        /// The validator's data directory.
        #[arg(long)]
        data: PathBuf,
        /// The sequencer's URL.
        #[arg(long)]
        ledger: String,
        /// The validator's cosigning key file.
        #[arg(long)]
        key: PathBuf,
        /// The genesis file [default: DIR/genesis.toml].
        #[arg(long)]
        genesis: Option<PathBuf>,
        /// How often to poll the sequencer, in milliseconds.
        #[arg(long, default_value_t = 100)]
        poll_ms: u64,
        /// Re-cosign an unchanged checkpoint this often, in seconds.
        #[arg(long, default_value_t = 30)]
        recosign_secs: u64,
        /// Serve the newest cosigned checkpoint here (the URL in the genesis).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Start a local consortium: a sequencer and three validators (k = 2).
    Demo {
        /// Data directory (keys, genesis, trust policy and logs).
        #[arg(long)]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7433")]
        listen: String,
        /// Origins allowed to call the API from a browser.
        #[arg(long = "cors-origin")]
        cors_origins: Vec<String>,
        /// Stop when standard input closes (an app that starts the demo as
        /// its child uses this, so the demo never outlives it)
        #[arg(long)]
        stop_with_stdin: bool,
    },
    /// Make a key file and print its C2SP vkey.
    Keygen {
        /// Where to write the key (must not exist).
        #[arg(long)]
        out: PathBuf,
        /// The key's name in notes (e.g. the origin, or validator-1.example).
        #[arg(long)]
        name: String,
        /// `checkpoint` (signed-note Ed25519, 0x01) or `cosignature` (0x04).
        #[arg(long, value_parser = ["checkpoint", "cosignature"])]
        kind: String,
    },
}

#[derive(clap::Args)]
struct Tuning {
    /// Close a batch this many milliseconds after its first transaction.
    #[arg(long, default_value_t = 200)]
    batch_interval_ms: u64,
    /// Close a batch at this many transactions.
    #[arg(long, default_value_t = 2000)]
    batch_size: usize,
    /// Submissions per second per signer key.
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Burst of submissions per signer key.
    #[arg(long, default_value_t = 50.0)]
    burst: f64,
    /// Refuse submissions as busy while this many wait to be sequenced.
    #[arg(long, default_value_t = 20_000)]
    queue_limit: usize,
    /// Keep a snapshot of the replica every this many entries (0: never),
    /// so a restart replays only the entries after it.
    #[arg(long, default_value_t = 100_000)]
    snapshot_every: u64,
    /// Origins allowed to call the API from a browser.
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Serve history, status and decisions without signed requests.
    #[arg(long)]
    open_reads: bool,
}

fn read_genesis(path: &std::path::Path) -> Result<LedgerGenesis> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading genesis file {}", path.display()))?;
    Ok(LedgerGenesis::parse(&text)?)
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            data,
            store,
            listen,
            genesis,
            key,
            receipt_key,
            tuning,
        } => {
            let genesis = read_genesis(&genesis)?;
            let config = NodeConfig {
                batch_interval: Duration::from_millis(tuning.batch_interval_ms),
                batch_size: tuning.batch_size.max(1),
                snapshot_every: tuning.snapshot_every,
                queue_limit: tuning.queue_limit.max(1),
            };
            let store = store.unwrap_or_else(|| assent_ledger::StoreChoice::Embedded(data.clone()));
            let node = assent_ledger::open_node(
                &store,
                genesis,
                &key.unwrap_or_else(|| data.join("sequencer.key")),
                &receipt_key.unwrap_or_else(|| data.join("receipt.key")),
                config,
            )?;
            let options = ApiOptions {
                submit_rate: tuning.rate,
                submit_burst: tuning.burst,
                cors_origins: tuning.cors_origins,
                open_reads: tuning.open_reads,
            };
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            println!("listening on http://{}", listener.local_addr()?);
            std::io::stdout().flush()?;
            let served =
                assent_ledger::serve(listener, api::router(Arc::clone(&node), &options)).await;
            tokio::task::spawn_blocking(move || node.stop()).await?;
            served?;
        }
        Command::Validate {
            data,
            ledger,
            key,
            genesis,
            poll_ms,
            recosign_secs,
            listen,
        } => {
            let genesis = read_genesis(&genesis.unwrap_or_else(|| data.join("genesis.toml")))?;
            let config = ValidatorConfig {
                ledger: ledger.trim_end_matches('/').to_owned(),
                data,
                key: keyfile::read(&key)?,
                poll: Duration::from_millis(poll_ms),
                recosign: Duration::from_secs(recosign_secs),
            };
            let validator = Validator::open(genesis, config)?;
            if let Some(listen) = listen {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("listening on {listen}"))?;
                let router = assent_ledger::validator::router(validator.handle());
                tokio::spawn(assent_ledger::serve(listener, router));
            }
            let refusal = validator.run().await;
            anyhow::bail!("refused to cosign: {refusal}");
        }
        Command::Demo {
            data,
            listen,
            cors_origins,
            stop_with_stdin,
        } => {
            if stop_with_stdin {
                std::thread::spawn(|| {
                    use std::io::Read;
                    let mut sink = [0u8; 64];
                    while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
                    std::process::exit(0);
                });
            }
            demo::run(&data, &listen, cors_origins).await?
        }
        Command::Keygen { out, name, kind } => {
            let key = keyfile::generate(&out)?;
            let kind = if kind == "checkpoint" {
                assent_core::note::VkeyKind::Ed25519
            } else {
                assent_core::note::VkeyKind::CosignatureV1
            };
            println!(
                "{}",
                assent_core::note::Vkey::new(name, kind, key.public_key())?
            );
        }
    }
    Ok(())
}
