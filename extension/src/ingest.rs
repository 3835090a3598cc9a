//! `storesync.ingest(source, headers, body)`: the one entry point for a delivery.
//!
//! The pipeline, in this order: find the source ([`auth`]), verify the raw bytes, parse the
//! body ([`body`]), read the platform's envelope, map ([`apply::map`]), record the delivery in
//! the inbox (deduplicated by body hash, or by the sender's or the platform's delivery id)
//! ([`inbox`]), write the typed rows ([`apply::write`]). All in the caller's transaction, so a `2xx` built from
//! the result means everything is committed together.

use crate::outcome::{Outcome, Reject};
use crate::values::Timestamp;
use crate::{apply, auth, body, guard, inbox};
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::JsonB;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Takes one webhook delivery: the source name from the URL, the request headers as a JSON
/// object (names in any case), and the raw body. Returns
/// `{status, event_id, http_status, error, message}`; status is processed, duplicate, ignored,
/// failed (stored, not mappable) or rejected (nothing stored).
///
/// SECURITY: `SECURITY DEFINER` with a fixed `search_path`: the worker's role
/// (`storesync_ingest`) may execute this function but read no table, so this is the one door
/// through which it touches the schema; every statement below names `storesync.` objects
/// explicitly. Errors leave with their SQLSTATE but a fixed message (see [`guard`]).
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn ingest(source: Option<&str>, headers: Option<JsonB>, body: Option<&[u8]>) -> JsonB {
    let headers = headers.map(|h| h.0).unwrap_or(Value::Null);
    let outcome = guard::sanitize_errors("storesync.ingest", || {
        Spi::connect_mut(|client| {
            deliver(client, source.unwrap_or(""), &headers, body.unwrap_or(&[]))
        })
        .unwrap_or_else(|e| {
            ereport!(
                ERROR,
                PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                format!("storesync.ingest failed: {e}")
            );
        })
    });
    JsonB(outcome.to_json())
}

fn deliver(
    client: &mut SpiClient<'_>,
    source: &str,
    headers: &Value,
    raw: &[u8],
) -> SpiResult<Outcome> {
    let Some(src) = auth::load(client, source)? else {
        return Ok(Outcome::Rejected(Reject::unknown_source(source)));
    };
    let received_at = transaction_start();
    let parsed = src
        .verifier
        .verify(headers, raw, received_at.timestamp())
        .and_then(|auth| Ok((auth, body::parse(raw)?)));
    let (authenticated, (text, mut json)) = match parsed {
        Ok(parsed) => parsed,
        Err(reject) => return Ok(Outcome::Rejected(reject)),
    };
    let env = match src.platform.envelope(&json, received_at) {
        Ok(env) => env,
        Err(reject) => return Ok(Outcome::Rejected(reject)),
    };
    let mapping = apply::map(src.platform, &env);
    let (event, created_at, event_ts) = (env.event.clone(), env.created_at, env.time());
    // The sender's message id (Standard Webhooks' webhook-id) when its authentication names
    // one, else the platform's own delivery id (Flavours' xid).
    let dedupe_key = authenticated
        .delivery_id
        .or_else(|| env.delivery_id.clone());
    let merchant = src.merchant_of(env.merchant.as_deref());

    let store_id = inbox::store_id(client, src.platform, &merchant)?;
    // SECURITY: secrets (OAuth tokens, one-time codes) never reach the stored payload.
    let payload: Cow<str> = if src.platform.redact(&event, &mut json) {
        json.to_string().into()
    } else {
        text.into()
    };
    let hash = Sha256::digest(raw);
    let delivery = inbox::Delivery {
        source_id: src.id,
        store_id,
        event: &event,
        created_at,
        body_sha256: &hash,
        payload: &payload,
        status: mapping.status,
        error: mapping.error.as_deref(),
        dedupe_key: dedupe_key.as_deref(),
    };
    let event_id = match inbox::record(client, &delivery)? {
        Ok(event_id) => event_id,
        Err(existing) => return Ok(Outcome::Duplicate { event_id: existing }),
    };
    let recorded = mapping.status;
    let applied = apply::write(client, store_id, event_ts, mapping)?;
    if applied.status != recorded {
        inbox::set_status(
            client,
            store_id,
            event_id,
            applied.status,
            applied.error.as_deref(),
            false,
        )?;
    }
    Ok(Outcome::stored(event_id, applied.status, applied.error))
}

/// The start of the current transaction: `now()`, the receive time of a delivery.
pub(crate) fn transaction_start() -> Timestamp {
    let pg: pgrx::pg_sys::TimestampTz = pgrx::datetime::now().into();
    from_pg_micros(pg)
}

/// A PostgreSQL timestamp (microseconds since 2000-01-01 UTC) as a [`Timestamp`].
pub(crate) fn from_pg_micros(micros: i64) -> Timestamp {
    const UNIX_TO_PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
    chrono::DateTime::from_timestamp_micros(micros.saturating_add(UNIX_TO_PG_EPOCH_MICROS))
        .unwrap_or_default()
        .fixed_offset()
}
