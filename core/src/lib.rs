//! storesync's core, with no PostgreSQL in it: everything `storesync.ingest` decides before and
//! apart from SQL, testable with `cargo test -p storesync-core` in seconds.
//!
//! The pipeline, by module: [`auth`] checks the raw bytes against the source's secret; [`body`]
//! turns them into a JSON object; [`platforms`] read the envelope and map the event into the
//! platform-neutral [`model`]; [`writes`] orders the typed [`rows`] an event writes; [`outcome`]
//! is what the delivery's sender is told. [`values`] holds the tolerant readers the mappers
//! share, [`signature`] the HMAC and token comparisons, [`sqlstate`] which database errors are
//! worth a retry, [`rule`] Salla's conditional-rule language (`total > 100 AND …`).

pub mod auth;
pub mod body;
pub mod model;
pub mod outcome;
pub mod platforms;
pub mod rows;
pub mod rule;
pub mod signature;
pub mod sqlstate;
pub mod values;
pub mod writes;
