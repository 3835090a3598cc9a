//! Stores typed changes. Every write is a parameterised upsert guarded by `source_ts`, so an
//! older event never overwrites a newer state, and a value an event does not carry never
//! erases a known one (`COALESCE(new, old)`).

use crate::model::{Change, Customer, Order, OrderItem, Product};
use crate::values::{timestamp_text, Decimal, Timestamp};
use pgrx::datum::DatumWithOid;
use pgrx::spi::{SpiClient, SpiResult};

/// Applies one change for `store_id`. `event_ts` is when the platform says the event
/// happened (`None`: unknown, the receive time stands in).
pub fn apply(
    client: &mut SpiClient<'_>,
    store_id: i64,
    event_ts: Option<&Timestamp>,
    change: &Change,
) -> SpiResult<()> {
    match change {
        Change::Customer(c) => customer(client, store_id, event_ts, c),
        Change::Product(p) => product(client, store_id, event_ts, p),
        Change::Order(o) => order(client, store_id, event_ts, o),
    }
}

fn ts(t: Option<&Timestamp>) -> Option<String> {
    t.map(timestamp_text)
}

fn num(d: &Option<Decimal>) -> Option<&str> {
    d.as_ref().map(Decimal::as_str)
}

const UPSERT_CUSTOMER: &str = "
INSERT INTO storesync.customers AS c
    (store_id, customer_id, first_name, last_name, email, mobile, mobile_code, gender, birthday,
     city, country, country_code, currency, updated_at, source_ts)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, $10, $11, $12, $13, $14::timestamptz,
        COALESCE($15::timestamptz, now()))
ON CONFLICT (store_id, customer_id) DO UPDATE SET
    first_name   = COALESCE(EXCLUDED.first_name, c.first_name),
    last_name    = COALESCE(EXCLUDED.last_name, c.last_name),
    email        = COALESCE(EXCLUDED.email, c.email),
    mobile       = COALESCE(EXCLUDED.mobile, c.mobile),
    mobile_code  = COALESCE(EXCLUDED.mobile_code, c.mobile_code),
    gender       = COALESCE(EXCLUDED.gender, c.gender),
    birthday     = COALESCE(EXCLUDED.birthday, c.birthday),
    city         = COALESCE(EXCLUDED.city, c.city),
    country      = COALESCE(EXCLUDED.country, c.country),
    country_code = COALESCE(EXCLUDED.country_code, c.country_code),
    currency     = COALESCE(EXCLUDED.currency, c.currency),
    updated_at   = COALESCE(EXCLUDED.updated_at, c.updated_at),
    source_ts    = EXCLUDED.source_ts
WHERE c.source_ts <= EXCLUDED.source_ts";

const RECORD_LOGIN: &str = "
UPDATE storesync.customers SET last_login_at = $3::timestamptz
WHERE store_id = $1 AND customer_id = $2
  AND (last_login_at IS NULL OR last_login_at < $3::timestamptz)";

fn customer(
    client: &mut SpiClient<'_>,
    store_id: i64,
    event_ts: Option<&Timestamp>,
    c: &Customer,
) -> SpiResult<()> {
    // The customer's own modification time orders its versions best; the event time otherwise.
    let version = ts(c.updated_at.as_ref().or(event_ts));
    let args: [DatumWithOid; 15] = [
        store_id.into(),
        c.id.as_str().into(),
        c.first_name.clone().into(),
        c.last_name.clone().into(),
        c.email.clone().into(),
        c.mobile.clone().into(),
        c.mobile_code.clone().into(),
        c.gender.clone().into(),
        c.birthday.map(|d| d.to_string()).into(),
        c.city.clone().into(),
        c.country.clone().into(),
        c.country_code.clone().into(),
        c.currency.clone().into(),
        ts(c.updated_at.as_ref()).into(),
        version.into(),
    ];
    client.update(UPSERT_CUSTOMER, None, &args)?;
    if let Some(at) = &c.logged_in_at {
        // Logins are facts of their own: recorded even when the profile in the event is stale.
        let args: [DatumWithOid; 3] = [
            store_id.into(),
            c.id.as_str().into(),
            timestamp_text(at).into(),
        ];
        client.update(RECORD_LOGIN, None, &args)?;
    }
    Ok(())
}

