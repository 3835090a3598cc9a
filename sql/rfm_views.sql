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
           coalesce(CASE WHEN rc.frequency > 1
                         THEN extract(epoch FROM (rc.last_order_at - rc.first_order_at)) / 86400
                              / (rc.frequency - 1)
                    END,
                    cp.rhythm_days,
                    st.default_rhythm_days)) AS churn_risk,
       greatest(rc.scored_at, cp.refreshed_at) AS scored_at
  FROM storesync.rfm_customers AS rc
  LEFT JOIN storesync.customers AS c
         ON c.store_id = rc.store_id AND c.customer_id = rc.customer_id
  LEFT JOIN storesync.rfm_cut_points AS cp ON cp.store_id = rc.store_id
 CROSS JOIN storesync.rfm_settings AS st;

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
