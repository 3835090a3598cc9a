//! The inbox, `storesync.events`: every accepted delivery is recorded here once, with its
//! payload, body hash and status, before its typed rows are written.

use crate::outcome::Status;
use crate::platforms::Platform;
use crate::spi::first_i64;
use crate::statements;
use crate::values::{self, Timestamp};
use pgrx::datum::DatumWithOid;
use pgrx::spi::{SpiClient, SpiError, SpiResult};

/// One delivery as the inbox records it.
pub struct Delivery<'a> {
    pub source_id: i32,
    pub store_id: i64,
    pub event: &'a str,
    pub created_at: Option<Timestamp>,
    /// SHA-256 of the raw body.
    pub body_sha256: &'a [u8],
    /// The payload as stored (secrets redacted).
    pub payload: &'a str,
    pub status: Status,
    pub error: Option<&'a str>,
    /// The platform's delivery id, where it numbers deliveries.
    pub dedupe_key: Option<&'a str>,
}

/// Records a delivery. `Err(existing)` if this source delivered it before — the same body, or
/// the same delivery id — with the id of the event stored then (`None` only if that event is
/// gone, pruned meanwhile).
pub fn record(client: &mut SpiClient<'_>, d: &Delivery<'_>) -> SpiResult<Result<i64, Option<i64>>> {
    let args: [DatumWithOid; 9] = [
        d.source_id.into(),
        d.store_id.into(),
        d.event.into(),
        d.created_at.as_ref().map(values::timestamp_text).into(),
        d.body_sha256.into(),
        d.payload.into(),
        d.status.as_str().into(),
        d.error.into(),
        d.dedupe_key.into(),
    ];
    // No conflict target: a repeated body hash and a repeated delivery id are both duplicates.
    let inserted = statements::update(
        client,
        "INSERT INTO storesync.events
             (source_id, store_id, event_name, event_created_at, body_sha256, payload, status,
              error, dedupe_key)
         VALUES ($1, $2, $3, $4::timestamptz, $5, $6::jsonb, $7, $8, $9)
         ON CONFLICT DO NOTHING
         RETURNING event_id",
        &args,
    )?;
    if let Some(event_id) = first_i64(inserted)? {
        return Ok(Ok(event_id));
    }
    // Delivered before (possibly committed by a concurrent transaction just now).
    // The store leads, as in the unique keys: under Citus the lookup reaches one shard.
    let args: [DatumWithOid; 4] = [
        d.store_id.into(),
        d.source_id.into(),
        d.body_sha256.into(),
        d.dedupe_key.into(),
    ];
    let existing = first_i64(statements::select(
        client,
        "SELECT event_id FROM storesync.events
         WHERE store_id = $1 AND source_id = $2 AND (body_sha256 = $3 OR dedupe_key = $4)
         ORDER BY event_id LIMIT 1",
        &args,
    )?)?;
    Ok(Err(existing))
}

/// Sets a stored event's status and error; `replayed` also stamps `replayed_at`.
pub fn set_status(
    client: &mut SpiClient<'_>,
    store_id: i64,
    event_id: i64,
    status: Status,
    error: Option<&str>,
    replayed: bool,
) -> SpiResult<()> {
    let args: [DatumWithOid; 5] = [
        event_id.into(),
        status.as_str().into(),
        error.into(),
        replayed.into(),
        store_id.into(),
    ];
    statements::update(
        client,
        "UPDATE storesync.events
         SET status = $2, error = $3,
             replayed_at = CASE WHEN $4 THEN now() ELSE replayed_at END
         WHERE store_id = $5 AND event_id = $1",
        &args,
    )?;
    Ok(())
}

/// The tenant key of a platform's merchant, the store created on its first delivery.
pub fn store_id(client: &mut SpiClient<'_>, platform: Platform, merchant: &str) -> SpiResult<i64> {
    let args: [DatumWithOid; 2] = [platform.name().into(), merchant.into()];
    let find = "SELECT store_id FROM storesync.stores WHERE platform = $1 AND merchant_id = $2";
    if let Some(id) = first_i64(statements::select(client, find, &args)?)? {
        return Ok(id);
    }
    let insert = "INSERT INTO storesync.stores (platform, merchant_id) VALUES ($1, $2)
                  ON CONFLICT (platform, merchant_id) DO NOTHING RETURNING store_id";
    if let Some(id) = first_i64(statements::update(client, insert, &args)?)? {
        return Ok(id);
    }
    // Created by a concurrent delivery that committed while we waited: a new statement sees it.
    first_i64(statements::select(client, find, &args)?)?.ok_or(SpiError::NoTupleTable)
}
