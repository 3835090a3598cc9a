-- RFM full refresh (see rfm.sql): CALL storesync.refresh_rfm() recomputes the exact scores and
-- the cut points real-time rescoring uses.

CREATE PROCEDURE storesync.refresh_rfm(store_id bigint DEFAULT NULL,
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
