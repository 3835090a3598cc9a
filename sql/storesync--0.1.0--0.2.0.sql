-- storesync 0.1.0 -> 0.2.0, run by ALTER EXTENSION storesync UPDATE (TO '0.2.0').
\echo Use "ALTER EXTENSION storesync UPDATE TO '0.2.0'" to load this file. \quit

-- Released scripts are never edited: a change after 0.2.0 goes into storesync--0.2.0--<next>.sql.
--
-- Every statement can run again on a database already at 0.2.0 and changes nothing
-- (CREATE OR REPLACE, IF NOT EXISTS, DO blocks that check before they change). Each section
-- below is one change since 0.1.0 and leaves its objects exactly as a fresh 0.2.0 install
-- has them: definition, COMMENT and grants (tests/tests/upgrade.rs compares the catalogs).
-- The objects are written as in the install script's sql/*.sql files, with CREATE OR REPLACE.
-- A further change for 0.2.0 gets a section of its own, above the Privileges section (last).

-- =============================================================================================
-- RFM helpers (sql/rfm.sql): rfm_code, rfm_rhythm_days and _rfm_figures, new in 0.2.0, name
-- the expressions that real-time rescoring, the refresh and customer_rfm repeated in 0.1.0.
-- =============================================================================================

CREATE OR REPLACE FUNCTION storesync.rfm_code(r int, f int, m int)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT r::text || f::text || m::text
$$;
COMMENT ON FUNCTION storesync.rfm_code(int, int, int) IS 'The RFM code of three scores: r, f and m as three digits, e.g. rfm_code(5, 4, 5) = ''545''. NULL if a score is NULL.';

CREATE OR REPLACE FUNCTION storesync.rfm_rhythm_days(first_order_at timestamptz,
                                                     last_order_at timestamptz, frequency bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN frequency > 1
                THEN extract(epoch FROM (last_order_at - first_order_at)) / 86400 / (frequency - 1)
           END
$$;
COMMENT ON FUNCTION storesync.rfm_rhythm_days(timestamptz, timestamptz, bigint) IS 'A customer''s purchase rhythm: the mean days between their counted orders, (last_order_at - first_order_at) / (frequency - 1) in days of 86400 seconds. NULL with fewer than two orders.';

-- Not STRICT and without a SET clause, so the planner inlines it: a filter on store_id or
-- customer_id outside reaches the scan of orders (and its index).
CREATE OR REPLACE FUNCTION storesync._rfm_figures(excluded text[])
RETURNS TABLE (store_id bigint, customer_id text, first_order_at timestamptz,
               last_order_at timestamptz, frequency bigint, monetary numeric, currency text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT o.store_id, o.customer_id, min(o.order_date), max(o.order_date), count(*),
           coalesce(sum(o.total), 0), max(o.currency)
      FROM storesync.orders AS o
     WHERE storesync.rfm_counted(o.customer_id, o.order_date, o.status_slug, o.draft,
                                 o.deleted_at, excluded)
     GROUP BY o.store_id, o.customer_id
$$;
COMMENT ON FUNCTION storesync._rfm_figures(text[]) IS 'Internal: the RFM figures of every (store, customer) with counted orders (excluded: the statuses that do not count): first and last order_date, number of orders, sum of totals (a missing total as 0), greatest currency. Callers filter by store_id and customer_id.';

-- =============================================================================================
-- RFM callers: _rfm_rescore (sql/rfm_realtime.sql), refresh_rfm (sql/rfm_refresh.sql) and the
-- view customer_rfm (sql/rfm_views.sql) use the helpers above. Same signatures, columns and
-- results as in 0.1.0; CREATE OR REPLACE keeps their grants, restated below where 0.2.0's
-- install script states them.
-- =============================================================================================

CREATE OR REPLACE FUNCTION storesync._rfm_rescore(p_store bigint, p_customer text, p_excluded text[])
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    -- The gate (shared), then the customer. The next statement takes a new snapshot: it sees
    -- every order of a transaction that held this customer's lock before.
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtextextended('storesync.rfm.gate', 0)),
            pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtextextended('storesync.rfm.gate:' || p_store, 0)),
            pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('storesync.rfm.customer:' || p_store || ':' || p_customer, 0));

    WITH figures AS (
        SELECT f.first_order_at, f.last_order_at, f.frequency, f.monetary, f.currency
          FROM storesync._rfm_figures(p_excluded) AS f
         WHERE f.store_id = p_store AND f.customer_id = p_customer
    ), scored AS (
        SELECT f.*, s.r, s.f, s.m, storesync.rfm_code(s.r, s.f, s.m) AS code
          FROM figures AS f
          LEFT JOIN storesync.rfm_cut_points AS cp ON cp.store_id = p_store
         CROSS JOIN LATERAL (
               SELECT storesync.rfm_score(f.last_order_at, cp.r_cuts) AS r,
                      storesync.rfm_score(f.frequency, cp.f_cuts) AS f,
                      storesync.rfm_score(f.monetary, cp.m_cuts) AS m) AS s
    ), before AS (
        SELECT rc.segment FROM storesync.rfm_customers AS rc
         WHERE rc.store_id = p_store AND rc.customer_id = p_customer
    ), gone AS (
        DELETE FROM storesync.rfm_customers AS rc
         WHERE rc.store_id = p_store AND rc.customer_id = p_customer
           AND NOT EXISTS (SELECT 1 FROM scored)
        RETURNING NULL::text AS segment
    ), kept AS (
        INSERT INTO storesync.rfm_customers AS rc
               (store_id, customer_id, first_order_at, last_order_at, frequency, monetary, currency,
                r_score, f_score, m_score, rfm_code, segment, scored_at)
        SELECT p_store, p_customer, s.first_order_at, s.last_order_at, s.frequency,
               s.monetary, s.currency, s.r, s.f, s.m, s.code,
               (SELECT m.segment FROM storesync.rfm_segment_map AS m WHERE m.rfm_code = s.code),
               CASE WHEN s.code IS NOT NULL THEN now() END
          FROM scored AS s
        ON CONFLICT (store_id, customer_id) DO UPDATE SET
               first_order_at = EXCLUDED.first_order_at, last_order_at = EXCLUDED.last_order_at,
               frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary,
               currency = EXCLUDED.currency, r_score = EXCLUDED.r_score,
               f_score = EXCLUDED.f_score, m_score = EXCLUDED.m_score,
               rfm_code = EXCLUDED.rfm_code, segment = EXCLUDED.segment,
               scored_at = EXCLUDED.scored_at
        RETURNING rc.segment
    )
    INSERT INTO storesync.rfm_segment_changes (store_id, customer_id, from_segment, to_segment, cause)
    SELECT p_store, p_customer, (SELECT b.segment FROM before AS b), a.segment, 'realtime'
      FROM (SELECT k.segment FROM kept AS k UNION ALL SELECT g.segment FROM gone AS g) AS a
     WHERE a.segment IS DISTINCT FROM (SELECT b.segment FROM before AS b);
