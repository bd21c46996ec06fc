//! The PostgreSQL store: the log in a database that several
//! `assent-ledger serve` processes share (DESIGN §4 "Storage").
//!
//! [`Store`] is synchronous because its callers are: the sequencing thread,
//! the follower thread, and handlers through `spawn_blocking` or
//! `block_in_place`. The async driver (`tokio-postgres` with a
//! `deadpool-postgres` pool) runs on a small runtime of the store's own, and
//! each call waits for its query there.

mod derived;
mod schema;
mod shared;

use super::{contiguous, SharedLog, Snapshot, Store, StoreError};
use assent_core::merkle::Hash;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use std::future::Future;
use std::str::FromStr;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// Connections in the pool: readers, the sequencer and the follower.
const POOL_SIZE: usize = 16;
/// Rows per multi-row `INSERT` or `UPDATE … FROM (VALUES …)`.
const ROWS_PER_STATEMENT: usize = 500;

/// A log in a PostgreSQL database (or any engine speaking its protocol).
/// Commits use the server's `synchronous_commit` (on by default): a batch
/// is durable in the write-ahead log when [`Store::append`] returns.
pub struct PgStore {
    pool: Pool,
    runtime: Option<tokio::runtime::Runtime>,
}

/// A database error as a [`StoreError`]: a conflict the database asks
/// clients to retry (SQLSTATE 40001 serialization failure, 40P01 deadlock)
/// is [`StoreError::Conflict`].
fn backend<E: std::fmt::Display + 'static>(e: E) -> StoreError {
    let any: &dyn std::any::Any = &e;
    let pg =
        any.downcast_ref::<tokio_postgres::Error>()
            .or_else(
                || match any.downcast_ref::<deadpool_postgres::PoolError>() {
                    Some(deadpool_postgres::PoolError::Backend(pg)) => Some(pg),
                    _ => None,
                },
            );
    // tokio-postgres shows a server's error as "db error"; say which.
    let text = match pg.and_then(tokio_postgres::Error::as_db_error) {
        Some(db) => format!("{e}: {} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    };
    match pg.and_then(tokio_postgres::Error::code) {
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            StoreError::Conflict(text)
        }
        _ => StoreError::Backend(text),
    }
}

/// Attempts at a transaction the database aborted as conflicting.
const ATTEMPTS: u32 = 6;

/// The parameters of one statement.
type Params<'a> = [&'a (dyn ToSql + Sync)];

/// A `u64` as PostgreSQL's `BIGINT`.
fn int(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Backend(format!("{n} does not fit a BIGINT")))
}

