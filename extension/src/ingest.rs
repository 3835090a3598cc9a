//! `storesync.ingest(source, headers, body)`: the one entry point for a delivery.
//!
//! Order matters: authenticate the raw bytes first, then parse, then record (deduplicated by
//! body hash, or by the platform's delivery id where it has one), then map into typed rows —
//! all in the caller's transaction, so a `2xx` built from the result means everything is
//! committed together.

use crate::model::Change;
use crate::outcome::{Outcome, Rejection};
use crate::platforms::{Mapped, Platform};
use crate::values::{FieldError, Timestamp};
use crate::{envelope, guard, signature, statements, values, write};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::JsonB;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A source as `ingest` needs it. SECURITY: no `Debug`, so the secret cannot be printed.
struct Source {
    id: i32,
    name: String,
    platform: Platform,
    strategy: Strategy,
    secret: String,
    /// Token strategy: the header that carries the token (`None`: Authorization).
    token_header: Option<String>,
    /// The merchant to file deliveries under when the platform's webhooks name none.
    merchant: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Signature,
    Token,
}

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
            ingest_delivery(client, source.unwrap_or(""), &headers, body.unwrap_or(&[]))
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

fn ingest_delivery(
    client: &mut SpiClient<'_>,
    source: &str,
    headers: &Value,
    body: &[u8],
) -> SpiResult<Outcome> {
    let Some(src) = load_source(client, source)? else {
        return Ok(Outcome::Rejected(Rejection::new(
            404,
            "unknown_source",
            format!("no source named \"{}\"", printable(source)),
        )));
    };
    if let Err(r) = authenticate(&src, headers, body) {
        return Ok(Outcome::Rejected(r));
    }
    let (text, mut json) = match envelope::parse(body) {
        Ok(parsed) => parsed,
        Err(r) => return Ok(Outcome::Rejected(r)),
    };
    let received_at = transaction_start();
    let env = match src.platform.envelope(&json, received_at) {
        Ok(env) => env,
        Err(r) => return Ok(Outcome::Rejected(r)),
    };
    let (status, error, changes) = classify(src.platform.map(&env));
    let (event, created_at, event_ts) = (env.event.clone(), env.created_at, env.time());
    let dedupe_key = env.delivery_id.clone();
    // Webhooks that name no merchant belong to the store the source stands for.
    let merchant = env
        .merchant
        .clone()
        .or_else(|| src.merchant.clone())
        .unwrap_or_else(|| src.name.clone());

    let store_id = store_id(client, src.platform, &merchant)?;
    let payload = if src.platform.redact(&event, &mut json) {
        json.to_string()
    } else {
        text.to_string()
    };
    let hash = Sha256::digest(body).to_vec();
    let args: [DatumWithOid; 9] = [
        src.id.into(),
        store_id.into(),
        event.as_str().into(),
        created_at.as_ref().map(values::timestamp_text).into(),
        hash.as_slice().into(),
        payload.as_str().into(),
        status.into(),
        error.clone().into(),
        dedupe_key.clone().into(),
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
    let Some(event_id) = first_i64(inserted)? else {
        // Delivered before (possibly committed by a concurrent transaction just now).
        let args: [DatumWithOid; 3] = [src.id.into(), hash.as_slice().into(), dedupe_key.into()];
        let existing = first_i64(statements::select(
            client,
            "SELECT event_id FROM storesync.events
             WHERE source_id = $1 AND (body_sha256 = $2 OR dedupe_key = $3)
             ORDER BY event_id LIMIT 1",
            &args,
        )?)?;
        return Ok(Outcome::Duplicate { event_id: existing });
    };
    let ctx = write::Context { store_id, event_ts };
    // A payload the typed tables refuse (a date or number beyond PostgreSQL's range, …) is
    // kept as a failed event with none of its typed rows, like any other unmappable payload.
    match guard::in_subtransaction(|| write::apply_all(client, &ctx, &changes)) {
        Ok(written) => written?,
        Err(code) => {
            let reason = format!("the typed rows could not be written (SQLSTATE {code})");
            mark_failed(client, event_id, &reason)?;
            return Ok(Outcome::Failed { event_id, reason });
        }
    }
    Ok(match (status, error) {
        ("processed", _) => Outcome::Processed { event_id },
        ("ignored", _) => Outcome::Ignored { event_id },
        (_, reason) => Outcome::Failed {
            event_id,
            reason: reason.unwrap_or_default(),
        },
    })
}

/// Records that a stored event could not be mapped after all.
fn mark_failed(client: &mut SpiClient<'_>, event_id: i64, reason: &str) -> SpiResult<()> {
    let args: [DatumWithOid; 2] = [event_id.into(), reason.into()];
    client.update(
        "UPDATE storesync.events SET status = 'failed', error = $2 WHERE event_id = $1",
        None,
        &args,
    )?;
    Ok(())
}

/// The event status a mapping result stands for, its error, and the changes to apply.
pub(crate) fn classify(
    mapped: Result<Mapped, FieldError>,
) -> (&'static str, Option<String>, Vec<Change>) {
    match mapped {
        Ok(Mapped::Changes(changes)) => ("processed", None, changes),
        Ok(Mapped::Ignored) => ("ignored", None, Vec::new()),
        Err(reason) => ("failed", Some(reason), Vec::new()),
    }
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

fn load_source(client: &SpiClient<'_>, name: &str) -> SpiResult<Option<Source>> {
    let args: [DatumWithOid; 1] = [name.into()];
    let row = statements::select(
        client,
        "SELECT source_id, platform, strategy, secret, token_header, merchant_id
         FROM storesync.sources WHERE name = $1",
        &args,
    )?
    .first();
    if row.is_empty() {
        return Ok(None);
    }
    let platform: String = row.get(2)?.unwrap_or_default();
    let strategy = match row.get::<String>(3)?.as_deref() {
        Some("token") => Strategy::Token,
        _ => Strategy::Signature,
    };
    Ok(Some(Source {
        id: row.get(1)?.unwrap_or_default(),
        name: name.to_string(),
        // The table's CHECK admits only platforms this build knows.
        platform: Platform::from_name(&platform).unwrap_or(Platform::Salla),
        strategy,
        secret: row.get(4)?.unwrap_or_default(),
        token_header: row.get(5)?,
        merchant: row.get(6)?,
    }))
}

/// Header lookup by case-insensitive name.
fn header<'a>(headers: &'a Value, name: &str) -> Option<&'a str> {
    headers
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

fn authenticate(src: &Source, headers: &Value, body: &[u8]) -> Result<(), Rejection> {
    // SECURITY: the source's strategy decides; X-Salla-Security-Strategy is never consulted,
    // so a forged header cannot downgrade a Signature source to Token.
    match src.strategy {
        Strategy::Signature => match header(headers, "x-salla-signature") {
            None => Err(Rejection::new(
                401,
                "missing_signature",
                "the X-Salla-Signature header is missing",
            )),
            Some(sig) if signature::signature_matches(src.secret.as_bytes(), body, sig) => Ok(()),
            Some(_) => Err(Rejection::new(
                401,
                "invalid_signature",
                "the X-Salla-Signature header does not match the body",
            )),
        },
        Strategy::Token => {
            let name = src.token_header.as_deref().unwrap_or("Authorization");
            match header(headers, name) {
                None => Err(Rejection::new(
                    401,
                    "missing_token",
                    format!("the {name} header is missing"),
                )),
                Some(token)
                    if signature::token_matches(src.secret.as_bytes(), token.as_bytes()) =>
                {
                    Ok(())
                }
                Some(_) => Err(Rejection::new(
                    401,
                    "invalid_token",
                    format!("the {name} header does not hold the source's token"),
                )),
            }
        }
    }
}

fn store_id(client: &mut SpiClient<'_>, platform: Platform, merchant: &str) -> SpiResult<i64> {
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
    first_i64(statements::select(client, find, &args)?)?.ok_or(pgrx::spi::SpiError::NoTupleTable)
}

/// The first column of the first row, if there is a row.
fn first_i64(table: pgrx::spi::SpiTupleTable<'_>) -> SpiResult<Option<i64>> {
    if table.is_empty() {
        return Ok(None);
    }
    table.first().get_one::<i64>()
}

/// A source name safe to echo: the URL segment, cut short, control characters dropped.
fn printable(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}