END;
$$;
COMMENT ON FUNCTION storesync._rfm_rescore(bigint,text,text[]) IS 'Internal: recomputes one customer''s figures from their counted orders (p_excluded: the statuses that do not count), rescores them against the store''s cut points, and records a segment change (cause realtime). Serialised per customer with an advisory lock.';

CREATE OR REPLACE PROCEDURE storesync.refresh_rfm(store_id bigint DEFAULT NULL,
                                       as_of timestamptz DEFAULT now(),
                                       recount boolean DEFAULT false)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '256MB'
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    one_store bigint := refresh_rfm.store_id;
    at_time timestamptz := refresh_rfm.as_of;
    settings record;
BEGIN
    IF at_time IS NULL OR NOT isfinite(at_time) THEN
        RAISE EXCEPTION 'as_of must be a finite time' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF one_store IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM storesync.stores AS s WHERE s.store_id = one_store) THEN
        RAISE EXCEPTION 'no store %', one_store
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass a store_id from storesync.stores, or NULL for every store.';
    END IF;

    -- One refresh of a store at a time: every store (exclusive) or one store (exclusive, with
    -- the all-stores lock shared).
    IF one_store IS NULL THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('storesync.rfm.refresh', 0));
    ELSE
        PERFORM pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtextextended('storesync.rfm.refresh', 0));
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('storesync.rfm.refresh:' || one_store, 0));
    END IF;
    -- Settings cannot change under a refresh (a change waits for it).
    SELECT s.realtime, s.figures_stale, s.excluded_statuses INTO settings
      FROM storesync.rfm_settings AS s FOR SHARE;

    -- 1. Figures: recounted from the orders when asked, or when the order triggers did not keep
    --    them (real time off, or switched back on / rules changed since the last recount).
    --    Ingest of the stores recounted waits while this runs (the gate).
    IF recount OR settings.figures_stale OR NOT settings.realtime THEN
        IF one_store IS NULL THEN
            PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('storesync.rfm.gate', 0));
        ELSE
            PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('storesync.rfm.gate:' || one_store, 0));
        END IF;

        WITH figures AS MATERIALIZED (
            SELECT f.store_id, f.customer_id, f.first_order_at, f.last_order_at, f.frequency,
                   f.monetary, f.currency
              FROM storesync._rfm_figures(settings.excluded_statuses) AS f
             WHERE one_store IS NULL OR f.store_id = one_store
        ), gone AS (
            DELETE FROM storesync.rfm_customers AS rc
             WHERE (one_store IS NULL OR rc.store_id = one_store)
               AND NOT EXISTS (SELECT 1 FROM figures AS f
                                WHERE f.store_id = rc.store_id AND f.customer_id = rc.customer_id)
            RETURNING rc.store_id, rc.customer_id, rc.segment
        ), upserted AS (
            -- (A data-modifying WITH runs to completion whether or not it is read.)
            INSERT INTO storesync.rfm_customers AS rc
                   (store_id, customer_id, first_order_at, last_order_at, frequency, monetary, currency)
            SELECT f.store_id, f.customer_id, f.first_order_at, f.last_order_at, f.frequency,
                   f.monetary, f.currency
              FROM figures AS f
            ON CONFLICT (store_id, customer_id) DO UPDATE SET
                   first_order_at = EXCLUDED.first_order_at, last_order_at = EXCLUDED.last_order_at,
                   frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary,
                   currency = EXCLUDED.currency
             WHERE (rc.first_order_at, rc.last_order_at, rc.frequency, rc.monetary, rc.currency)
                   IS DISTINCT FROM (EXCLUDED.first_order_at, EXCLUDED.last_order_at,
                                     EXCLUDED.frequency, EXCLUDED.monetary, EXCLUDED.currency)
        )
        INSERT INTO storesync.rfm_segment_changes (store_id, customer_id, from_segment, to_segment, cause)
        SELECT g.store_id, g.customer_id, g.segment, NULL, 'refresh'
          FROM gone AS g
         WHERE g.segment IS NOT NULL;

        IF one_store IS NULL AND settings.realtime THEN
            UPDATE storesync.rfm_settings SET figures_stale = false WHERE figures_stale;
        END IF;
    END IF;

    -- 2. Exact ranks, per store, from the figures: for each dimension, the customers per
    --    distinct value and a running count give "customers with a strictly smaller (larger)
    --    value"; the cut point of score k is the smallest (largest) value that reaches it.
    WITH scope AS NOT MATERIALIZED (
        SELECT rc.store_id, storesync.rfm_days(at_time, rc.last_order_at) AS d, rc.frequency,
               rc.monetary,
               storesync.rfm_rhythm_days(rc.first_order_at, rc.last_order_at, rc.frequency) AS rhythm
          FROM storesync.rfm_customers AS rc
         WHERE one_store IS NULL OR rc.store_id = one_store
    ), sizes AS (
        SELECT s.store_id, count(*) AS n, avg(s.rhythm) AS rhythm FROM scope AS s GROUP BY s.store_id
    ), r AS (
        SELECT v.store_id, v.d,
               1 + 5 * ((sum(v.c) OVER (PARTITION BY v.store_id ORDER BY v.d DESC))::bigint - v.c) / z.n AS score
          FROM (SELECT s.store_id, s.d, count(*) AS c FROM scope AS s GROUP BY s.store_id, s.d) AS v
          JOIN sizes AS z ON z.store_id = v.store_id
    ), f AS (
        SELECT v.store_id, v.frequency,
               1 + 5 * ((sum(v.c) OVER (PARTITION BY v.store_id ORDER BY v.frequency))::bigint - v.c) / z.n AS score
          FROM (SELECT s.store_id, s.frequency, count(*) AS c FROM scope AS s GROUP BY s.store_id, s.frequency) AS v
          JOIN sizes AS z ON z.store_id = v.store_id
    ), m AS (
        SELECT v.store_id, v.monetary,
               1 + 5 * ((sum(v.c) OVER (PARTITION BY v.store_id ORDER BY v.monetary))::bigint - v.c) / z.n AS score
          FROM (SELECT s.store_id, s.monetary, count(*) AS c FROM scope AS s GROUP BY s.store_id, s.monetary) AS v
          JOIN sizes AS z ON z.store_id = v.store_id
    ), r_cuts AS (
        SELECT r.store_id, ARRAY[
                   storesync._rfm_recency_cut(at_time, max(r.d) FILTER (WHERE r.score >= 2)),
                   storesync._rfm_recency_cut(at_time, max(r.d) FILTER (WHERE r.score >= 3)),
                   storesync._rfm_recency_cut(at_time, max(r.d) FILTER (WHERE r.score >= 4)),
                   storesync._rfm_recency_cut(at_time, max(r.d) FILTER (WHERE r.score >= 5))] AS cuts
          FROM r GROUP BY r.store_id
    ), f_cuts AS (
        SELECT f.store_id, ARRAY[
                   coalesce(min(f.frequency) FILTER (WHERE f.score >= 2), 9223372036854775807),
                   coalesce(min(f.frequency) FILTER (WHERE f.score >= 3), 9223372036854775807),
                   coalesce(min(f.frequency) FILTER (WHERE f.score >= 4), 9223372036854775807),
                   coalesce(min(f.frequency) FILTER (WHERE f.score >= 5), 9223372036854775807)] AS cuts
          FROM f GROUP BY f.store_id
    ), m_cuts AS (
        SELECT m.store_id, ARRAY[
                   coalesce(min(m.monetary) FILTER (WHERE m.score >= 2), 'Infinity'::numeric),
                   coalesce(min(m.monetary) FILTER (WHERE m.score >= 3), 'Infinity'::numeric),
                   coalesce(min(m.monetary) FILTER (WHERE m.score >= 4), 'Infinity'::numeric),
                   coalesce(min(m.monetary) FILTER (WHERE m.score >= 5), 'Infinity'::numeric)] AS cuts
          FROM m GROUP BY m.store_id
    )
    INSERT INTO storesync.rfm_cut_points AS cp
           (store_id, as_of, customers, r_cuts, f_cuts, m_cuts, rhythm_days, refreshed_at)
    SELECT z.store_id, at_time, z.n, rc.cuts, fc.cuts, mc.cuts, z.rhythm, now()
      FROM sizes AS z
      JOIN r_cuts AS rc ON rc.store_id = z.store_id
      JOIN f_cuts AS fc ON fc.store_id = z.store_id
      JOIN m_cuts AS mc ON mc.store_id = z.store_id
    ON CONFLICT (store_id) DO UPDATE SET
           as_of = EXCLUDED.as_of, customers = EXCLUDED.customers, r_cuts = EXCLUDED.r_cuts,
           f_cuts = EXCLUDED.f_cuts, m_cuts = EXCLUDED.m_cuts, rhythm_days = EXCLUDED.rhythm_days,
           refreshed_at = EXCLUDED.refreshed_at;

    DELETE FROM storesync.rfm_cut_points AS cp
     WHERE (one_store IS NULL OR cp.store_id = one_store)
       AND NOT EXISTS (SELECT 1 FROM storesync.rfm_customers AS rc WHERE rc.store_id = cp.store_id);

    -- 3. Scores from the cut points, written only where they change. The new scores are
    --    computed from the row being updated, so a customer an event rescored meanwhile keeps
    --    its newer figures and is scored on them.
    WITH changed AS MATERIALIZED (
        SELECT rc.store_id, rc.customer_id, rc.segment AS old_segment
          FROM storesync.rfm_customers AS rc
          JOIN storesync.rfm_cut_points AS cp ON cp.store_id = rc.store_id
         WHERE (one_store IS NULL OR rc.store_id = one_store)
           AND (rc.r_score, rc.f_score, rc.m_score)
               IS DISTINCT FROM (storesync.rfm_score(rc.last_order_at, cp.r_cuts),
                                 storesync.rfm_score(rc.frequency, cp.f_cuts),
                                 storesync.rfm_score(rc.monetary, cp.m_cuts))
    ), rescored AS (
        UPDATE storesync.rfm_customers AS rc
           SET r_score = storesync.rfm_score(rc.last_order_at, cp.r_cuts),
               f_score = storesync.rfm_score(rc.frequency, cp.f_cuts),
               m_score = storesync.rfm_score(rc.monetary, cp.m_cuts),
               rfm_code = storesync.rfm_code(storesync.rfm_score(rc.last_order_at, cp.r_cuts),
                                             storesync.rfm_score(rc.frequency, cp.f_cuts),
                                             storesync.rfm_score(rc.monetary, cp.m_cuts)),
               segment = (SELECT sm.segment FROM storesync.rfm_segment_map AS sm
                           WHERE sm.rfm_code = storesync.rfm_code(
                                                   storesync.rfm_score(rc.last_order_at, cp.r_cuts),
                                                   storesync.rfm_score(rc.frequency, cp.f_cuts),
                                                   storesync.rfm_score(rc.monetary, cp.m_cuts))),
               scored_at = now()
          FROM changed AS c, storesync.rfm_cut_points AS cp
         WHERE rc.store_id = c.store_id AND rc.customer_id = c.customer_id
           AND cp.store_id = rc.store_id
        RETURNING rc.store_id, rc.customer_id, c.old_segment, rc.segment
    )
    INSERT INTO storesync.rfm_segment_changes (store_id, customer_id, from_segment, to_segment, cause)
    SELECT x.store_id, x.customer_id, x.old_segment, x.segment, 'refresh'
      FROM rescored AS x
     WHERE x.old_segment IS DISTINCT FROM x.segment;
