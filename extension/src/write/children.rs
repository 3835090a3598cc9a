//! Child sets that follow their parent row: an order's items, a cart's items.
//!
//! A set is replaced as a whole, and only by an event at least as new as the one the stored set
//! came from: the parent's `field_ts` keeps that time under the key `items`.

use crate::model::{CartItem, OrderItem};
use crate::statements;
use crate::values::{Decimal, Timestamp};
use pgrx::datum::DatumWithOid;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::JsonB;
use serde_json::json;

const CLAIM_ORDER_ITEMS: &str = "
UPDATE storesync.orders
SET field_ts = storesync._merge_versions(field_ts, $3::jsonb)
WHERE store_id = $1 AND order_id = $2
  AND coalesce((field_ts ->> 'items')::bigint <= ($3::jsonb ->> 'items')::bigint, true)
RETURNING 1";

const DELETE_STALE_ORDER_ITEMS: &str = "
DELETE FROM storesync.order_items
WHERE store_id = $1 AND order_id = $2 AND item_id <> ALL($3)";

const UPSERT_ORDER_ITEM: &str = "
INSERT INTO storesync.order_items AS i
    (store_id, order_id, item_id, product_id, name, sku, quantity, currency, price, discount, tax, total)
VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9::numeric, $10::numeric, $11::numeric, $12::numeric)
ON CONFLICT (store_id, order_id, item_id) DO UPDATE SET
    product_id = EXCLUDED.product_id, name = EXCLUDED.name, sku = EXCLUDED.sku,
    quantity = EXCLUDED.quantity, currency = EXCLUDED.currency, price = EXCLUDED.price,
    discount = EXCLUDED.discount, tax = EXCLUDED.tax, total = EXCLUDED.total";

const CLAIM_CART_ITEMS: &str = "
UPDATE storesync.carts
SET field_ts = storesync._merge_versions(field_ts, $3::jsonb)
WHERE store_id = $1 AND cart_id = $2
  AND coalesce((field_ts ->> 'items')::bigint <= ($3::jsonb ->> 'items')::bigint, true)
RETURNING 1";

const DELETE_STALE_CART_ITEMS: &str = "
DELETE FROM storesync.cart_items
WHERE store_id = $1 AND cart_id = $2 AND item_id <> ALL($3)";

const UPSERT_CART_ITEM: &str = "
INSERT INTO storesync.cart_items (store_id, cart_id, item_id, product_id, quantity)
VALUES ($1, $2, $3, $4, $5::numeric)
ON CONFLICT (store_id, cart_id, item_id) DO UPDATE SET
    product_id = EXCLUDED.product_id, quantity = EXCLUDED.quantity";

fn num(d: &Option<Decimal>) -> Option<&str> {
    d.as_ref().map(Decimal::as_str)
}

/// The statements that replace one kind of child set.
struct ChildSet {
    /// Records the set's time on the parent if it is at least as new; returns a row if so.
    claim: &'static str,
    /// Deletes the children whose ids are not in `$3`.
    delete_stale: &'static str,
}

const ORDER_ITEMS: ChildSet = ChildSet {
    claim: CLAIM_ORDER_ITEMS,
    delete_stale: DELETE_STALE_ORDER_ITEMS,
};

const CART_ITEMS: ChildSet = ChildSet {
    claim: CLAIM_CART_ITEMS,
    delete_stale: DELETE_STALE_CART_ITEMS,
};

/// Replaces the children of `parent_id` with the set `ids` if the set reflected at `at` is at
/// least as new as the stored one: deletes the others, then `upsert_all` writes the set.
fn replace(
    client: &mut SpiClient<'_>,
    set: &ChildSet,
    store_id: i64,
    parent_id: &str,
    at: &Timestamp,
    ids: Vec<String>,
    upsert_all: impl FnOnce(&mut SpiClient<'_>) -> SpiResult<()>,
) -> SpiResult<()> {
    let version = json!({ "items": at.timestamp_micros() });
    let args: [DatumWithOid; 3] = [store_id.into(), parent_id.into(), JsonB(version).into()];
    if statements::update(client, set.claim, &args)?.is_empty() {
        return Ok(());
    }
    let args: [DatumWithOid; 3] = [store_id.into(), parent_id.into(), ids.into()];
    statements::update(client, set.delete_stale, &args)?;
    upsert_all(client)
}

/// Replaces the items of order `order_id` (which exists) with `items`, reflected at `at`.
pub fn order_items(
    client: &mut SpiClient<'_>,
    store_id: i64,
    order_id: &str,
    at: &Timestamp,
    items: &[OrderItem],
) -> SpiResult<()> {
    let ids = items.iter().map(|i| i.id.clone()).collect();
    replace(
        client,
        &ORDER_ITEMS,
        store_id,
        order_id,
        at,
        ids,
        |client| {
            for i in items {
                let args: [DatumWithOid; 12] = [
                    store_id.into(),
                    order_id.into(),
                    i.id.as_str().into(),
                    i.product.as_ref().map(|p| p.id.clone()).into(),
                    i.name.clone().into(),
                    i.sku.clone().into(),
                    num(&i.quantity).into(),
                    i.currency.clone().into(),
                    num(&i.price).into(),
                    num(&i.discount).into(),
                    num(&i.tax).into(),
                    num(&i.total).into(),
                ];
                statements::update(client, UPSERT_ORDER_ITEM, &args)?;
            }
            Ok(())
        },
    )
}

/// Replaces the items of cart `cart_id` (which exists) with `items`, reflected at `at`.
pub fn cart_items(
    client: &mut SpiClient<'_>,
    store_id: i64,
    cart_id: &str,
    at: &Timestamp,
    items: &[CartItem],
) -> SpiResult<()> {
    let ids = items.iter().map(|i| i.id.clone()).collect();
    replace(client, &CART_ITEMS, store_id, cart_id, at, ids, |client| {
        for i in items {
            let args: [DatumWithOid; 5] = [
                store_id.into(),
                cart_id.into(),
                i.id.as_str().into(),
                i.product_id.clone().into(),
                num(&i.quantity).into(),
            ];
            statements::update(client, UPSERT_CART_ITEM, &args)?;
        }
        Ok(())
    })
}
