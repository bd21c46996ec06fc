//! # assent-ledger: the consortium ledger node
//!
//! A permissioned, verifiable, append-only log (DESIGN §4): a sequencer that
//! validates each transaction with `assent-core`'s rules and appends it to an
//! RFC 9162 Merkle tree, a sparse Merkle state map, C2SP checkpoints signed by
//! the sequencer and cosigned by consortium validators that replay the log
//! themselves, and an HTTP API (C2SP `tlog-tiles` plus Assent's JSON API).
//!
//! | module | what |
//! | --- | --- |
//! | [`genesis`] | `genesis.toml`: governance, sequencer and validator keys, k |
//! | [`storage`] | the durable log behind a small trait: [`storage::RedbStore`] embedded, [`storage::PgStore`] shared |
//! | [`node`] | the sequencer: batching, durability, checkpoints, cosignatures |
//! | [`api`] | the HTTP API |
//! | [`validator`] | `assent-ledger validate`: replay, compare, cosign |
//! | [`demo`] | `assent-ledger demo`: a local consortium in one command |
//! | [`keyfile`] | operators' key files |
//!
//! Every rule lives in core: the node calls [`assent_core::replica::Replica`]
//! to append, and validators call the same type to replay.

pub mod api;
pub mod demo;
pub mod genesis;
pub mod keyfile;
pub mod metrics;
pub mod node;
pub mod storage;
pub mod validator;

use std::net::SocketAddr;
use std::sync::Arc;

/// Serves `router` on `listener` until Ctrl-C (SIGINT) or SIGTERM, then
/// answers the requests in flight and returns.
///
/// # Errors
/// If the server fails.
pub async fn serve(listener: tokio::net::TcpListener, router: axum::Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop_signal())
    .await
}

/// Ctrl-C, or SIGTERM (what service managers send) on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Where `assent-ledger serve` keeps its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// The embedded store in this data directory (one process).
    Embedded(std::path::PathBuf),
    /// A PostgreSQL database at this URL, shared by every process given it.
    Postgres(String),
}

impl StoreChoice {
    /// `postgres://…` or `postgresql://…` is a database; anything else is
    /// rejected (the embedded store is the default, chosen by `--data`).
    ///
    /// # Errors
    /// If `text` is not a PostgreSQL URL.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Ok(StoreChoice::Postgres(text.to_owned()))
        } else {
            anyhow::bail!("--store takes a postgres:// URL (the embedded store is the default)")
        }
    }
}

/// Starts a sequencer node on `store` with `genesis`, with the keys in the
/// given files.
///
/// # Errors
/// If the keys, genesis or store are not usable.
pub fn open_node(
    store: &StoreChoice,
    genesis: genesis::LedgerGenesis,
    checkpoint_key: &std::path::Path,
    receipt_key: &std::path::Path,
    config: node::NodeConfig,
) -> anyhow::Result<Arc<node::Node>> {
    let keys = node::NodeKeys {
        checkpoint: keyfile::read(checkpoint_key)?,
        receipt: keyfile::read(receipt_key)?,
    };
    let backend = match store {
        StoreChoice::Embedded(dir) => {
            node::Backend::Local(Arc::new(storage::RedbStore::open(dir)?))
        }
        StoreChoice::Postgres(url) => node::Backend::Shared(Arc::new(storage::PgStore::open(url)?)),
    };
    Ok(node::Node::open(genesis, backend, keys, config)?)
}
