-- RFM benchmark data, set-based: :stores stores, :customers customers (customer c belongs to
-- store c % :stores), :orders orders spread over two years before :'as_of', skewed towards
-- loyal customers; about 1 order in 10 does not count (cancelled, awaiting payment).
SET synchronous_commit = off;
-- Bulk generation is not a stream of events: no real-time rescoring while loading.
SET storesync.realtime_rfm = off;

CREATE TEMP TABLE rfm_stores AS
WITH made AS (
    INSERT INTO storesync.stores (platform, merchant_id)
    SELECT 'salla', 'rfm-bench-' || s FROM generate_series(0, :stores - 1) AS s
    RETURNING store_id, merchant_id)
SELECT store_id, substr(merchant_id, 11)::int AS idx FROM made;

INSERT INTO storesync.customers (store_id, customer_id, first_name, email, source_ts)
SELECT st.store_id, 'c' || c, 'Customer ' || c, 'c' || c || '@example.com', :'as_of'
  FROM generate_series(0, :customers - 1) AS c
  JOIN rfm_stores st ON st.idx = c % :stores;

INSERT INTO storesync.orders
       (store_id, order_id, customer_id, status_slug, order_date, currency, total, sub_total,
        source_ts)
SELECT st.store_id, 'o' || o.g, 'c' || o.cust,
       CASE WHEN o.g % 17 = 0 THEN 'canceled'
            WHEN o.g % 23 = 0 THEN 'payment_pending'
            ELSE 'completed' END,
       :'as_of'::timestamptz - make_interval(secs => (o.g * 7919) % (730 * 86400)),
       'SAR', 10 + (o.g * 31 % 100000) / 100.0, 10 + (o.g * 31 % 100000) / 100.0,
       :'as_of'
  FROM (SELECT g,
               -- u in [0, 1) from a multiplicative hash; u² skews orders to low customer ids.
               floor(:customers * power(((g::bigint * 2654435761) % 4294967296) / 4294967296.0, 2))::bigint AS cust
          FROM generate_series(0::bigint, :orders - 1) AS g) AS o
  JOIN rfm_stores st ON st.idx = o.cust % :stores;

VACUUM (FREEZE, ANALYZE) storesync.stores, storesync.customers, storesync.orders;
