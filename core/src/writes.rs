//! The writes one event makes, in the order they are made.
//!
//! Rows are written in one global order — by table, then key, a child set right after its
//! parent — whatever order the event lists them in. Two events that touch the same rows (two
//! orders sharing products, say) then lock them in the same order and cannot deadlock. The
//! result does not depend on the order: every write is a versioned per-column upsert, and the
//! sort is stable, so writes to one row keep the event's order.

use crate::model::{CartItem, Change, OrderItem};
use crate::rows::{Record, Table};
use crate::values::Timestamp;
use std::borrow::Cow;

/// One write of an event: a row, or a child set replaced under its parent row.
#[derive(Debug)]
pub enum Write<'a> {
    Row(Cow<'a, Record>),
    /// An order's complete set of lines, as of `at`.
    OrderItems {
        order_id: &'a String,
        at: Timestamp,
        items: &'a [OrderItem],
    },
    /// A cart's complete set of items, as of `at`.
    CartItems {
        cart_id: &'a String,
        at: Timestamp,
        items: &'a [CartItem],
    },
}

impl Write<'_> {
    /// Where the write stands in the global lock order: its (parent) row, then child sets.
    fn lock_key(&self) -> (Table, &[String], bool) {
        match self {
            Write::Row(r) => (r.table, &r.key, false),
            Write::OrderItems { order_id, .. } => {
                (Table::Orders, std::slice::from_ref(*order_id), true)
            }
            Write::CartItems { cart_id, .. } => {
                (Table::Carts, std::slice::from_ref(*cart_id), true)
            }
        }
    }
}

/// The writes of an event's changes, in lock order. `event_ts` dates what the event does not
/// date itself.
pub fn plan(changes: &[Change], event_ts: Timestamp) -> Vec<Write<'_>> {
    let mut writes = Vec::new();
    for change in changes {
        writes_of(change, event_ts, &mut writes);
    }
    writes.sort_by(|a, b| a.lock_key().cmp(&b.lock_key()));
    writes
}

fn writes_of<'a>(change: &'a Change, event_ts: Timestamp, writes: &mut Vec<Write<'a>>) {
    match change {
        Change::Customer(c) => writes.push(Write::Row(Cow::Owned(c.record()))),
        Change::Product(p) => writes.push(Write::Row(Cow::Owned(p.record(false)))),
        Change::Record(r) => writes.push(Write::Row(Cow::Borrowed(r))),
        Change::CartItems { cart_id, items, at } => writes.push(Write::CartItems {
            cart_id,
            at: at.unwrap_or(event_ts),
            items,
        }),
        Change::Order(o) => {
            if let Some(c) = &o.customer {
                writes.push(Write::Row(Cow::Owned(c.record())));
            }
            writes.push(Write::Row(Cow::Owned(o.record())));
            if let Some(items) = &o.items {
                for product in items.iter().filter_map(|i| i.product.as_ref()) {
                    writes.push(Write::Row(Cow::Owned(product.record(true))));
                }
                writes.push(Write::OrderItems {
                    order_id: &o.id,
                    at: o.updated_at.unwrap_or(event_ts),
                    items,
                });
            }
        }
    }
}