END;
$$;
COMMENT ON PROCEDURE storesync.refresh_rfm(bigint,timestamp with time zone,boolean) IS 'CALL storesync.refresh_rfm(store_id => NULL, as_of => now(), recount => false): exact RFM scores for one store or every store, as of as_of. Set-based: ranks per distinct value, new cut points in rfm_cut_points, scores written only where they change, segment changes recorded (cause refresh). recount (or stale figures, or real time off) first recounts the figures from the orders; ingest for the stores recounted waits meanwhile. Two refreshes of one store never run at once (advisory locks). One transaction, SECURITY DEFINER with a fixed search_path, so a role allowed to EXECUTE it needs no table rights; not granted to PUBLIC.';
-- SECURITY DEFINER: whoever may run it recomputes every store's scores; grant it on purpose.
REVOKE ALL ON PROCEDURE storesync.refresh_rfm(bigint, timestamptz, boolean) FROM PUBLIC;

CREATE OR REPLACE VIEW storesync.customer_rfm AS
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

-- =============================================================================================
-- Backups (sql/*.sql beside each CREATE, sql/rfm.sql, sql/segment_map.sql): every table and
-- sequence registered with pg_extension_config_dump, so pg_dump writes their rows (0.1.0's
-- dumps had none); restore mode (setting storesync.restoring) in the RFM triggers; the segment
-- map's seed as a function, and rows restored into the seeded tables replacing the seed.
-- pg_extension_config_dump replaces an existing registration; triggers are dropped and created.
-- =============================================================================================

-- Every table and sequence in pg_dump's output.
SELECT pg_catalog.pg_extension_config_dump('storesync.stores', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.stores', 'store_id')::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('storesync.store_credentials', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.sources', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.sources', 'source_id')::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('storesync.events', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.events', 'event_id')::pg_catalog.regclass, '');
SELECT pg_catalog.pg_extension_config_dump('storesync.customers', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.customer_otp_requests', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.reviews', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.products', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.categories', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.brands', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.special_offers', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.orders', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.order_items', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.order_status_history', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.shipments', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.order_shipment_cancellations', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.invoices', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.branches', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.taxes', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.shipping_zones', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.shipping_companies', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.carts', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.cart_items', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.coupons', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_settings', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_segment_map', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_customers', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_cut_points', '');
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_segment_changes', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.rfm_segment_changes', 'change_id')::pg_catalog.regclass, '');

-- Restore mode.
CREATE OR REPLACE FUNCTION storesync._restoring()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(pg_catalog.current_setting('storesync.restoring', true), ''), 'off')::boolean
$$;
COMMENT ON FUNCTION storesync._restoring() IS 'Internal: whether this session restores a dump (setting storesync.restoring on): the RFM triggers then do nothing and rows of the seeded tables replace the seed''s.';

-- Settings: restamped only outside restore mode; the seed's row replaced by a restored one.
DROP TRIGGER IF EXISTS rfm_settings_changed ON storesync.rfm_settings;
CREATE TRIGGER rfm_settings_changed BEFORE UPDATE ON storesync.rfm_settings
    FOR EACH ROW WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_settings_changed();

CREATE OR REPLACE FUNCTION storesync._rfm_settings_inserted()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF storesync._restoring() THEN
        DELETE FROM storesync.rfm_settings AS s WHERE s.singleton = NEW.singleton;
    ELSIF EXISTS (SELECT FROM storesync.rfm_settings) THEN
        RAISE EXCEPTION 'storesync.rfm_settings already has its row'
            USING ERRCODE = 'unique_violation',
                  HINT = 'Change the settings with UPDATE. Restoring a dump? Restore with the setting storesync.restoring = on, e.g. PGOPTIONS=''-c storesync.restoring=on'' pg_restore ...';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION storesync._rfm_settings_inserted() IS 'Internal trigger on rfm_settings (BEFORE INSERT): in restore mode the arriving row replaces the seed''s; otherwise a second row is refused with a hint.';

DROP TRIGGER IF EXISTS rfm_settings_inserted ON storesync.rfm_settings;
CREATE TRIGGER rfm_settings_inserted BEFORE INSERT ON storesync.rfm_settings
    FOR EACH ROW EXECUTE FUNCTION storesync._rfm_settings_inserted();

-- The segment map's seed, and a restored map replacing it.
CREATE OR REPLACE FUNCTION storesync._rfm_segment_map_seed()
RETURNS TABLE (rfm_code text, segment text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    VALUES
        ('111', 'Lost'),
        ('112', 'Lost'),
        ('113', 'Cannot Lose Them'),
        ('114', 'Cannot Lose Them'),
        ('115', 'Cannot Lose Them'),
        ('121', 'Lost'),
        ('122', 'Hibernating'),
        ('123', 'Hibernating'),
        ('124', 'At Risk'),
        ('125', 'At Risk'),
        ('131', 'Lost'),
        ('132', 'Hibernating'),
        ('133', 'At Risk'),
        ('134', 'At Risk'),
        ('135', 'At Risk'),
        ('141', 'Lost'),
        ('142', 'At Risk'),
        ('143', 'At Risk'),
        ('144', 'Cannot Lose Them'),
        ('145', 'At Risk'),
        ('151', 'Lost'),
        ('152', 'At Risk'),
        ('153', 'At Risk'),
        ('154', 'Cannot Lose Them'),
        ('155', 'Cannot Lose Them'),
        ('211', 'Hibernating'),
        ('212', 'Hibernating'),
        ('213', 'About To Sleep'),
        ('214', 'Cannot Lose Them'),
        ('215', 'Cannot Lose Them'),
        ('221', 'About To Sleep'),
        ('222', 'Hibernating'),
        ('223', 'Hibernating'),
        ('224', 'At Risk'),
        ('225', 'At Risk'),
        ('231', 'About To Sleep'),
        ('232', 'Hibernating'),
        ('233', 'Hibernating'),
        ('234', 'At Risk'),
        ('235', 'At Risk'),
        ('241', 'About To Sleep'),
        ('242', 'At Risk'),
        ('243', 'At Risk'),
        ('244', 'At Risk'),
        ('245', 'At Risk'),
        ('251', 'About To Sleep'),
        ('252', 'At Risk'),
        ('253', 'At Risk'),
        ('254', 'At Risk'),
        ('255', 'At Risk'),
        ('311', 'New Customers'),
        ('312', 'About To Sleep'),
        ('313', 'Promising'),
        ('314', 'Promising'),
        ('315', 'Promising'),
        ('321', 'About To Sleep'),
        ('322', 'Hibernating'),
        ('323', 'Potential Loyalist'),
        ('324', 'Need Attention'),
        ('325', 'Need Attention'),
        ('331', 'About To Sleep'),
        ('332', 'Hibernating'),
        ('333', 'Potential Loyalist'),
        ('334', 'Need Attention'),
        ('335', 'Loyal'),
        ('341', 'Potential Loyalist'),
        ('342', 'Potential Loyalist'),
        ('343', 'Need Attention'),
        ('344', 'Loyal'),
        ('345', 'Loyal'),
        ('351', 'Potential Loyalist'),
        ('352', 'Potential Loyalist'),
        ('353', 'Potential Loyalist'),
        ('354', 'Loyal'),
        ('355', 'Loyal'),
        ('411', 'New Customers'),
        ('412', 'New Customers'),
        ('413', 'Promising'),
        ('414', 'Promising'),
        ('415', 'Promising'),
        ('421', 'New Customers'),
        ('422', 'New Customers'),
        ('423', 'Potential Loyalist'),
        ('424', 'Promising'),
        ('425', 'Promising'),
        ('431', 'Potential Loyalist'),
        ('432', 'Potential Loyalist'),
        ('433', 'Potential Loyalist'),
        ('434', 'Need Attention'),
        ('435', 'Loyal'),
        ('441', 'Potential Loyalist'),
        ('442', 'Potential Loyalist'),
        ('443', 'Need Attention'),
        ('444', 'Loyal'),
        ('445', 'Champions'),
        ('451', 'Potential Loyalist'),
        ('452', 'Potential Loyalist'),
        ('453', 'Potential Loyalist'),
        ('454', 'Champions'),
        ('455', 'Champions'),
        ('511', 'New Customers'),
        ('512', 'New Customers'),
        ('513', 'Promising'),
        ('514', 'Promising'),
        ('515', 'Promising'),
        ('521', 'Promising'),
        ('522', 'Promising'),
        ('523', 'Promising'),
        ('524', 'Promising'),
        ('525', 'Promising'),
        ('531', 'Potential Loyalist'),
        ('532', 'Potential Loyalist'),
        ('533', 'Potential Loyalist'),
        ('534', 'Need Attention'),
        ('535', 'Need Attention'),
        ('541', 'Potential Loyalist'),
        ('542', 'Potential Loyalist'),
        ('543', 'Loyal'),
        ('544', 'Champions'),
        ('545', 'Champions'),
        ('551', 'Potential Loyalist'),
        ('552', 'Potential Loyalist'),
        ('553', 'Potential Loyalist'),
        ('554', 'Champions'),
        ('555', 'Champions')
$$;
COMMENT ON FUNCTION storesync._rfm_segment_map_seed() IS 'Internal: the default segment of each of the 125 RFM codes, as CREATE EXTENSION seeds rfm_segment_map.';

CREATE OR REPLACE FUNCTION storesync._rfm_segment_map_restored()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM storesync.rfm_segment_map AS m
                     FULL JOIN storesync._rfm_segment_map_seed() AS s ON s.rfm_code = m.rfm_code
                    WHERE m.segment IS DISTINCT FROM s.segment) THEN
        DELETE FROM storesync.rfm_segment_map;
    ELSE
        DELETE FROM storesync.rfm_segment_map AS m WHERE m.rfm_code = NEW.rfm_code;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION storesync._rfm_segment_map_restored() IS 'Internal trigger on rfm_segment_map (BEFORE INSERT, restore mode only): a row from a dump replaces the install''s seed (all of it while the map is still the seed, else the row with its code).';

DROP TRIGGER IF EXISTS rfm_segment_map_restored ON storesync.rfm_segment_map;
CREATE TRIGGER rfm_segment_map_restored BEFORE INSERT ON storesync.rfm_segment_map
    FOR EACH ROW WHEN (storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_segment_map_restored();

-- Real time and map edits: nothing while restoring.
DROP TRIGGER IF EXISTS rfm_orders_inserted ON storesync.orders;
CREATE TRIGGER rfm_orders_inserted AFTER INSERT ON storesync.orders
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_orders_added_or_removed();

DROP TRIGGER IF EXISTS rfm_orders_updated ON storesync.orders;
CREATE TRIGGER rfm_orders_updated AFTER UPDATE ON storesync.orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_orders_updated();

DROP TRIGGER IF EXISTS rfm_orders_deleted ON storesync.orders;
CREATE TRIGGER rfm_orders_deleted AFTER DELETE ON storesync.orders
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_orders_added_or_removed();

DROP TRIGGER IF EXISTS rfm_segment_map_changed ON storesync.rfm_segment_map;
CREATE TRIGGER rfm_segment_map_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON storesync.rfm_segment_map
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_map_changed();

-- =============================================================================================
-- The inbox keyed by store (sql/inbox.sql): storesync.events gets store_id NOT NULL, the
-- primary key (store_id, event_id) and its dedupe keys led by store_id, as every business table
-- is, so it distributes by store_id (README "Scaling"). Ingest has always resolved the store
-- before recording a delivery, so no row of 0.1.0 lacks one. Rebuilding the keys holds an
-- ACCESS EXCLUSIVE lock on storesync.events while the three indexes are built: on a large
-- inbox, run the update when webhooks may wait (deliveries are retried), or prune first.
-- =============================================================================================

DO $$
BEGIN
    IF EXISTS (SELECT FROM storesync.events WHERE store_id IS NULL) THEN
        RAISE EXCEPTION 'storesync.events has rows without a store_id'
            USING ERRCODE = 'not_null_violation',
                  HINT = 'Rows inserted by hand: set their store_id (storesync.stores) or delete them, then update again.';
    END IF;
END;
$$;
ALTER TABLE storesync.events ALTER COLUMN store_id SET NOT NULL;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS c
                    WHERE c.conrelid = 'storesync.events'::pg_catalog.regclass
                      AND c.conname = 'events_pkey'
                      AND pg_catalog.pg_get_constraintdef(c.oid) = 'PRIMARY KEY (store_id, event_id)') THEN
        ALTER TABLE storesync.events
            DROP CONSTRAINT events_pkey,
            ADD CONSTRAINT events_pkey PRIMARY KEY (store_id, event_id);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS c
                    WHERE c.conrelid = 'storesync.events'::pg_catalog.regclass
                      AND c.conname = 'events_store_id_source_id_body_sha256_key') THEN
        ALTER TABLE storesync.events
            ADD CONSTRAINT events_store_id_source_id_body_sha256_key
                UNIQUE (store_id, source_id, body_sha256);
    END IF;
END;
$$;
ALTER TABLE storesync.events DROP CONSTRAINT IF EXISTS events_source_id_body_sha256_key;
CREATE INDEX IF NOT EXISTS events_event_id_idx ON storesync.events (event_id);
DROP INDEX IF EXISTS storesync.events_source_dedupe_key_idx;
CREATE UNIQUE INDEX IF NOT EXISTS events_store_source_dedupe_key_idx
    ON storesync.events (store_id, source_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

COMMENT ON COLUMN storesync.events.store_id IS 'The store the event is about (stores.store_id), resolved before the delivery is recorded; the inbox''s distribution key.';
COMMENT ON COLUMN storesync.events.body_sha256 IS 'SHA-256 of the raw request body: the dedupe key within a store and source.';
COMMENT ON COLUMN storesync.events.dedupe_key IS 'The platform''s delivery id (Flavours xid), unique per store and source: a second delivery with the same id is a duplicate whatever its body. NULL for platforms without one (Salla).';

-- =============================================================================================
-- Inbox retention (sql/retention.sql, sql/privileges.sql, sql/inbox.sql): prune_events and
-- the procedure prune_events_in_batches, new in 0.2.0, with the index on events.received_at
-- they use; grant_roles grants prune_events to storesync_ingest and keeps
-- prune_events_in_batches to the owner (applied by the Privileges section below); inbox
-- payloads compressed with lz4 instead of pglz. SET COMPRESSION rewrites nothing and applies
-- to payloads written from now on: rows already in the inbox keep their pglz compression
-- (PostgreSQL reads both; VACUUM FULL does not recompress) until they are pruned; a restore
-- of a dump writes every payload anew, with lz4. Building the index reads the whole inbox
-- and holds back writes to it meanwhile (webhooks wait; ALTER EXTENSION cannot build it
-- CONCURRENTLY).
-- =============================================================================================

ALTER TABLE storesync.events ALTER COLUMN payload SET COMPRESSION lz4;

-- Pruning finds the oldest rows first. received_at grows with event_id, so inserts land on the
-- rightmost leaf: the index costs ingest little (measured in BENCHMARKS.md).
CREATE INDEX IF NOT EXISTS events_received_idx ON storesync.events (received_at);
COMMENT ON INDEX storesync.events_received_idx IS 'Lets storesync.prune_events take the oldest inbox rows first without scanning the table.';

-- One batch, in the caller's transaction. A function, not a procedure: SECURITY DEFINER (so
-- the worker's role may prune without owning the table) and a fixed search_path both forbid
-- COMMIT inside a routine; the callers loop and commit between batches instead.
CREATE OR REPLACE FUNCTION storesync.prune_events(older_than interval,
                                                  include_failed boolean DEFAULT false,
                                                  batch_size integer DEFAULT 5000)
RETURNS TABLE (status text, events bigint, oldest_received_at timestamptz,
               newest_received_at timestamptz)
LANGUAGE plpgsql
-- SECURITY: deletes inbox rows only, chosen by age and status; grant it on purpose.
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    cutoff timestamptz;
BEGIN
    IF older_than IS NULL OR older_than < interval '0' THEN
        RAISE EXCEPTION 'older_than must be an interval of zero or more, not %', coalesce(older_than::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example storesync.prune_events(interval ''90 days'').';
    END IF;
    IF include_failed IS NULL THEN
        RAISE EXCEPTION 'include_failed must be true or false, not NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF batch_size IS NULL OR batch_size NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 1000000, not %', coalesce(batch_size::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cutoff := now() - older_than;

    -- Oldest first, at most batch_size rows. SKIP LOCKED: a row another transaction holds (a
    -- replay, a concurrent prune) is left for the next call instead of waited for. The rows
    -- are deleted by their whole key, store first, as every statement on the inbox names it
    -- (README "Scaling").
    RETURN QUERY
    WITH doomed AS (
        SELECT e.store_id, e.event_id
          FROM storesync.events AS e
         WHERE e.received_at < cutoff
           AND (prune_events.include_failed OR e.status <> 'failed')
         ORDER BY e.received_at
         LIMIT prune_events.batch_size
           FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM storesync.events AS e
         USING doomed AS d
         WHERE e.store_id = d.store_id AND e.event_id = d.event_id
        RETURNING e.status, e.received_at
    )
    SELECT g.status, count(*), min(g.received_at), max(g.received_at)
      FROM gone AS g
     GROUP BY g.status
     ORDER BY g.status;
END;
$$;
COMMENT ON FUNCTION storesync.prune_events(interval, boolean, integer) IS
    'storesync.prune_events(older_than, include_failed DEFAULT false, batch_size DEFAULT 5000): deletes up to batch_size inbox rows received more than older_than ago, oldest first (processed, ignored and duplicate; failed ones only with include_failed), skipping rows another transaction holds. Returns one row per status removed: (status, events, oldest_received_at, newest_received_at); no row when nothing was removed. Typed rows are untouched; a pruned event can no longer be replayed. Call again until it removes fewer than batch_size, or CALL storesync.prune_events_in_batches. Bad arguments: SQLSTATE 22023. SECURITY DEFINER: owner and storesync_ingest only.';
REVOKE ALL ON FUNCTION storesync.prune_events(interval, boolean, integer) FROM PUBLIC;

-- Every batch in its own transaction. No SET clause and not SECURITY DEFINER: either would
-- forbid the COMMIT. Whoever calls it needs EXECUTE on storesync.prune_events.
CREATE OR REPLACE PROCEDURE storesync.prune_events_in_batches(older_than interval,
                                                              include_failed boolean DEFAULT false,
                                                              batch_size integer DEFAULT 5000,
                                                              INOUT removed bigint DEFAULT NULL,
                                                              INOUT batches integer DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    this_batch bigint;
BEGIN
    removed := 0;
    batches := 0;
    LOOP
        SELECT coalesce(pg_catalog.sum(p.events), 0)::bigint INTO this_batch
          FROM storesync.prune_events(older_than, include_failed, batch_size) AS p;
        COMMIT;
        removed := removed + this_batch;
        batches := batches + 1;
        -- A short batch means nothing older is left (or only rows held by others).
        EXIT WHEN this_batch < batch_size;
    END LOOP;
END;
$$;
COMMENT ON PROCEDURE storesync.prune_events_in_batches(interval, boolean, integer, bigint, integer) IS
    'CALL storesync.prune_events_in_batches(older_than, include_failed DEFAULT false, batch_size DEFAULT 5000): runs storesync.prune_events until a batch removes fewer than batch_size rows, committing after each batch so no lock is held long; returns (removed, batches). Must be called outside a transaction block (else SQLSTATE 2D000, invalid transaction termination). Needs EXECUTE on storesync.prune_events.';
REVOKE ALL ON PROCEDURE storesync.prune_events_in_batches(interval, boolean, integer, bigint, integer) FROM PUBLIC;

-- =============================================================================================
-- Conditional rules (extension/src/rule.rs, sql/rules.sql): storesync.rule_matches, new in
-- 0.2.0; granted to both roles by grant_roles (Privileges section, last).
-- =============================================================================================

CREATE OR REPLACE FUNCTION storesync.rule_matches(
	"rule" TEXT, /* & str */
	"doc" jsonb /* JsonB */
) RETURNS bool /* bool */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'rule_matches_wrapper';
COMMENT ON FUNCTION storesync.rule_matches(text, jsonb) IS
    'Whether a JSON document satisfies a rule in Salla''s conditional-webhook language: conditions field op value (=, !=, <, >, <=, >=; fields are dotted paths such as customer.city or amounts.total.amount; text values in backticks), joined by AND (binds first) and OR, grouped with parentheses. A missing field matches nothing. Errors: 42601 syntax, 22023 invalid value, both with the character position.';

