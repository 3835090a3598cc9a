//! A source as a delivery needs it: looked up by the name in the URL, with the credentials its
//! deliveries are verified against ([`storesync_core::auth`] does the checking).

use crate::platforms::Platform;
use crate::spi::first_row;
use crate::statements;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use storesync_core::auth::{Strategy, Verifier};

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
    Ok(Some(Source {
        id: row.get(1)?.unwrap_or_default(),
        name: name.to_string(),
        platform,
        verifier: Verifier::new(strategy, row.get(4)?.unwrap_or_default(), row.get(5)?),
        merchant: row.get(6)?,
    }))
}

fn misconfigured(source: &str, why: &dyn std::fmt::Display) -> ! {
    ereport!(
        ERROR,
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!("source \"{source}\" cannot be used by this build: {why}")
    );
}
