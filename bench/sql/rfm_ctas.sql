-- Stock-SQL RFM baseline 1: CREATE TABLE AS with GROUP BY over the counted orders and three
-- NTILE(5) windows. The timed statement is the one between \timing on and off.
DROP TABLE IF EXISTS bench.rfm_ctas;
-- The settings storesync.refresh_rfm runs with, for a like-for-like comparison.
SET work_mem = '256MB';
SET jit = off;
\timing on
CREATE TABLE bench.rfm_ctas AS
SELECT store_id, customer_id, recency_days, frequency, monetary,
       ntile(5) OVER (PARTITION BY store_id ORDER BY recency_days DESC) AS r_score,
       ntile(5) OVER (PARTITION BY store_id ORDER BY frequency) AS f_score,
       ntile(5) OVER (PARTITION BY store_id ORDER BY monetary) AS m_score
  FROM (SELECT store_id, customer_id,
               floor(extract(epoch FROM (:'as_of'::timestamptz - max(order_date))) / 86400)::int
                 AS recency_days,
               count(*) AS frequency, sum(total) AS monetary
          FROM storesync.orders
         WHERE deleted_at IS NULL AND NOT draft AND customer_id IS NOT NULL
           AND status_slug NOT IN ('payment_pending', 'canceled', 'restored', 'restoring')
         GROUP BY store_id, customer_id) AS figures;
\timing off
