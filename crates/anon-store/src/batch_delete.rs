//! Deleting many rows in bounded batches, each its own short transaction,
//! so a large purge never holds the write lock for long.

use sqlx::sqlite::SqlitePool;

use crate::error::StoreError;

/// A value bound to a batched delete statement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

/// Runs `statement` until it deletes fewer than `batch_size` rows; returns
/// the total. The statement's last placeholder is the batch size, e.g.
/// `DELETE FROM t WHERE rowid IN (SELECT rowid FROM t WHERE x < ?1 LIMIT ?2)`.
pub(crate) async fn delete_in_batches(
    pool: &SqlitePool,
    statement: &str,
    args: &[Arg<'_>],
    batch_size: u32,
) -> Result<u64, StoreError> {
    if batch_size == 0 {
        return Err(StoreError::InvalidArgument("batch size must be at least 1"));
    }
    let mut total = 0;
    loop {
        let mut query = sqlx::query(statement);
        for arg in args {
            query = match *arg {
                Arg::Text(text) => query.bind(text),
                Arg::Int(int) => query.bind(int),
            };
        }
        let deleted = query
            .bind(i64::from(batch_size))
            .execute(pool)
            .await?
            .rows_affected();
        total += deleted;
        if deleted < u64::from(batch_size) {
            return Ok(total);
        }
    }
}
