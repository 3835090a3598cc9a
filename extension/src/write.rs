//! Stores typed changes. Every row goes through one versioned upsert ([`upsert::upsert`]): per
//! column, an older event never overwrites a newer value but still fills an empty one, and a
//! value an event does not carry never erases a known one. Child sets (order items, cart items)
//! are replaced as a whole, and only by a state at least as new as the one they reflect.

mod children;
mod upsert;

use crate::model::{CartItem, Change, Customer, Order, OrderItem, Product};
use crate::record::{Record, Table, Version};
use crate::values::{Decimal, Timestamp};
use pgrx::spi::{SpiClient, SpiResult};
use std::borrow::Cow;

/// Where and when the changes of one event apply.
pub struct Context {
    pub store_id: i64,
    /// When the platform says the event happened, else when it was received.
    pub event_ts: Timestamp,
}

/// Applies the changes of one event.
///
/// Rows are written in one global order — by table, then key, a child set right after its
/// parent — whatever order the event lists them in. Two events that touch the same rows (two
/// orders sharing products, say) then lock them in the same order and cannot deadlock. The
/// result does not depend on the order: every write is a versioned per-column upsert, and the
/// sort is stable, so writes to one row keep the event's order.
pub fn apply_all(client: &mut SpiClient<'_>, ctx: &Context, changes: &[Change]) -> SpiResult<()> {
    let mut steps = Vec::new();
    for change in changes {
        steps_of(ctx, change, &mut steps);
    }
    steps.sort_by(|a, b| a.lock_key().cmp(&b.lock_key()));
    for step in &steps {
        step.apply(client, ctx)?;
    }
    Ok(())
}

/// One write of an event: a row, or a child set replaced under its parent row.
enum Step<'a> {
    Row(Cow<'a, Record>),
    OrderItems {
        order_id: &'a String,
        at: Timestamp,
        items: &'a [OrderItem],
    },
    CartItems {
        cart_id: &'a String,
        at: Timestamp,
        items: &'a [CartItem],
    },
}

impl Step<'_> {
    /// Where the step stands in the global lock order: its (parent) row, then child sets.
    fn lock_key(&self) -> (Table, &[String], bool) {
        match self {
            Step::Row(r) => (r.table, &r.key, false),
            Step::OrderItems { order_id, .. } => {
                (Table::Orders, std::slice::from_ref(order_id), true)
            }
            Step::CartItems { cart_id, .. } => (Table::Carts, std::slice::from_ref(cart_id), true),
        }
    }

    fn apply(&self, client: &mut SpiClient<'_>, ctx: &Context) -> SpiResult<()> {
        match self {
            Step::Row(r) => upsert::upsert(client, ctx.store_id, &ctx.event_ts, r),
            Step::OrderItems {
                order_id,
                at,
                items,
            } => children::order_items(client, ctx.store_id, order_id, at, items),
            Step::CartItems { cart_id, at, items } => {
                children::cart_items(client, ctx.store_id, cart_id, at, items)
            }
        }
    }
}

/// The writes one change makes.
fn steps_of<'a>(ctx: &Context, change: &'a Change, steps: &mut Vec<Step<'a>>) {
    match change {
        Change::Customer(c) => steps.push(Step::Row(Cow::Owned(customer_record(c)))),
        Change::Product(p) => steps.push(Step::Row(Cow::Owned(product_record(p, false)))),
        Change::Record(r) => steps.push(Step::Row(Cow::Borrowed(r))),
        Change::CartItems { cart_id, items, at } => steps.push(Step::CartItems {
            cart_id,
            at: at.unwrap_or(ctx.event_ts),
            items,
        }),
        Change::Order(o) => {
            if let Some(c) = &o.customer {
                steps.push(Step::Row(Cow::Owned(customer_record(c))));
            }
            steps.push(Step::Row(Cow::Owned(order_record(o))));
            if let Some(items) = &o.items {
                for product in items.iter().filter_map(|i| i.product.as_ref()) {
                    steps.push(Step::Row(Cow::Owned(product_record(product, true))));
                }
                steps.push(Step::OrderItems {
                    order_id: &o.id,
                    at: o.updated_at.unwrap_or(ctx.event_ts),
                    items,
                });
            }
        }
    }
}