-- =============================================================================================
-- Standard Webhooks sources (sql/sources.sql): the strategy standard-webhooks, the column
-- tolerance_seconds, and create_source validating whsec_ secrets.
-- =============================================================================================

ALTER TABLE storesync.sources ADD COLUMN IF NOT EXISTS tolerance_seconds int;
ALTER TABLE storesync.sources DROP CONSTRAINT IF EXISTS sources_strategy_check;
ALTER TABLE storesync.sources ADD CONSTRAINT sources_strategy_check
    CHECK (strategy IN ('signature', 'token', 'standard-webhooks'));
COMMENT ON COLUMN storesync.sources.strategy IS 'How deliveries are authenticated: signature (X-Salla-Signature HMAC-SHA256 of the raw body), token (Authorization header equals the secret) or standard-webhooks (webhook-signature over webhook-id.webhook-timestamp.body, whsec_ secret). Pinned here: a request header cannot change it.';
COMMENT ON COLUMN storesync.sources.secret IS 'Webhook secret, token, or whsec_ secret (standard-webhooks). Never shown in errors or logs.';
COMMENT ON COLUMN storesync.sources.tolerance_seconds IS 'standard-webhooks: the largest accepted distance in seconds between webhook-timestamp and the time of receipt (older or later deliveries are refused as stale_timestamp). NULL means 300 (5 minutes); must be positive.';

