//! `storesync.replay(event_id)` and `storesync.replay_failed(source, since)`: re-run the mapping
//! of stored events, after a fix or an upgrade.
//!
//! Replaying is idempotent: typed rows are versioned by the event's own time, so applying an
//! event again changes nothing that a newer event set, and applying it twice is applying it
//! once. Secrets redacted from the stored payload are treated as not sent, so a replay never
//! overwrites the real ones.

use crate::ingest::from_pg_micros;
use crate::outcome::Status;
use crate::platforms::Platform;
use crate::spi::first_i64;
use crate::{apply, inbox};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use serde_json::Value;

/// One replayed event: id, name, status before, status after, error.
type ReplayRow = (i64, String, String, String, Option<String>);

/// Re-runs the mapping of one stored event in the caller's transaction and records the new
/// status. Returns what it did: the event, its status before and after, and the error if it
/// failed again. An unknown id raises `P0002` (no_data_found).
#[pg_extern(volatile, parallel_unsafe)]
fn replay(
    event_id: i64,
) -> TableIterator<
    'static,
    (
        name!(event_id, i64),
        name!(event_name, String),
        name!(previous_status, String),
        name!(status, String),
        name!(error, Option<String>),
    ),
> {
    let row = run(|client| replay_one(client, event_id));
    match row {
        Some(row) => TableIterator::new(vec![row]),
        None => {
            ereport!(
                ERROR,
                PgSqlErrorCode::ERRCODE_NO_DATA_FOUND,
                format!("no event with id {event_id}")
            );
        }
    }
}

/// Re-runs the mapping of every `failed` event, oldest first, optionally only those of one
/// source and those received since a time. Returns one row per event replayed. An unknown
/// source raises `42704` (undefined_object).
#[pg_extern(volatile, parallel_unsafe)]
fn replay_failed(
    source: default!(Option<&str>, "NULL"),
    since: default!(Option<TimestampWithTimeZone>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(event_id, i64),
        name!(event_name, String),
        name!(previous_status, String),
        name!(status, String),
        name!(error, Option<String>),
    ),
> {
    let rows = run(|client| {
        if let Some(name) = source {
            let args: [DatumWithOid; 1] = [name.into()];
            let known = client.select(
                "SELECT 1 FROM storesync.sources WHERE name = $1",
                Some(1),
                &args,
            )?;
            if known.is_empty() {
                return Ok(Err(name.to_string()));
            }
        }
        let args: [DatumWithOid; 2] = [source.into(), since.into()];
        let ids = client
            .select(
                "SELECT e.event_id FROM storesync.events e JOIN storesync.sources s USING (source_id)
                 WHERE e.status = 'failed'
                   AND ($1::text IS NULL OR s.name = $1)
                   AND ($2::timestamptz IS NULL OR e.received_at >= $2)
                 ORDER BY e.event_id",
                None,
                &args,
            )?
            .map(|row| row.get::<i64>(1))
            .collect::<SpiResult<Vec<_>>>()?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids.into_iter().flatten() {
            rows.extend(replay_one(client, id)?);
        }
        Ok(Ok(rows))
    });
    match rows {
        Ok(rows) => TableIterator::new(rows),
        Err(name) => {
            ereport!(
                ERROR,
                PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
                format!("no source named \"{name}\"")
            );
        }
    }
}

fn run<T>(f: impl FnOnce(&mut SpiClient<'_>) -> SpiResult<T>) -> T {
    Spi::connect_mut(f).unwrap_or_else(|e| {
        ereport!(
            ERROR,
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("storesync.replay failed: {e}")
        );
    })
}

/// Replays one event through the same [`apply`] path as `ingest` (a payload the typed tables
/// refuse fails this event only); `None` if there is no such event.
fn replay_one(client: &mut SpiClient<'_>, event_id: i64) -> SpiResult<Option<ReplayRow>> {
    // The store first, then the row by its whole key: under Citus a row lock must name the
    // shard, so FOR UPDATE by event_id alone would not do.
    let args: [DatumWithOid; 1] = [event_id.into()];
    let Some(store_id) = first_i64(client.select(
        "SELECT store_id FROM storesync.events WHERE event_id = $1",
        Some(1),
        &args,
    )?)?
    else {
        return Ok(None);
    };
    let args: [DatumWithOid; 2] = [store_id.into(), event_id.into()];
    // Read-write: a read-only SPI call may not lock rows (FOR UPDATE) inside another function.
    let found = client.update(
        "SELECT e.event_name, e.status, e.payload::text, s.platform,
                ((extract(epoch FROM e.received_at) - 946684800) * 1000000)::int8
         FROM storesync.events e JOIN storesync.sources s USING (source_id)
         WHERE e.store_id = $1 AND e.event_id = $2
         FOR UPDATE OF e",
        None,
        &args,
    )?;
    if found.is_empty() {
        // Pruned between the two statements.
        return Ok(None);
    }
    let row = found.first();
    let name: String = row.get(1)?.unwrap_or_default();
    let previous: String = row.get(2)?.unwrap_or_default();
    let payload: String = row.get(3)?.unwrap_or_default();
    let platform = Platform::from_name(&row.get::<String>(4)?.unwrap_or_default());
    let received_at = from_pg_micros(row.get::<i64>(5)?.unwrap_or_default());

    let json: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
    let (status, error) = match platform {
        Ok(platform) => match platform.envelope(&json, received_at) {
            Ok(env) => {
                let mapping = apply::map(platform, &env);
                let applied = apply::write(client, store_id, env.time(), mapping)?;
                (applied.status, applied.error)
            }
            Err(reject) => (Status::Failed, Some(reject.message())),
        },
        // Not reachable through ingest, which checks the platform; kept failed, not guessed.
        Err(unknown) => (
            Status::Failed,
            Some(format!("the event's source has an {unknown}")),
        ),
    };
    inbox::set_status(client, store_id, event_id, status, error.as_deref(), true)?;
    Ok(Some((
        event_id,
        name,
        previous,
        status.as_str().to_string(),
        error,
    )))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION replay(bigint) IS
    'Re-runs the mapping of one stored event (after a fix or an upgrade), idempotently; returns the event with its status before and after. Unknown id: SQLSTATE P0002.';
COMMENT ON FUNCTION replay_failed(text, timestamptz) IS
    'Re-runs the mapping of every failed event, oldest first, optionally of one source and received since a time; returns one row per event replayed. Unknown source: SQLSTATE 42704.';
"#,
    name = "replay_comments",
    requires = [replay, replay_failed]
);