const UPSERT_PRODUCT: &str = "
INSERT INTO storesync.products AS p
    (store_id, product_id, name, sku, type, status, price, sale_price, regular_price, currency,
     quantity, is_available, updated_at, source_ts)
VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8::numeric, $9::numeric, $10, $11, $12,
        $13::timestamptz, COALESCE($14::timestamptz, now()))
ON CONFLICT (store_id, product_id) DO UPDATE SET
    name          = COALESCE(EXCLUDED.name, p.name),
    sku           = COALESCE(EXCLUDED.sku, p.sku),
    type          = COALESCE(EXCLUDED.type, p.type),
    status        = COALESCE(EXCLUDED.status, p.status),
    price         = COALESCE(EXCLUDED.price, p.price),
    sale_price    = COALESCE(EXCLUDED.sale_price, p.sale_price),
    regular_price = COALESCE(EXCLUDED.regular_price, p.regular_price),
    currency      = COALESCE(EXCLUDED.currency, p.currency),
    quantity      = COALESCE(EXCLUDED.quantity, p.quantity),
    is_available  = COALESCE(EXCLUDED.is_available, p.is_available),
    updated_at    = COALESCE(EXCLUDED.updated_at, p.updated_at),
    source_ts     = EXCLUDED.source_ts
WHERE p.source_ts <= EXCLUDED.source_ts";

/// A product known only from an order line: added if missing, never overwriting.
const PRODUCT_FROM_ITEM: &str = "
INSERT INTO storesync.products
    (store_id, product_id, name, sku, type, status, price, sale_price, regular_price, currency,
     quantity, is_available, updated_at, source_ts)
VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8::numeric, $9::numeric, $10, $11, $12,
        $13::timestamptz, '-infinity')
ON CONFLICT (store_id, product_id) DO NOTHING";

fn product_args(store_id: i64, p: &Product) -> Vec<DatumWithOid<'_>> {
    vec![
        store_id.into(),
        p.id.as_str().into(),
        p.name.clone().into(),
        p.sku.clone().into(),
        p.kind.clone().into(),
        p.status.clone().into(),
        num(&p.price).into(),
        num(&p.sale_price).into(),
        num(&p.regular_price).into(),
        p.currency.clone().into(),
        p.quantity.into(),
        p.is_available.into(),
        ts(p.updated_at.as_ref()).into(),
    ]
}

fn product(
    client: &mut SpiClient<'_>,
    store_id: i64,
    event_ts: Option<&Timestamp>,
    p: &Product,
) -> SpiResult<()> {
    let mut args = product_args(store_id, p);
    args.push(ts(p.updated_at.as_ref().or(event_ts)).into());
    client.update(UPSERT_PRODUCT, None, &args)?;
    Ok(())
}

const UPSERT_ORDER: &str = "
INSERT INTO storesync.orders AS o
    (store_id, order_id, reference_id, customer_id, status_slug, status_name, order_date, currency,
     total, sub_total, shipping_cost, tax, discount, payment_method, draft, source_ts)
VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8, $9::numeric, $10::numeric, $11::numeric,
        $12::numeric,
        CASE WHEN $13::text[] IS NOT NULL
             THEN COALESCE((SELECT sum(d::numeric) FROM unnest($13::text[]) AS d), 0) END,
        $14, COALESCE($15, false), COALESCE($16::timestamptz, now()))