CREATE OR REPLACE FUNCTION storesync.create_source(
    source text, platform text, strategy text, secret text, token_header text,
    merchant text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id int;
    kind text := lower(platform);
    how text := lower(strategy);
BEGIN
    -- Validate here, before the INSERT: a failing CHECK would echo the whole row, secret
    -- included, in its DETAIL.  SECURITY: no message below mentions the secret.
    IF source IS NULL OR source !~ '^[A-Za-z0-9_.-]{1,64}$' THEN
        RAISE EXCEPTION 'invalid source name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 64 letters, digits, ".", "_" or "-": the name appears in the webhook URL.';
    END IF;
    IF kind IS NULL OR kind NOT IN ('salla', 'flavours') THEN
        RAISE EXCEPTION 'unknown platform "%"', platform
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Supported platforms: salla, flavours.';
    END IF;
    IF how IS NULL OR how NOT IN ('signature', 'token', 'standard-webhooks') THEN
        RAISE EXCEPTION 'unknown security strategy "%"', strategy
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use signature, token or standard-webhooks.';
    END IF;
    -- Salla's signature is Salla's own; a gateway re-signing with the standard may front either.
    IF kind = 'flavours' AND how = 'signature' THEN
        RAISE EXCEPTION 'flavours sources use the token strategy'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Flavours signs nothing: configure a token and the header it is sent in, or standard-webhooks behind a gateway that signs.';
    END IF;
    IF token_header IS NOT NULL AND how <> 'token' THEN
        RAISE EXCEPTION 'a token header applies to the token strategy only'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF token_header IS NOT NULL AND token_header !~ '^[A-Za-z0-9-]{1,64}$' THEN
        RAISE EXCEPTION 'invalid token header name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use an HTTP header name: 1 to 64 letters, digits or "-".';
    END IF;
    IF merchant IS NOT NULL AND kind <> 'flavours' THEN
        RAISE EXCEPTION '% webhooks name their merchant; a source merchant applies to flavours only', kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF merchant IS NOT NULL AND (length(merchant) = 0 OR length(merchant) > 255) THEN
        RAISE EXCEPTION 'the merchant id must have 1 to 255 characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF secret IS NULL OR length(secret) = 0 THEN
        RAISE EXCEPTION 'the secret must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Standard Webhooks: whsec_ + the base64 (padding optional, as the standard's libraries
    -- read it) of a 16 to 64 byte key. SECURITY: decode() would quote an offending character,
    -- so its errors are replaced by a fixed message.
    IF how = 'standard-webhooks' THEN
        BEGIN
            IF secret !~ '^whsec_[A-Za-z0-9+/]+={0,2}$'
               OR length(rtrim(substr(secret, 7), '=')) % 4 = 1
               OR length(decode(rtrim(substr(secret, 7), '=')
                                || repeat('=', (4 - length(rtrim(substr(secret, 7), '=')) % 4) % 4),
                                'base64')) NOT BETWEEN 16 AND 64 THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value';
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'a standard-webhooks secret is whsec_ followed by the base64 of a 16 to 64 byte key'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Copy the signing secret from the sender (Svix, Hookdeck, …) as it shows it, whsec_ included.';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM storesync.sources s WHERE s.name = source) THEN
        RAISE EXCEPTION 'source "%" already exists', source USING ERRCODE = 'duplicate_object';
    END IF;

    INSERT INTO storesync.sources (name, platform, strategy, secret, token_header, merchant_id)
    VALUES (source, kind, how, secret, token_header, merchant)
    RETURNING source_id INTO new_id;
    RETURN new_id;
