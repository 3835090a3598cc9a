//! A source as a delivery needs it: looked up by the name in the URL, with the credentials its
//! deliveries are verified against ([`storesync_core::auth`] does the checking).

use crate::platforms::Platform;
use crate::spi::first_row;
use crate::statements;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use storesync_core::auth::{Strategy, Verifier, DEFAULT_TOLERANCE_SECONDS};

/// A configured webhook sender. SECURITY: no `Debug`; the secret lives in the [`Verifier`].
pub struct Source {
    pub id: i32,
    pub name: String,
    pub platform: Platform,
    pub verifier: Verifier,
    /// The merchant to file deliveries under when the platform's webhooks name none.
    pub merchant: Option<String>,
}

impl Source {
    /// The merchant a delivery belongs to: the one the payload names, else the source's own,
    /// else the source's name (the store the source stands for).
    pub fn merchant_of(&self, named: Option<&str>) -> String {
        named
            .or(self.merchant.as_deref())
            .unwrap_or(&self.name)
            .to_string()
    }
}

/// The source named `name`, if there is one.
pub fn load(client: &SpiClient<'_>, name: &str) -> SpiResult<Option<Source>> {
    let args: [DatumWithOid; 1] = [name.into()];
    let table = statements::select(
        client,
        "SELECT source_id, platform, strategy, secret, token_header, merchant_id
         FROM storesync.sources WHERE name = $1",
        &args,
    )?;
    let Some(row) = first_row(table) else {
        return Ok(None);
    };
    let platform: String = row.get(2)?.unwrap_or_default();
    let strategy: String = row.get(3)?.unwrap_or_default();
    // The table's CHECKs admit only platforms and strategies this build knows; a row that
    // names another (written by a newer build) is refused, never read as something else.
    let platform = Platform::from_name(&platform).unwrap_or_else(|e| misconfigured(name, &e));
    let strategy = Strategy::from_name(&strategy)
        .unwrap_or_else(|| misconfigured(name, &format!("unknown strategy \"{strategy}\"")));
    let id: i32 = row.get(1)?.unwrap_or_default();
    let tolerance = match strategy {
        Strategy::StandardWebhooks => tolerance(client, name, id)?,
        _ => DEFAULT_TOLERANCE_SECONDS,
    };
    Ok(Some(Source {
        id,
        name: name.to_string(),
        platform,
        verifier: Verifier::new(strategy, row.get(4)?.unwrap_or_default(), row.get(5)?)
            .with_tolerance(tolerance),
        merchant: row.get(6)?,
    }))
}

/// A Standard Webhooks source's timestamp tolerance in seconds. Read apart from the other
/// columns: `tolerance_seconds` exists from 0.2.0 on, as does the strategy, and this library
/// also serves databases still at 0.1.0.
fn tolerance(client: &SpiClient<'_>, name: &str, id: i32) -> SpiResult<i64> {
    let args: [DatumWithOid; 1] = [id.into()];
    let table = statements::select(
        client,
        "SELECT tolerance_seconds FROM storesync.sources WHERE source_id = $1",
        &args,
    )?;
    let seconds = match first_row(table) {
        Some(row) => row.get::<i32>(1)?,
        None => None,
    };
    Ok(match seconds {
        None => DEFAULT_TOLERANCE_SECONDS,
        Some(seconds) if seconds > 0 => i64::from(seconds),
        // No CHECK on the column: a failing CHECK would quote the row, secret included.
        Some(_) => {
            ereport!(
                ERROR,
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                format!("source \"{name}\" has a tolerance_seconds that is not positive")
            );
        }
    })
}

fn misconfigured(source: &str, why: &dyn std::fmt::Display) -> ! {
    ereport!(
        ERROR,
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!("source \"{source}\" cannot be used by this build: {why}")
    );
}