/// A customer as a row: versioned by its own `updated_at`, else by the event, unless it is a
/// condensed copy, which only fills gaps.
fn customer_record(c: &Customer) -> Record {
    let version = match (c.updated_at, c.condensed) {
        (Some(at), _) => Version::At(at),
        (None, true) => Version::Hint,
        (None, false) => Version::Event,
    };
    let name = c.name.clone().or_else(|| {
        let joined = [c.first_name.as_deref(), c.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (!joined.is_empty()).then_some(joined)
    });
    let mut r = Record::new(Table::Customers, vec![c.id.clone()])
        .with("name", name)
        .with("first_name", c.first_name.clone())
        .with("last_name", c.last_name.clone())
        .with("email", c.email.clone())
        .with("mobile", c.mobile.clone())
        .with("mobile_code", c.mobile_code.clone())
        .with("gender", c.gender.clone())
        .with("birthday", c.birthday)
        .with("city", c.city.clone())
        .with("country", c.country.clone())
        .with("country_code", c.country_code.clone())
        .with("currency", c.currency.clone())
        .with("updated_at", c.updated_at)
        .with("last_login_at", c.logged_in_at)
        .with("deleted_at", c.deleted_at)
        .versioned(version);
    // Logins and deletions are facts of their own time, whatever the profile's age.
    for (column, at) in [
        ("last_login_at", c.logged_in_at),
        ("deleted_at", c.deleted_at),
    ] {
        if let Some(at) = at {
            r = r.column_at(column, at);
        }
    }
    r
}

/// A product as a row. `hint`: known only from an order line, so it fills gaps only.
fn product_record(p: &Product, hint: bool) -> Record {
    let version = match (hint, p.updated_at) {
        (true, _) => Version::Hint,
        (false, Some(at)) => Version::At(at),
        (false, None) => Version::Event,
    };
    let mut r = Record::new(Table::Products, vec![p.id.clone()])
        .with("name", p.name.clone())
        .with("sku", p.sku.clone())
        .with("mpn", p.mpn.clone())
        .with("gtin", p.gtin.clone())
        .with("type", p.kind.clone())
        .with("status", p.status.clone())
        .with("price", p.price.clone())
        .with("sale_price", p.sale_price.clone())
        .with("regular_price", p.regular_price.clone())
        .with("cost_price", p.cost_price.clone())
        .with("taxed_price", p.taxed_price.clone())
        .with("currency", p.currency.clone())
        .with("quantity", p.quantity)
        .with("is_available", p.is_available)
        .with("main_image", p.main_image.clone())
        .with("brand_id", p.brand_id.clone())
        .with("category_ids", p.category_ids.clone())
        .with("tags", p.tags.clone())
        .with("channels", p.channels.clone())
        .with("updated_at", p.updated_at)
        .with("deleted_at", p.deleted_at)
        .versioned(version);
    if let (Some(at), false) = (p.deleted_at, hint) {
        r = r.column_at("deleted_at", at);
    }
    r
}

fn order_record(o: &Order) -> Record {
    // Readers check that the discounts add up (see `Decimal::sum`), so None means "not said".
    let discount = o.discounts.as_deref().and_then(Decimal::sum);
    let mut r = Record::new(Table::Orders, vec![o.id.clone()])
        .with("reference_id", o.reference_id.clone())
        .with("customer_id", o.customer.as_ref().map(|c| c.id.clone()))
        .with("status_slug", o.status_slug.clone())
        .with("status_name", o.status_name.clone())
        .with("order_date", o.order_date)
        .with("currency", o.currency.clone())
        .with("total", o.total.clone())
        .with("sub_total", o.sub_total.clone())
        .with("shipping_cost", o.shipping_cost.clone())
        .with("tax", o.tax.clone())
        .with("discount", discount)
        .with("payment_method", o.payment_method.clone())
        .with("draft", o.draft)
        .with("source", o.source.clone())
        .with("shipping_company", o.shipping_company.clone())
        .with("shipping_city", o.shipping_city.clone())
        .with("shipping_country", o.shipping_country.clone())
        .with("deleted_at", o.deleted_at)
        .versioned(o.updated_at.map_or(Version::Event, Version::At));
    if let Some(at) = o.deleted_at {
        r = r.column_at("deleted_at", at);
    }
    r
}