EXCEPTION
    -- A concurrent registration of the same name; reported without the row's contents.
    WHEN unique_violation THEN
        RAISE EXCEPTION 'source "%" already exists', source USING ERRCODE = 'duplicate_object';
END;
$$;
COMMENT ON FUNCTION storesync.create_source(text, text, text, text, text, text) IS
    'Registers a webhook sender with all options: create_source(name, platform => ''salla''|''flavours'', strategy => ''signature''|''token''|''standard-webhooks'', secret (whsec_… for standard-webhooks), token_header => NULL (Authorization), merchant => NULL (flavours only; default the source name)). Returns its source_id.';

COMMENT ON FUNCTION storesync.create_source(text, text, text, text) IS
    'Registers a webhook sender: create_source(name, platform => ''salla''|''flavours'', strategy => ''signature''|''token''|''standard-webhooks'', secret (whsec_… for standard-webhooks)). Returns its source_id. Webhooks are then posted to /webhooks/{name}.';

-- =============================================================================================
-- Privileges (sql/privileges.sql), last: grant_roles as 0.2.0 has it (new in its lists:
-- prune_events for the ingest role, prune_events_in_batches for the owner only, rule_matches
-- for both roles), then run, as the install script does at its end, so that every object
-- above gets the grants of a fresh install.
-- =============================================================================================

