//! The shared-log half of the PostgreSQL store: the submission queue, the
//! sequencing lease, the fenced batch commit, and what replicas follow.

use super::{append_in, backend, int, uint, PgStore, ROWS_PER_STATEMENT};
use crate::storage::{Outcome, Queued, SharedHead, SharedLog, StoreError};
use assent_core::ids::TxId;
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// A decided submission row back to its outcome.
fn outcome_of(row: &Row, first: usize) -> Result<Option<Outcome>, StoreError> {
    let index: Option<i64> = row.get(first);
    let time: Option<i64> = row.get(first + 1);
    let receipt: Option<String> = row.get(first + 2);
    let code: Option<String> = row.get(first + 3);
    let message: Option<String> = row.get(first + 4);
    Ok(match (index, time, receipt, code, message) {
        (Some(index), Some(time), Some(receipt), None, None) => Some(Outcome::Sequenced {
            index: uint(index)?,
            time: uint(time)?,
            receipt,
        }),
        (None, None, None, Some(code), Some(message)) => Some(Outcome::Refused { code, message }),
        (None, None, None, None, None) => None,
        _ => {
            return Err(StoreError::Damaged(
                "a submission's outcome is half written".into(),
            ))
        }
    })
}

fn tx_id(bytes: &[u8]) -> Result<TxId, StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map(TxId)
        .map_err(|_| StoreError::Damaged("a stored transaction id is not 32 bytes".into()))
}

/// One outcome as the six values of an `UPDATE … FROM (VALUES …)` row.
type OutcomeRow<'a> = (
    &'a [u8],
    Option<i64>,
    Option<i64>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn outcome_row<'a>(id: &'a TxId, outcome: &'a Outcome) -> Result<OutcomeRow<'a>, StoreError> {
    Ok(match outcome {
        Outcome::Sequenced {
            index,
            time,
            receipt,
        } => (
            id.as_bytes(),
            Some(int(*index)?),
            Some(int(*time)?),
            Some(receipt),
            None,
            None,
        ),
        Outcome::Refused { code, message } => {
            (id.as_bytes(), None, None, None, Some(code), Some(message))
        }
    })
}

/// Marks every submission of the batch decided (inside the caller's
/// transaction); all of them must be queued and undecided.
async fn record_outcomes(
    txn: &deadpool_postgres::Transaction<'_>,
    batch: i64,
    outcomes: &[(TxId, Outcome)],
) -> Result<(), StoreError> {
    for chunk in outcomes.chunks(ROWS_PER_STATEMENT) {
        let rows = chunk
            .iter()
            .map(|(id, outcome)| outcome_row(id, outcome))
            .collect::<Result<Vec<_>, _>>()?;
        let mut sql = String::from(
            "UPDATE assent_submissions SET batch = $1, idx = v.idx, leaf_time = v.t, \
             receipt = v.r, refusal_code = v.c, refusal = v.m FROM (VALUES ",
        );
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&batch];
        for (n, row) in rows.iter().enumerate() {
            if n > 0 {
                sql.push(',');
            }
            let p = 2 + 6 * n;
            sql.push_str(&format!(
                "(CAST(${} AS BYTEA), CAST(${} AS BIGINT), CAST(${} AS BIGINT), \
                 CAST(${} AS TEXT), CAST(${} AS TEXT), CAST(${} AS TEXT))",
                p,
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5
            ));
            params.extend([
                &row.0 as &(dyn ToSql + Sync),
                &row.1,
                &row.2,
                &row.3,
                &row.4,
                &row.5,
            ]);
        }
        sql.push_str(
            ") AS v (tx_id, idx, t, r, c, m) \
             WHERE assent_submissions.tx_id = v.tx_id AND assent_submissions.batch IS NULL",
        );
        let updated = txn.execute(sql.as_str(), &params).await.map_err(backend)?;
        if updated != chunk.len() as u64 {
            return Err(StoreError::Damaged(format!(
                "{} of {} submissions of the batch were not waiting",
                chunk.len() as u64 - updated,
                chunk.len()
            )));
        }
    }
    Ok(())
}

impl SharedLog for PgStore {
    fn head(&self) -> Result<SharedHead, StoreError> {
        let rows = self.rows("SELECT size, batch FROM assent_head WHERE id = 1", &[])?;
        let row = rows
            .first()
            .ok_or_else(|| StoreError::Damaged("the log's head row is missing".into()))?;
        Ok(SharedHead {
            size: uint(row.get(0))?,
            batch: uint(row.get(1))?,
        })
    }

    fn enqueue(&self, id: &TxId, tx: &[u8], received: u64) -> Result<bool, StoreError> {
        let queued = self.write(
            "INSERT INTO assent_submissions (tx_id, tx, received) VALUES ($1, $2, $3)",
            &[&id.as_bytes().as_slice(), &tx, &int(received)?],
        )?;
        Ok(queued.is_some())
    }

    fn requeue(&self, id: &TxId, batch: u64, received: u64) -> Result<bool, StoreError> {
        let requeued = self.write(
            "UPDATE assent_submissions SET batch = NULL, refusal_code = NULL, \
             refusal = NULL, received = $2 \
             WHERE tx_id = $1 AND batch = $3 AND refusal_code IS NOT NULL",
            &[&id.as_bytes().as_slice(), &int(received)?, &int(batch)?],
        )?;
        Ok(requeued == Some(1))
    }