/// A stored `BIGINT` back to `u64`.
fn uint(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Damaged(format!("negative count {n}")))
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`), makes the pool
    /// and applies any missing schema migrations.
    ///
    /// # Errors
    /// If the URL is malformed, the server unreachable or a migration fails.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Backend(format!("bad PostgreSQL URL: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("assent-pg")
            .enable_all()
            .build()
            .map_err(backend)?;
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(backend)?;
        let store = PgStore {
            pool,
            runtime: Some(runtime),
        };
        store.run(async {
            let mut client = store.pool.get().await.map_err(backend)?;
            schema::migrate(&mut client).await.map_err(backend)
        })?;
        Ok(store)
    }

    /// Runs `work` on the store's runtime and waits for it, from any thread.
    fn run<T: Send>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send,
    ) -> Result<T, StoreError> {
        let runtime = self.runtime.as_ref().expect("only taken on drop");
        match tokio::runtime::Handle::try_current() {
            // No runtime here (the sequencing and follower threads).
            Err(_) => runtime.block_on(work),
            // An async handler's thread: leave the async context first.
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| runtime.block_on(work))
            }
            // A current-thread runtime cannot be left: wait on another thread.
            Ok(_) => std::thread::scope(|scope| {
                scope
                    .spawn(|| runtime.block_on(work))
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }),
        }
    }

    /// Runs `attempt` until it does not end in [`StoreError::Conflict`] (it
    /// wrote nothing then), up to [`ATTEMPTS`] times with a doubling pause
    /// (taken like the attempts, off any async worker).
    fn retrying<T>(
        &self,
        mut attempt: impl FnMut() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pause = std::time::Duration::from_millis(2);
        for _ in 1..ATTEMPTS {
            match attempt() {
                Err(StoreError::Conflict(e)) => {
                    tracing::debug!("retrying after a storage conflict: {e}");
                    self.run(async {
                        tokio::time::sleep(pause).await;
                        Ok(())
                    })?;
                    pause *= 2;
                }
                done => return done,
            }
        }
        attempt()
    }

    /// A pooled connection.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(backend)
    }

    /// Runs one query outside a transaction (prepared once per pooled
    /// connection) and returns its rows.
    fn rows(&self, sql: &str, params: &Params<'_>) -> Result<Vec<Row>, StoreError> {
        self.retrying(|| {
            self.run(async {
                let client = self.client().await?;
                let statement = client.prepare_cached(sql).await.map_err(backend)?;
                client.query(&statement, params).await.map_err(backend)
            })
        })
    }

    /// Runs one write outside a transaction; the rows it changed, or `None`
    /// if it broke a unique key (another session wrote that row first).
    fn write(&self, sql: &str, params: &Params<'_>) -> Result<Option<u64>, StoreError> {
        self.retrying(|| {
            self.run(async {
                let client = self.client().await?;
                let statement = client.prepare_cached(sql).await.map_err(backend)?;
                match client.execute(&statement, params).await {
                    Ok(changed) => Ok(Some(changed)),
                    Err(e) if schema::is_duplicate(&e) => Ok(None),
                    Err(e) => Err(backend(e)),
                }
            })
        })
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which an async context forbids.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Leaves `[from, to)`, checked to be contiguous, on a pooled connection or
/// inside a transaction.
async fn read_leaves(
    client: &impl GenericClient,
    from: u64,
    to: u64,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let statement = client
        .prepare_cached(
            "SELECT idx, leaf FROM assent_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx",
        )
        .await
        .map_err(backend)?;
    let rows = client
        .query(&statement, &[&int(from)?, &int(to)?])
        .await
        .map_err(backend)?;
    contiguous(
        from,
        to,
        rows.iter().map(|row| Ok((uint(row.get(0))?, row.get(1)))),
    )
}

/// Inserts rows `(index, bytes)` from `first` on into `table (idx, column)`
/// (inside the caller's transaction), a few hundred per statement.
async fn insert_indexed<B: AsRef<[u8]> + Sync>(
    txn: &deadpool_postgres::Transaction<'_>,
    table: &str,
    first: u64,
    rows: &[B],
) -> Result<(), StoreError> {
    let mut index = first;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let indices = (index..index + chunk.len() as u64)
            .map(int)
            .collect::<Result<Vec<i64>, _>>()?;
        let bytes: Vec<&[u8]> = chunk.iter().map(AsRef::as_ref).collect();
        let mut sql = format!("INSERT INTO {table} VALUES ");
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        for (row, (i, b)) in indices.iter().zip(&bytes).enumerate() {
            if row > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, ${})", 2 * row + 1, 2 * row + 2));
            params.push(i);
            params.push(b);
        }
        txn.execute(sql.as_str(), &params).await.map_err(backend)?;
        index += chunk.len() as u64;
    }
    Ok(())
}

/// Appends inside `txn`: moves the head from `at` (or fails with
/// [`StoreError::NotAtEnd`]), writes the leaves, their tiles and the
/// checkpoint body, and returns the new batch number.
async fn append_in(
    txn: &deadpool_postgres::Transaction<'_>,
    at: u64,
    leaves: &[Vec<u8>],
    checkpoint: &[u8],
) -> Result<u64, StoreError> {
    let size = int(at + leaves.len() as u64)?;
    let moved = txn
        .execute(
            "UPDATE assent_head SET size = $1, batch = batch + 1 WHERE id = 1 AND size = $2",
            &[&size, &int(at)?],
        )
        .await
        .map_err(backend)?;
    if moved != 1 {
        let row = txn
            .query_one("SELECT size FROM assent_head WHERE id = 1", &[])
            .await
            .map_err(backend)?;
        return Err(StoreError::NotAtEnd {
            at,
            len: uint(row.get(0))?,
        });
    }
    insert_indexed(txn, "assent_leaves (idx, leaf)", at, leaves).await?;
    derived::write_tiles(txn, at, leaves).await?;
    if !leaves.is_empty() {
        txn.execute(
            "INSERT INTO assent_checkpoints (size, body) VALUES ($1, $2)",
            &[&size, &checkpoint],
        )
        .await
        .map_err(backend)?;
    }
    let row = txn
        .query_one("SELECT batch FROM assent_head WHERE id = 1", &[])
        .await
        .map_err(backend)?;
    uint(row.get(0))
}

impl Store for PgStore {
    fn len(&self) -> Result<u64, StoreError> {
        Ok(self.head()?.size)
    }

    fn leaves(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.retrying(|| {
            self.run(async {
                let client = self.client().await?;
                read_leaves(&client, from, to).await
            })
        })
    }

    fn leaf(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self.rows(
            "SELECT leaf FROM assent_leaves WHERE idx = $1",
            &[&int(index)?],
        )?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self.rows(
            "SELECT c.body FROM assent_checkpoints c JOIN assent_head h \
             ON c.size = h.size WHERE h.id = 1",
            &[],
        )?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn append(&self, at: u64, leaves: &[Vec<u8>], checkpoint: &[u8]) -> Result<(), StoreError> {
        self.retrying(|| {
            self.run(async {
                let mut client = self.client().await?;
                let txn = client.transaction().await.map_err(backend)?;
                append_in(&txn, at, leaves, checkpoint).await?;
                txn.commit().await.map_err(backend)
            })
        })
    }

    fn leaf_hashes(&self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        self.tile_hashes(from, to)
    }

    fn snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        self.newest_snapshot()
    }

    fn put_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        self.keep_snapshot(snapshot)
    }
}