ON CONFLICT (store_id, order_id) DO UPDATE SET
    reference_id   = COALESCE(EXCLUDED.reference_id, o.reference_id),
    customer_id    = COALESCE(EXCLUDED.customer_id, o.customer_id),
    status_slug    = COALESCE(EXCLUDED.status_slug, o.status_slug),
    status_name    = COALESCE(EXCLUDED.status_name, o.status_name),
    order_date     = COALESCE(EXCLUDED.order_date, o.order_date),
    currency       = COALESCE(EXCLUDED.currency, o.currency),
    total          = COALESCE(EXCLUDED.total, o.total),
    sub_total      = COALESCE(EXCLUDED.sub_total, o.sub_total),
    shipping_cost  = COALESCE(EXCLUDED.shipping_cost, o.shipping_cost),
    tax            = COALESCE(EXCLUDED.tax, o.tax),
    discount       = COALESCE(EXCLUDED.discount, o.discount),
    payment_method = COALESCE(EXCLUDED.payment_method, o.payment_method),
    draft          = COALESCE($15, o.draft),
    source_ts      = EXCLUDED.source_ts
WHERE o.source_ts <= EXCLUDED.source_ts
RETURNING 1";

const DELETE_STALE_ITEMS: &str = "
DELETE FROM storesync.order_items
WHERE store_id = $1 AND order_id = $2 AND item_id <> ALL($3)";

const UPSERT_ITEM: &str = "
INSERT INTO storesync.order_items AS i
    (store_id, order_id, item_id, product_id, name, sku, quantity, currency, price, discount, tax, total)
VALUES ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9::numeric, $10::numeric, $11::numeric, $12::numeric)
ON CONFLICT (store_id, order_id, item_id) DO UPDATE SET
    product_id = EXCLUDED.product_id, name = EXCLUDED.name, sku = EXCLUDED.sku,
    quantity = EXCLUDED.quantity, currency = EXCLUDED.currency, price = EXCLUDED.price,
    discount = EXCLUDED.discount, tax = EXCLUDED.tax, total = EXCLUDED.total";

fn order(
    client: &mut SpiClient<'_>,
    store_id: i64,
    event_ts: Option<&Timestamp>,
    o: &Order,
) -> SpiResult<()> {
    if let Some(c) = &o.customer {
        customer(client, store_id, event_ts, c)?;
    }
    let discounts: Option<Vec<String>> = o
        .discounts
        .as_ref()
        .map(|list| list.iter().map(|d| d.as_str().to_string()).collect());
    let args: [DatumWithOid; 16] = [
        store_id.into(),
        o.id.as_str().into(),
        o.reference_id.clone().into(),
        o.customer.as_ref().map(|c| c.id.clone()).into(),
        o.status_slug.clone().into(),
        o.status_name.clone().into(),
        ts(o.order_date.as_ref()).into(),
        o.currency.clone().into(),
        num(&o.total).into(),
        num(&o.sub_total).into(),
        num(&o.shipping_cost).into(),
        num(&o.tax).into(),
        discounts.into(),
        o.payment_method.clone().into(),
        o.draft.into(),
        ts(event_ts).into(),
    ];
    let applied = !client.update(UPSERT_ORDER, None, &args)?.is_empty();
    // Lines follow the order: replaced as a set, and only by a state at least as new.
    if let (true, Some(items)) = (applied, &o.items) {
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        let args: [DatumWithOid; 3] = [store_id.into(), o.id.as_str().into(), ids.into()];
        client.update(DELETE_STALE_ITEMS, None, &args)?;
        for item in items {
            order_item(client, store_id, &o.id, item)?;
        }
    }
    Ok(())
}

fn order_item(
    client: &mut SpiClient<'_>,
    store_id: i64,
    order_id: &str,
    i: &OrderItem,
) -> SpiResult<()> {
    if let Some(p) = &i.product {
        client.update(PRODUCT_FROM_ITEM, None, &product_args(store_id, p))?;
    }
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
    client.update(UPSERT_ITEM, None, &args)?;
    Ok(())
}
