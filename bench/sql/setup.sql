-- The benchmark's own tables, beside the extension's, in the template database every
-- benchmark run is copied from.
CREATE SCHEMA bench;
COMMENT ON SCHEMA bench IS 'Benchmark inputs and baselines (make bench); not part of storesync.';

-- The webhooks every ingest contender receives, as `storesync-simulate --emit-copy`
-- writes them (same seed, same bytes as the HTTP runs send).
CREATE TABLE bench.payloads (
    seq        int PRIMARY KEY,
    event      text NOT NULL,
    signature  text NOT NULL,
    body       bytea NOT NULL
);
-- Stored uncompressed, so fetching a body costs pgbench drivers as little as possible.
ALTER TABLE bench.payloads ALTER COLUMN body SET STORAGE EXTERNAL;

-- The durable-commit ceiling: one INSERT of a same-sized payload per transaction.
CREATE TABLE bench.ceiling (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body  bytea NOT NULL
);

-- Stock-SQL RFM (what one writes without storesync): figures per customer with GROUP BY over
-- the counted orders, then three NTILE(5) windows. A plain SQL function, inlined into the
-- statements that use it (bench/sql/rfm_ctas.sql, rfm_upsert.sql).
CREATE FUNCTION bench.rfm_stock(as_of timestamptz)
RETURNS TABLE (store_id bigint, customer_id text, recency_days int, frequency bigint,
               monetary numeric, r_score int, f_score int, m_score int)
LANGUAGE sql STABLE
AS $$
SELECT store_id, customer_id, recency_days, frequency, monetary,
       ntile(5) OVER (PARTITION BY store_id ORDER BY recency_days DESC),
       ntile(5) OVER (PARTITION BY store_id ORDER BY frequency),
       ntile(5) OVER (PARTITION BY store_id ORDER BY monetary)
  FROM (SELECT store_id, customer_id,
               floor(extract(epoch FROM (as_of - max(order_date))) / 86400)::int AS recency_days,
               count(*) AS frequency, sum(total) AS monetary
          FROM storesync.orders
         WHERE deleted_at IS NULL AND NOT draft AND customer_id IS NOT NULL
           AND status_slug NOT IN ('payment_pending', 'canceled', 'restored', 'restoring')
         GROUP BY store_id, customer_id) AS figures
$$;
