'use strict';
// Benchmark peer: the webhook receiver a careful Node developer would write for Salla
// order webhooks with Express and pg. Per request: HMAC-SHA256 over the raw body compared
// with crypto.timingSafeEqual, parse, dedupe by body hash, store the raw event, upsert the
// customer, the order and its lines — all in one transaction, answered only after COMMIT.
//
// Environment: PORT (0 = any free port), WEBHOOK_SECRET, POOL_SIZE, and libpq's PGHOST,
// PGDATABASE, PGUSER. Prints "listening on http://127.0.0.1:<port>" once ready.

const crypto = require('node:crypto');
const express = require('express');
const { Pool } = require('pg');

const secret = Buffer.from(process.env.WEBHOOK_SECRET || '', 'utf8');
const pool = new Pool({ max: Number(process.env.POOL_SIZE || 16) });

// Salla's money is a number, a numeric string or {amount, currency}.
function amount(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return amount(value.amount);
  const n = Number(value);
  return Number.isFinite(n) ? String(value) : null;
}

// PHP DateTime objects {date, timezone}; their zone-less text is Riyadh time.
function phpDate(value) {
  if (!value || typeof value.date !== 'string') return null;
  return `${value.date} ${value.timezone || 'Asia/Riyadh'}`;
}

function eventTime(text) {
  const t = new Date(text);
  return Number.isNaN(t.getTime()) ? new Date() : t;
}

const q = {
  event: `INSERT INTO peer_express.events (body_sha256, event_name, merchant, payload)
          VALUES ($1, $2, $3, $4) ON CONFLICT (body_sha256) DO NOTHING RETURNING id`,
  customer: `INSERT INTO peer_express.customers AS c
               (merchant, customer_id, first_name, last_name, email, mobile, city, country,
                updated_at, source_ts)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, $10)
             ON CONFLICT (merchant, customer_id) DO UPDATE SET
               first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
               email = EXCLUDED.email, mobile = EXCLUDED.mobile, city = EXCLUDED.city,
               country = EXCLUDED.country, updated_at = EXCLUDED.updated_at,
               source_ts = EXCLUDED.source_ts
             WHERE c.source_ts <= EXCLUDED.source_ts`,
  order: `INSERT INTO peer_express.orders AS o
            (merchant, order_id, reference_id, customer_id, status_slug, order_date, currency,
             total, sub_total, shipping_cost, tax, discount, payment_method, source_ts)
          VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8, $9, $10, $11, $12, $13, $14)
          ON CONFLICT (merchant, order_id) DO UPDATE SET
            reference_id = EXCLUDED.reference_id, customer_id = EXCLUDED.customer_id,
            status_slug = EXCLUDED.status_slug, order_date = EXCLUDED.order_date,
            currency = EXCLUDED.currency, total = EXCLUDED.total,
            sub_total = EXCLUDED.sub_total, shipping_cost = EXCLUDED.shipping_cost,
            tax = EXCLUDED.tax, discount = EXCLUDED.discount,
            payment_method = EXCLUDED.payment_method, source_ts = EXCLUDED.source_ts
          WHERE o.source_ts <= EXCLUDED.source_ts
          RETURNING 1`,
  staleItems: `DELETE FROM peer_express.order_items
               WHERE merchant = $1 AND order_id = $2 AND item_id <> ALL($3::text[])`,
  item: `INSERT INTO peer_express.order_items
           (merchant, order_id, item_id, product_id, name, sku, quantity, price, discount,
            tax, total)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (merchant, order_id, item_id) DO UPDATE SET
           product_id = EXCLUDED.product_id, name = EXCLUDED.name, sku = EXCLUDED.sku,
           quantity = EXCLUDED.quantity, price = EXCLUDED.price,
           discount = EXCLUDED.discount, tax = EXCLUDED.tax, total = EXCLUDED.total`,
};

// Named queries: pg prepares each once per connection.
const run = (client, name, values) => client.query({ name, text: q[name], values });

async function storeOrder(client, merchant, o, ts) {
  const c = o.customer;
  if (c && c.id !== undefined) {
    await run(client, 'customer', [merchant, String(c.id), c.first_name ?? null,
      c.last_name ?? null, c.email ?? null, c.mobile == null ? null : String(c.mobile),
      c.city ?? null, c.country ?? null, phpDate(c.updated_at), ts]);
  }
  const a = o.amounts || {};
  const discounts = Array.isArray(a.discounts) ? a.discounts : [];
  const discount = discounts.reduce((sum, d) => sum + Number(d.discount || 0), 0);
  const applied = await run(client, 'order', [merchant, String(o.id),
    o.reference_id == null ? null : String(o.reference_id), c ? String(c.id) : null,
    o.status ? o.status.slug : null, phpDate(o.date), o.currency ?? null, amount(a.total),
    amount(a.sub_total), amount(a.shipping_cost), amount(a.tax && a.tax.amount),
    String(discount), o.payment_method ?? null, ts]);
  if (applied.rowCount === 0 || !Array.isArray(o.items)) return;
  await run(client, 'staleItems', [merchant, String(o.id), o.items.map((i) => String(i.id))]);
  for (const i of o.items) {
    const ia = i.amounts || {};
    await run(client, 'item', [merchant, String(o.id), String(i.id),
      i.product ? String(i.product.id) : null, i.name ?? null, i.sku ?? null,
      amount(i.quantity), amount(ia.price_without_tax), amount(ia.total_discount),
      amount(ia.tax && ia.tax.amount), amount(ia.total)]);
  }
}

const app = express();
app.disable('x-powered-by');

app.post('/webhooks/:source', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const given = Buffer.from(String(req.get('x-salla-signature') || ''), 'hex');
  const expected = crypto.createHmac('sha256', secret).update(body).digest();
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    return res.status(401).json({ error: 'bad_signature', message: 'signature mismatch' });
  }
  let event;
  try {
    event = JSON.parse(body.toString('utf8'));
  } catch {
    return res.status(400).json({ error: 'not_json', message: 'body is not JSON' });
  }
  if (!event || typeof event.event !== 'string' || event.merchant == null
      || typeof event.data !== 'object' || event.data === null) {
    return res.status(400).json({ error: 'not_a_webhook', message: 'not a Salla webhook' });
  }
  const hash = crypto.createHash('sha256').update(body).digest();
  const merchant = String(event.merchant);
  const ts = eventTime(event.created_at);
  let client;
  try {
    client = await pool.connect();
    await client.query('BEGIN');
    const inserted = await run(client, 'event', [hash, event.event, merchant, body.toString('utf8')]);
    let status = 'duplicate';
    if (inserted.rowCount === 1) {
      status = 'ignored';
      if (event.event === 'order.created' || event.event === 'order.updated') {
        await storeOrder(client, merchant, event.data, ts);
        status = 'processed';
      }
    }
    await client.query('COMMIT');
    res.json({ status });
  } catch (err) {
    if (client) await client.query('ROLLBACK').catch(() => {});
    console.error(`webhook failed: ${err.code || ''} ${err.message}`);
    res.status(503).json({ error: 'unavailable', message: 'database error; retry later' });
  } finally {
    if (client) client.release();
  }
});

const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
server.keepAliveTimeout = 65_000;

process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
