//! The PostgreSQL schema and its versioned migrations, applied at start.
//!
//! Only standard SQL types and statements plus what CockroachDB and
//! YugabyteDB also accept (`BYTEA`, `UPDATE … FROM`), so a distributed SQL
//! engine that speaks the PostgreSQL wire protocol can stand behind the
//! store. Each migration runs in one transaction that first inserts its
//! version: when several replicas start at once, one applies it and the
//! others' inserts fail on the primary key, so they roll back and move on.

use tokio_postgres::error::SqlState;

/// `(version, statements)`, applied in order; never edit a released one,
/// add the next.
pub(super) const MIGRATIONS: &[(i32, &[&str])] = &[
    (
        1,
        &[
            // The log: leaves by index, and every checkpoint body by size.
            "CREATE TABLE assent_leaves (idx BIGINT PRIMARY KEY, leaf BYTEA NOT NULL)",
            "CREATE TABLE assent_checkpoints (size BIGINT PRIMARY KEY, body BYTEA NOT NULL)",
            // One row: the log's size and the number of decided batches.
            "CREATE TABLE assent_head (id SMALLINT PRIMARY KEY CHECK (id = 1), \
         size BIGINT NOT NULL, batch BIGINT NOT NULL)",
            "INSERT INTO assent_head (id, size, batch) VALUES (1, 0, 0)",
            // The submission queue; a row is decided (batch set) in the same
            // transaction that appends its leaf, with its receipt or refusal.
            "CREATE TABLE assent_submissions (tx_id BYTEA PRIMARY KEY, tx BYTEA NOT NULL, \
         received BIGINT NOT NULL, batch BIGINT, idx BIGINT, leaf_time BIGINT, \
         receipt TEXT, refusal_code TEXT, refusal TEXT)",
            "CREATE INDEX assent_submissions_by_batch ON assent_submissions (batch, received)",
            // Validators' cosignatures, one per validator and checkpoint.
            "CREATE TABLE assent_cosignatures (size BIGINT NOT NULL, validator TEXT NOT NULL, \
         line TEXT NOT NULL, PRIMARY KEY (size, validator))",
            // The sequencing lease, timed by the database's clock.
            "CREATE TABLE assent_lease (id SMALLINT PRIMARY KEY CHECK (id = 1), holder TEXT, \
         expires_at TIMESTAMP WITH TIME ZONE NOT NULL)",
            "INSERT INTO assent_lease (id, holder, expires_at) VALUES (1, NULL, CURRENT_TIMESTAMP)",
        ],
    ),
    (
        2,
        &[
            // The leaves' hashes as tlog-tiles level-0 tiles (256 hashes of
            // 32 bytes; the newest partial), written with the leaves.
            "CREATE TABLE assent_tiles (idx BIGINT PRIMARY KEY, hashes BYTEA NOT NULL)",
            // The newest replica snapshot and the checkpoint body it is at.
            "CREATE TABLE assent_snapshots (size BIGINT PRIMARY KEY, checkpoint BYTEA NOT NULL, \
             state BYTEA NOT NULL)",
        ],
    ),
];

/// Applies every migration the database lacks.
pub(super) async fn migrate(
    client: &mut tokio_postgres::Client,
) -> Result<(), tokio_postgres::Error> {
    if let Err(e) = client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS assent_schema \
             (version INTEGER PRIMARY KEY, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)",
        )
        .await
    {
        // Two replicas creating it at once: the loser sees a duplicate table,
        // or (IF NOT EXISTS is not atomic in PostgreSQL) a duplicate of the
        // table's row type, 42710, once the winner has committed.
        if !is_duplicate(&e) && e.code() != Some(&SqlState::DUPLICATE_OBJECT) {
            return Err(e);
        }
    }
    for (version, statements) in MIGRATIONS {
        let txn = client.transaction().await?;
        let claimed = txn
            .execute(
                "INSERT INTO assent_schema (version, applied_at) VALUES ($1, CURRENT_TIMESTAMP)",
                &[version],
            )
            .await;
        match claimed {
            Ok(_) => {
                for statement in *statements {
                    txn.execute(*statement, &[]).await?;
                }
                txn.commit().await?;
                tracing::info!("applied schema migration {version}");
            }
            Err(e) if is_duplicate(&e) => txn.rollback().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A unique-key violation (a row or object another session made first).
pub(super) fn is_duplicate(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::DUPLICATE_TABLE
    )
}
