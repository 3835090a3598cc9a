//! `storesync.ingest(source, headers, body)`: the one entry point for a delivery.
//!
//! Order matters: authenticate the raw bytes first, then parse, then record (deduplicated by
//! body hash), then map into typed rows — all in the caller's transaction, so a `2xx` built
//! from the result means everything is committed together.

use crate::outcome::{Outcome, Rejection};
use crate::platforms::{Mapped, Platform};
use crate::{envelope, signature, values, write};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::JsonB;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A source as `ingest` needs it. SECURITY: no `Debug`, so the secret cannot be printed.
struct Source {
    id: i32,
    platform: Platform,
    strategy: Strategy,
    secret: String,
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
#[pg_extern(volatile, parallel_unsafe)]
fn ingest(source: Option<&str>, headers: Option<JsonB>, body: Option<&[u8]>) -> JsonB {
    let headers = headers.map(|h| h.0).unwrap_or(Value::Null);
    let outcome = Spi::connect_mut(|client| {
        ingest_delivery(client, source.unwrap_or(""), &headers, body.unwrap_or(&[]))
    })
    .unwrap_or_else(|e| {
        ereport!(
            ERROR,
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("storesync.ingest failed: {e}")
        );
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
    let env = match src.platform.envelope(&json) {
        Ok(env) => env,
        Err(r) => return Ok(Outcome::Rejected(r)),
    };
    let mapped = src.platform.map(&env);
    let (event, merchant, created_at) = (env.event.clone(), env.merchant.clone(), env.created_at);

    let store_id = store_id(client, src.platform, &merchant)?;
    let (status, error, changes) = match mapped {
        Ok(Mapped::Changes(changes)) => ("processed", None, changes),
        Ok(Mapped::Ignored) => ("ignored", None, Vec::new()),
        Err(reason) => ("failed", Some(reason), Vec::new()),
    };
    let payload = if src.platform.redact(&event, &mut json) {
        json.to_string()
    } else {
        text.to_string()
    };
    let hash = Sha256::digest(body).to_vec();
    let args: [DatumWithOid; 8] = [
        src.id.into(),
        store_id.into(),
        event.as_str().into(),
        created_at.as_ref().map(values::timestamp_text).into(),
        hash.as_slice().into(),
        payload.as_str().into(),
        status.into(),
        error.clone().into(),
    ];
    let inserted = client.update(
        "INSERT INTO storesync.events
             (source_id, store_id, event_name, event_created_at, body_sha256, payload, status, error)
         VALUES ($1, $2, $3, $4::timestamptz, $5, $6::jsonb, $7, $8)
         ON CONFLICT (source_id, body_sha256) DO NOTHING
         RETURNING event_id",
        None,
        &args,
    )?;
    let Some(event_id) = first_i64(inserted)? else {
        // Delivered before (possibly committed by a concurrent transaction just now).
        let args: [DatumWithOid; 2] = [src.id.into(), hash.as_slice().into()];
        let existing = first_i64(client.select(
            "SELECT event_id FROM storesync.events WHERE source_id = $1 AND body_sha256 = $2",
            None,
            &args,
        )?)?;
        return Ok(Outcome::Duplicate { event_id: existing });
    };
    for change in &changes {
        write::apply(client, store_id, created_at.as_ref(), change)?;
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

fn load_source(client: &SpiClient<'_>, name: &str) -> SpiResult<Option<Source>> {
    let args: [DatumWithOid; 1] = [name.into()];
    let row = client
        .select(
            "SELECT source_id, platform, strategy, secret FROM storesync.sources WHERE name = $1",
            Some(1),
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
        // The table's CHECK admits only platforms this build knows.
        platform: Platform::from_name(&platform).unwrap_or(Platform::Salla),
        strategy,
        secret: row.get(4)?.unwrap_or_default(),
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
        Strategy::Token => match header(headers, "authorization") {
            None => Err(Rejection::new(
                401,
                "missing_token",
                "the Authorization header is missing",
            )),
            Some(token) if signature::token_matches(src.secret.as_bytes(), token.as_bytes()) => {
                Ok(())
            }
            Some(_) => Err(Rejection::new(
                401,
                "invalid_token",
                "the Authorization header does not hold the source's token",
            )),
        },
    }
}

fn store_id(client: &mut SpiClient<'_>, platform: Platform, merchant: &str) -> SpiResult<i64> {
    let args: [DatumWithOid; 2] = [platform.name().into(), merchant.into()];
    let find = "SELECT store_id FROM storesync.stores WHERE platform = $1 AND merchant_id = $2";
    if let Some(id) = first_i64(client.select(find, Some(1), &args)?)? {
        return Ok(id);
    }
    let insert = "INSERT INTO storesync.stores (platform, merchant_id) VALUES ($1, $2)
                  ON CONFLICT (platform, merchant_id) DO NOTHING RETURNING store_id";
    if let Some(id) = first_i64(client.update(insert, None, &args)?)? {
        return Ok(id);
    }
    // Created by a concurrent delivery that committed while we waited: a new statement sees it.
    first_i64(client.select(find, Some(1), &args)?)?.ok_or(pgrx::spi::SpiError::NoTupleTable)
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