    fn outcome(&self, id: &TxId) -> Result<Option<(u64, Outcome)>, StoreError> {
        let rows = self.rows(
            "SELECT batch, idx, leaf_time, receipt, refusal_code, refusal \
             FROM assent_submissions WHERE tx_id = $1 AND batch IS NOT NULL",
            &[&id.as_bytes().as_slice()],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let outcome = outcome_of(row, 1)?
            .ok_or_else(|| StoreError::Damaged("a decided submission has no outcome".into()))?;
        Ok(Some((uint(row.get(0))?, outcome)))
    }

    fn outcomes(&self, after: u64, upto: u64) -> Result<Vec<(TxId, u64, Outcome)>, StoreError> {
        let rows = self.rows(
            "SELECT tx_id, batch, idx, leaf_time, receipt, refusal_code, refusal \
             FROM assent_submissions WHERE batch > $1 AND batch <= $2",
            &[&int(after)?, &int(upto)?],
        )?;
        rows.iter()
            .map(|row| {
                let outcome = outcome_of(row, 2)?.ok_or_else(|| {
                    StoreError::Damaged("a decided submission has no outcome".into())
                })?;
                Ok((tx_id(row.get(0))?, uint(row.get(1))?, outcome))
            })
            .collect()
    }

    fn waiting(&self) -> Result<u64, StoreError> {
        let rows = self.rows(
            "SELECT COUNT(*) FROM assent_submissions WHERE batch IS NULL",
            &[],
        )?;
        uint(rows.first().map_or(0, |r| r.get(0)))
    }

    fn queued(&self, limit: usize) -> Result<Vec<Queued>, StoreError> {
        let rows = self.rows(
            "SELECT tx_id, tx, received FROM assent_submissions WHERE batch IS NULL \
             ORDER BY received, tx_id LIMIT $1",
            &[&int(limit as u64)?],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Queued {
                    id: tx_id(r.get(0))?,
                    tx: r.get(1),
                    received: uint(r.get(2))?,
                })
            })
            .collect()
    }

    fn lease(&self, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let taken = self.write(
            "UPDATE assent_lease SET holder = $1, \
             expires_at = CURRENT_TIMESTAMP + CAST($2 AS DOUBLE PRECISION) * INTERVAL '1' SECOND \
             WHERE id = 1 AND (holder = $1 OR holder IS NULL OR expires_at < CURRENT_TIMESTAMP)",
            &[&holder, &ttl.as_secs_f64()],
        )?;
        Ok(taken == Some(1))
    }

    fn release(&self, holder: &str) -> Result<(), StoreError> {
        self.write(
            "UPDATE assent_lease SET holder = NULL WHERE id = 1 AND holder = $1",
            &[&holder],
        )?;
        Ok(())
    }

    fn sequence(
        &self,
        holder: &str,
        ttl: Duration,
        at: u64,
        leaves: &[Vec<u8>],
        checkpoint: &[u8],
        outcomes: &[(TxId, Outcome)],
    ) -> Result<u64, StoreError> {
        self.retrying(|| {
            self.run(async {
                let mut client = self.client().await?;
                let txn = client.transaction().await.map_err(backend)?;
                // The fence: the lease row stays locked by this update until
                // commit, so no one can take the lease over mid-batch; and a
                // holder whose lease someone else took is refused. (An expired
                // lease no one took is still this holder's: nobody else can
                // have sequenced since.)
                let held = txn
                    .execute(
                        "UPDATE assent_lease SET expires_at = \
                         CURRENT_TIMESTAMP + CAST($2 AS DOUBLE PRECISION) * INTERVAL '1' SECOND \
                         WHERE id = 1 AND holder = $1",
                        &[&holder, &ttl.as_secs_f64()],
                    )
                    .await
                    .map_err(backend)?;
                if held != 1 {
                    return Err(StoreError::LeaseLost);
                }
                let batch = append_in(&txn, at, leaves, checkpoint).await?;
                record_outcomes(&txn, int(batch)?, outcomes).await?;
                txn.commit().await.map_err(backend)?;
                Ok(batch)
            })
        })
    }

    fn checkpoints_after(&self, after: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let rows = self.rows(
            "SELECT size, body FROM assent_checkpoints WHERE size > $1 ORDER BY size",
            &[&int(after)?],
        )?;
        rows.iter()
            .map(|r| Ok((uint(r.get(0))?, r.get(1))))
            .collect()
    }

    fn put_cosignature(&self, size: u64, validator: &str, line: &str) -> Result<(), StoreError> {
        let size = int(size)?;
        let params: [&(dyn ToSql + Sync); 3] = [&size, &validator, &line];
        let updated = self.write(
            "UPDATE assent_cosignatures SET line = $3 WHERE size = $1 AND validator = $2",
            &params,
        )?;
        if updated == Some(0) {
            // `None` here: another replica stored this validator's line first.
            self.write(
                "INSERT INTO assent_cosignatures (size, validator, line) VALUES ($1, $2, $3)",
                &params,
            )?;
        }
        Ok(())
    }

    fn cosignatures_from(&self, from: u64) -> Result<Vec<(u64, String)>, StoreError> {
        let rows = self.rows(
            "SELECT size, line FROM assent_cosignatures WHERE size >= $1 ORDER BY size",
            &[&int(from)?],
        )?;
        rows.iter()
            .map(|r| Ok((uint(r.get(0))?, r.get(1))))
            .collect()
    }
}
