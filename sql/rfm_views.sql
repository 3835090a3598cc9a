-- The analyst surface of RFM: plain views over storesync.rfm_customers.

CREATE VIEW storesync.customer_rfm AS
SELECT rc.store_id,
       rc.customer_id,
       c.name,
       c.email,
       c.mobile,
       rc.last_order_at,
       storesync.rfm_days(now(), rc.last_order_at) AS recency_days,
       rc.frequency,
       rc.monetary,
       rc.currency,
       rc.r_score,
       rc.f_score,
       rc.m_score,
       rc.rfm_code,
       rc.segment,
       storesync.churn_risk(
           storesync.rfm_days(now(), rc.last_order_at),
           coalesce(storesync.rfm_rhythm_days(rc.first_order_at, rc.last_order_at, rc.frequency),
                    cp.rhythm_days,
                    st.default_rhythm_days)) AS churn_risk,
       greatest(rc.scored_at, cp.refreshed_at) AS scored_at
  FROM storesync.rfm_customers AS rc
  LEFT JOIN storesync.customers AS c
         ON c.store_id = rc.store_id AND c.customer_id = rc.customer_id
  LEFT JOIN storesync.rfm_cut_points AS cp ON cp.store_id = rc.store_id
 CROSS JOIN storesync.rfm_settings AS st;
COMMENT ON VIEW storesync.customer_rfm IS 'Every scored customer of every store with name and contact, figures, scores 1-5 (5 best), RFM code, segment and churn risk. recency_days and churn_risk are as of now (computed when read); scores are as of the last scoring (scored_at).';
COMMENT ON COLUMN storesync.customer_rfm.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.customer_rfm.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.customer_rfm.name IS 'Customer name (customers.name).';
COMMENT ON COLUMN storesync.customer_rfm.email IS 'Email (customers.email).';
COMMENT ON COLUMN storesync.customer_rfm.mobile IS 'Mobile number (customers.mobile).';
COMMENT ON COLUMN storesync.customer_rfm.last_order_at IS 'order_date of the latest counted order.';
COMMENT ON COLUMN storesync.customer_rfm.recency_days IS 'Whole days from last_order_at to now(): floor((now() - last_order_at) / 1 day). Computed when read, so it grows every day; r_score is as of the last scoring (scored_at), not of now.';
COMMENT ON COLUMN storesync.customer_rfm.frequency IS 'Number of counted orders.';
COMMENT ON COLUMN storesync.customer_rfm.monetary IS 'Sum of the counted orders'' totals.';
COMMENT ON COLUMN storesync.customer_rfm.currency IS 'Currency of the counted orders.';
COMMENT ON COLUMN storesync.customer_rfm.r_score IS 'Recency score 1-5 (5: most recent).';
COMMENT ON COLUMN storesync.customer_rfm.f_score IS 'Frequency score 1-5 (5: most orders).';
COMMENT ON COLUMN storesync.customer_rfm.m_score IS 'Monetary score 1-5 (5: most spent).';
COMMENT ON COLUMN storesync.customer_rfm.rfm_code IS 'The three scores as digits R, F, M, e.g. 545.';
COMMENT ON COLUMN storesync.customer_rfm.segment IS 'Segment of rfm_code (rfm_segment_map).';
COMMENT ON COLUMN storesync.customer_rfm.churn_risk IS '0-100: storesync.churn_risk(recency_days, rhythm) with rhythm the customer''s own mean days between counted orders, else the store''s (rfm_cut_points.rhythm_days), else rfm_settings.default_rhythm_days.';
COMMENT ON COLUMN storesync.customer_rfm.scored_at IS 'When the scores were last confirmed: the later of the customer''s last rescoring and the store''s last refresh.';

CREATE VIEW storesync.segment_summary AS
SELECT rc.store_id,
       rc.segment,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY rc.store_id), 2) AS customer_share,
       sum(rc.monetary) AS revenue,
       round(100.0 * sum(rc.monetary)
             / nullif(sum(sum(rc.monetary)) OVER (PARTITION BY rc.store_id), 0), 2) AS revenue_share,
       round(avg(storesync.rfm_days(now(), rc.last_order_at)), 1) AS avg_recency_days,
       round(avg(rc.frequency), 2) AS avg_frequency,
       round(avg(rc.monetary), 2) AS avg_monetary
  FROM storesync.rfm_customers AS rc
 WHERE rc.segment IS NOT NULL
 GROUP BY rc.store_id, rc.segment;
COMMENT ON VIEW storesync.segment_summary IS 'Per store and segment: customers, their share, the revenue they carry and its share, and average recency, frequency and monetary value. Scored customers only.';
COMMENT ON COLUMN storesync.segment_summary.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.segment_summary.segment IS 'Segment name.';
COMMENT ON COLUMN storesync.segment_summary.customers IS 'Customers in the segment.';
COMMENT ON COLUMN storesync.segment_summary.customer_share IS 'Percent of the store''s scored customers (0-100).';
COMMENT ON COLUMN storesync.segment_summary.revenue IS 'Sum of the customers'' monetary values.';
COMMENT ON COLUMN storesync.segment_summary.revenue_share IS 'Percent of the store''s revenue from scored customers (0-100).';
COMMENT ON COLUMN storesync.segment_summary.avg_recency_days IS 'Average recency_days as of now.';
COMMENT ON COLUMN storesync.segment_summary.avg_frequency IS 'Average number of counted orders.';
COMMENT ON COLUMN storesync.segment_summary.avg_monetary IS 'Average monetary value.';

CREATE VIEW storesync.segment_changes AS
SELECT h.store_id,
       h.customer_id,
       c.name,
       h.from_segment,
       h.to_segment,
       h.changed_at,
       h.cause
  FROM storesync.rfm_segment_changes AS h
  LEFT JOIN storesync.customers AS c
         ON c.store_id = h.store_id AND c.customer_id = h.customer_id;
COMMENT ON VIEW storesync.segment_changes IS 'Segment history with customer names: who moved from which segment to which, when and why (see rfm_segment_changes).';
COMMENT ON COLUMN storesync.segment_changes.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.segment_changes.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.segment_changes.name IS 'Customer name (customers.name).';
COMMENT ON COLUMN storesync.segment_changes.from_segment IS 'Segment before; NULL: first segment.';
COMMENT ON COLUMN storesync.segment_changes.to_segment IS 'Segment after; NULL: no counted order left.';
COMMENT ON COLUMN storesync.segment_changes.changed_at IS 'When.';
COMMENT ON COLUMN storesync.segment_changes.cause IS 'realtime, refresh or map.';