CREATE OR REPLACE FUNCTION storesync.grant_roles()
RETURNS void
LANGUAGE plpgsql
-- SECURITY: runs as the extension's owner so that the owner of a trusted install (not a
-- superuser) can re-apply grants on objects the install script created; it takes no input
-- and only ever grants the fixed privileges below.
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- SECURITY: the one list of tables that hold secrets (webhook secrets, OAuth tokens, app
    -- settings). No role but the owner may read them.
    secret_tables  CONSTANT text[] := ARRAY['sources', 'store_credentials'];
    -- Routines only the owner may run (they register senders, rewrite rows, or grant).
    owner_only     CONSTANT text[] := ARRAY['create_source', 'replay', 'replay_failed', 'grant_roles',
                                            'prune_events_in_batches'];
    -- Routines the worker's role runs (prune_events: its retention timer); each is granted
    -- only where it exists.
    ingest_only    CONSTANT text[] := ARRAY['ingest', 'refresh_rfm',
                                            'prune_events'];
    -- Pure functions both roles may run: analysts in their queries, the worker for filters.
    both_roles     CONSTANT text[] := ARRAY['rule_matches'];
    schema_oid     oid := 'storesync'::regnamespace;
    owner_name     name;
    owner_is_super boolean;
    role_name      text;
    r              record;
