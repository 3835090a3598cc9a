//! Stores typed changes, and only stores them: what an event writes, and in which order, is
//! decided in the core ([`storesync_core::writes`]). Every row goes through one versioned upsert
//! ([`upsert::upsert`]): per column, an older event never overwrites a newer value but still
//! fills an empty one, and a value an event does not carry never erases a known one. Child sets
//! (order items, cart items) are replaced as a whole, and only by a state at least as new as the
//! one they reflect.

mod children;
mod upsert;

use crate::model::Change;
use crate::values::Timestamp;
use crate::writes::{self, Write};
use pgrx::spi::{SpiClient, SpiResult};

/// Where and when the changes of one event apply.
pub struct Context {
    pub store_id: i64,
    /// When the platform says the event happened, else when it was received.
    pub event_ts: Timestamp,
}

/// Applies the changes of one event, in the core's lock order (see
/// [`storesync_core::writes`]: two events sharing rows cannot deadlock).
pub fn apply_all(client: &mut SpiClient<'_>, ctx: &Context, changes: &[Change]) -> SpiResult<()> {
    for step in writes::plan(changes, ctx.event_ts) {
        match step {
            Write::Row(r) => upsert::upsert(client, ctx.store_id, &ctx.event_ts, &r)?,
            Write::OrderItems {
                order_id,
                at,
                items,
            } => children::order_items(client, ctx.store_id, order_id, &at, items)?,
            Write::CartItems { cart_id, at, items } => {
                children::cart_items(client, ctx.store_id, cart_id, &at, items)?
            }
        }
    }
    Ok(())
}
