//! Applying an event: map it into typed changes, write them in a subtransaction, and say what
//! became of it. The one path `ingest` and `replay` share, so an event is applied the same way
//! the first time and every time after.

use crate::model::Change;
use crate::outcome::Status;
use crate::platforms::{Envelope, Mapped, Platform};
use crate::values::Timestamp;
use crate::{guard, write};
use pgrx::spi::{SpiClient, SpiResult};

/// What the mapping made of an event, before anything is written.
pub struct Mapping {
    pub status: Status,
    /// Why the event failed, when it did.
    pub error: Option<String>,
    changes: Vec<Change>,
}

/// Maps an event. An error of the mapper makes a `failed` event, an unmapped event an
/// `ignored` one.
pub fn map(platform: Platform, env: &Envelope<'_>) -> Mapping {
    let (status, error, changes) = match platform.map(env) {
        Ok(Mapped::Changes(changes)) => (Status::Processed, None, changes),
        Ok(Mapped::Ignored) => (Status::Ignored, None, Vec::new()),
        Err(reason) => (Status::Failed, Some(reason), Vec::new()),
    };
    Mapping {
        status,
        error,
        changes,
    }
}

/// Writes a mapped event's typed rows for `store_id` (`event_ts`: when the event happened),
/// in a subtransaction: a payload the typed
/// tables refuse (a date or number beyond PostgreSQL's range, …) leaves none of its rows and
/// turns the mapping into a `failed` one, like any other unmappable payload. Errors that are
/// not the payload's fault (see [`guard::in_subtransaction`]) are raised.
pub fn write(
    client: &mut SpiClient<'_>,
    store_id: i64,
    event_ts: Timestamp,
    mapping: Mapping,
) -> SpiResult<Mapping> {
    if mapping.changes.is_empty() {
        return Ok(mapping);
    }
    let ctx = write::Context { store_id, event_ts };
    match guard::in_subtransaction(|| write::apply_all(client, &ctx, &mapping.changes)) {
        Ok(written) => written.map(|()| mapping),
        Err(code) => Ok(Mapping {
            status: Status::Failed,
            error: Some(format!(
                "the typed rows could not be written (SQLSTATE {code})"
            )),
            changes: Vec::new(),
        }),
    }
}