BEGIN
    -- Roles are shared by every database of the cluster: create them once, and tolerate a
    -- concurrent install in another database creating them at the same moment.
    FOREACH role_name IN ARRAY ARRAY['storesync_ingest', 'storesync_analyst'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;

    SELECT a.rolname, a.rolsuper INTO owner_name, owner_is_super
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_roles a ON a.oid = e.extowner
    WHERE e.extname = 'storesync';

    EXECUTE 'GRANT USAGE ON SCHEMA storesync TO storesync_ingest, storesync_analyst';

    FOR r IN
        SELECT c.oid::regclass AS rel, c.relname = ANY (secret_tables) AS secret
        FROM pg_catalog.pg_class c
        WHERE c.relnamespace = schema_oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        IF r.secret THEN
            EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, storesync_ingest, storesync_analyst', r.rel);
        ELSE
            EXECUTE format('REVOKE ALL ON %s FROM storesync_ingest', r.rel);
            EXECUTE format('GRANT SELECT ON %s TO storesync_analyst', r.rel);
        END IF;
        IF NOT owner_is_super THEN
            EXECUTE format('GRANT ALL ON %s TO %I', r.rel, owner_name);
        END IF;
    END LOOP;

    FOR r IN
        SELECT p.oid::regprocedure AS routine, p.proname = ANY (ingest_only) AS for_ingest
        FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = schema_oid AND p.proname = ANY (owner_only || ingest_only)
    LOOP
        EXECUTE format('REVOKE ALL ON ROUTINE %s FROM PUBLIC, storesync_analyst', r.routine);
        IF r.for_ingest THEN
            EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO storesync_ingest', r.routine);
        ELSE
            EXECUTE format('REVOKE ALL ON ROUTINE %s FROM storesync_ingest', r.routine);
        END IF;
        IF NOT owner_is_super THEN
            EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %I', r.routine, owner_name);
        END IF;
    END LOOP;

    FOR r IN
        SELECT p.oid::regprocedure AS routine
        FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = schema_oid AND p.proname = ANY (both_roles)
    LOOP
        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO storesync_ingest, storesync_analyst', r.routine);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION storesync.grant_roles() IS
    'Creates the roles storesync_ingest and storesync_analyst if missing and (re)applies every grant of the schema: analysts read all tables and views except sources and store_credentials; the ingest role may only execute storesync.ingest (and storesync.refresh_rfm, storesync.prune_events); both may execute storesync.rule_matches. Re-run it after adding objects to the schema.';

SELECT storesync.grant_roles();
