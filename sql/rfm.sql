-- RFM: every customer of every store scored by recency, frequency and monetary value, kept
-- fresh by a trigger on storesync.orders and recomputed exactly by CALL storesync.refresh_rfm().
--
-- Figures (first/last order, count, sum) live in storesync.rfm_customers and are kept up to
-- date by the order triggers, in the transaction of the event that changed them. Scores are
-- ranks within the store: a refresh computes them exactly and stores, per store, the cut points
-- (the smallest value that reaches each score). Between refreshes a customer whose figures
-- change is rescored against those cut points: score = 1 + the number of cut points reached.
-- That is the exact score for any value the refresh saw; only values new since then (new
-- customers, or figures that moved) can rank slightly differently until the next refresh.
--
-- Locks (advisory, transaction-scoped; keys from hashtextextended):
--   storesync.rfm.customer:<store>:<customer>  the order triggers, while they recompute one
--       customer: concurrent events of one customer are rescored one after the other, each
--       from a snapshot that sees the other's orders.
--   storesync.rfm.gate / storesync.rfm.gate:<store>  shared by the order triggers; taken
--       exclusively only by a refresh that recounts figures from the orders (rare), so that no
--       figure written meanwhile is overwritten by an older count.
--   storesync.rfm.refresh / storesync.rfm.refresh:<store>  two refreshes of one store never run
--       at the same time.

-- ---------------------------------------------------------------------------------------------
-- Settings
-- ---------------------------------------------------------------------------------------------
CREATE TABLE storesync.rfm_settings (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    excluded_statuses   text[] NOT NULL DEFAULT '{payment_pending,canceled,restored,restoring}',
    realtime            boolean NOT NULL DEFAULT true,
    default_rhythm_days numeric NOT NULL DEFAULT 30 CHECK (default_rhythm_days > 0),
    figures_stale       boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO storesync.rfm_settings DEFAULT VALUES;

CREATE FUNCTION storesync._rfm_settings_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Figures counted under other rules, or not maintained for a while, must be recounted.
    IF NEW.excluded_statuses IS DISTINCT FROM OLD.excluded_statuses
       OR (NEW.realtime AND NOT OLD.realtime) THEN
        NEW.figures_stale := true;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER rfm_settings_changed BEFORE UPDATE ON storesync.rfm_settings
    FOR EACH ROW EXECUTE FUNCTION storesync._rfm_settings_changed();

-- ---------------------------------------------------------------------------------------------
-- Segment map (rows in segment_map.sql)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE storesync.rfm_segment_map (
    rfm_code  text PRIMARY KEY CHECK (rfm_code ~ '^[1-5]{3}$'),
    segment   text NOT NULL CHECK (segment <> '')
);

-- ---------------------------------------------------------------------------------------------
-- Per-customer figures and scores, cut points, history
-- ---------------------------------------------------------------------------------------------
CREATE TABLE storesync.rfm_customers (
    store_id        bigint NOT NULL,
    customer_id     text NOT NULL,
    first_order_at  timestamptz NOT NULL,
    last_order_at   timestamptz NOT NULL,
    frequency       bigint NOT NULL CHECK (frequency > 0),
    monetary        numeric NOT NULL,
    currency        text,
    r_score         smallint CHECK (r_score BETWEEN 1 AND 5),
    f_score         smallint CHECK (f_score BETWEEN 1 AND 5),
    m_score         smallint CHECK (m_score BETWEEN 1 AND 5),
    rfm_code        text,
    segment         text,
    scored_at       timestamptz,
    PRIMARY KEY (store_id, customer_id)
) WITH (fillfactor = 80);

CREATE TABLE storesync.rfm_cut_points (
    store_id      bigint PRIMARY KEY REFERENCES storesync.stores,
    as_of         timestamptz NOT NULL,
    customers     bigint NOT NULL,
    r_cuts        timestamptz[] NOT NULL CHECK (cardinality(r_cuts) = 4),
    f_cuts        bigint[] NOT NULL CHECK (cardinality(f_cuts) = 4),
    m_cuts        numeric[] NOT NULL CHECK (cardinality(m_cuts) = 4),
    rhythm_days   numeric,
    refreshed_at  timestamptz NOT NULL
);

CREATE TABLE storesync.rfm_segment_changes (
    change_id     bigint GENERATED ALWAYS AS IDENTITY,
    store_id      bigint NOT NULL,
    customer_id   text NOT NULL,
    from_segment  text,
    to_segment    text,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    cause         text NOT NULL CHECK (cause IN ('realtime', 'refresh', 'map')),
    PRIMARY KEY (store_id, change_id)
);
CREATE INDEX rfm_segment_changes_time_idx ON storesync.rfm_segment_changes (store_id, changed_at);

-- ---------------------------------------------------------------------------------------------
-- Definitions shared by the triggers, the refresh, the views and the tests
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION storesync.rfm_counted(customer_id text, order_date timestamptz, status_slug text,
                                      draft boolean, deleted_at timestamptz, excluded text[])
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT customer_id IS NOT NULL AND order_date IS NOT NULL AND deleted_at IS NULL
           AND NOT coalesce(draft, false)
           AND (status_slug IS NULL OR status_slug <> ALL (coalesce(excluded, '{}')))
$$;

CREATE FUNCTION storesync.rfm_days(as_of timestamptz, at timestamptz)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT floor(extract(epoch FROM (as_of - at)) / 86400)::int
$$;

CREATE FUNCTION storesync.rfm_score(value anycompatible, cuts anycompatiblearray)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 1 + width_bucket(value, cuts)
$$;

CREATE FUNCTION storesync.churn_risk(recency_days numeric, rhythm_days numeric)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN recency_days IS NULL OR rhythm_days IS NULL THEN NULL
                ELSE round(100 * (1 - exp(-greatest(recency_days, 0) / greatest(rhythm_days, 1))))::int
           END
$$;

-- The cut point a recency score needs, as a time: a last order at or after it has
-- recency_days <= days as of as_of (whole days counted in seconds, so daylight saving changes
-- nothing). No customer reached the score: infinity.
CREATE FUNCTION storesync._rfm_recency_cut(as_of timestamptz, days int)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(as_of - (days + 1) * interval '86400 seconds' + interval '1 microsecond',
                    'infinity'::timestamptz)
$$;

-- ---------------------------------------------------------------------------------------------
-- Real time: recompute and rescore customers
-- ---------------------------------------------------------------------------------------------
-- The functions on this path run in every order event: they have no SET search_path clause
-- (its cost is a good part of theirs); every name in them is schema-qualified instead.
-- One customer: scalar parameters, so PL/pgSQL keeps one generic plan per statement instead of
-- planning the statement again on every call.
CREATE FUNCTION storesync._rfm_rescore(p_store bigint, p_customer text, p_excluded text[])
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
        SELECT min(o.order_date) AS first_order_at, max(o.order_date) AS last_order_at,
               count(*) AS frequency, coalesce(sum(o.total), 0) AS monetary,
               max(o.currency) AS currency
          FROM storesync.orders AS o
         WHERE o.store_id = p_store AND o.customer_id = p_customer
           AND storesync.rfm_counted(o.customer_id, o.order_date, o.status_slug, o.draft,
                                     o.deleted_at, p_excluded)
    ), scored AS (
        SELECT f.*, s.r, s.f, s.m, s.r::text || s.f::text || s.m::text AS code
          FROM figures AS f
          LEFT JOIN storesync.rfm_cut_points AS cp ON cp.store_id = p_store
         CROSS JOIN LATERAL (
               SELECT storesync.rfm_score(f.last_order_at, cp.r_cuts) AS r,
                      storesync.rfm_score(f.frequency, cp.f_cuts) AS f,
                      storesync.rfm_score(f.monetary, cp.m_cuts) AS m) AS s
         WHERE f.frequency > 0
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

-- The customers a statement on orders touched: one by one, in a fixed order (so two
-- transactions never wait on each other's customer locks in a cycle). A bulk statement (more
-- than 1,000 of them: a load, a mass update) is not rescored customer by customer, which would
-- hold a lock per customer: it marks the figures stale, and the next refresh recounts them.
CREATE FUNCTION storesync._rfm_rescore_all(stores bigint[], customers text[], excluded text[])
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF cardinality(stores) > 1000 THEN
        UPDATE storesync.rfm_settings SET figures_stale = true WHERE NOT figures_stale;
        RETURN;
    END IF;
    FOR i IN 1 .. coalesce(cardinality(stores), 0) LOOP
        PERFORM storesync._rfm_rescore(stores[i], customers[i], excluded);
    END LOOP;
END;
$$;

-- Order triggers: statement-level, over the transition tables, and only for the customers whose
-- counted orders actually changed (a status change between two counted statuses, or a stale
-- redelivery that rewrites the same values, costs one query and no rescoring).
-- New orders (INSERT) and removed orders (DELETE): both triggers name their transition table
-- changed_rows, so one function serves them.
CREATE FUNCTION storesync._rfm_orders_added_or_removed()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    stores bigint[];
    customers text[];
    excluded text[];
BEGIN
    SELECT array_agg(k.store_id ORDER BY k.store_id, k.customer_id),
           array_agg(k.customer_id ORDER BY k.store_id, k.customer_id), min(k.excluded)
      INTO stores, customers, excluded
      FROM (SELECT DISTINCT r.store_id, r.customer_id, st.excluded_statuses::text AS excluded
              FROM changed_rows AS r, storesync.rfm_settings AS st
             WHERE st.realtime
               AND storesync.rfm_counted(r.customer_id, r.order_date, r.status_slug, r.draft,
                                         r.deleted_at, st.excluded_statuses)) AS k;
    IF stores IS NOT NULL THEN
        PERFORM storesync._rfm_rescore_all(stores, customers, excluded::text[]);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION storesync._rfm_orders_updated()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    stores bigint[];
    customers text[];
    excluded text[];
BEGIN
    WITH changed AS (
        SELECT o.store_id, o.customer_id AS old_customer, n.customer_id AS new_customer,
               st.excluded_statuses,
               storesync.rfm_counted(o.customer_id, o.order_date, o.status_slug, o.draft,
                                     o.deleted_at, st.excluded_statuses) AS old_counted,
               storesync.rfm_counted(n.customer_id, n.order_date, n.status_slug, n.draft,
                                     n.deleted_at, st.excluded_statuses) AS new_counted,
               (o.customer_id, o.order_date, o.total, o.currency)
                   IS DISTINCT FROM (n.customer_id, n.order_date, n.total, n.currency) AS moved
          FROM old_rows AS o
          JOIN new_rows AS n ON n.store_id = o.store_id AND n.order_id = o.order_id
         CROSS JOIN storesync.rfm_settings AS st
         WHERE st.realtime
    )
    SELECT array_agg(k.store_id ORDER BY k.store_id, k.customer_id),
           array_agg(k.customer_id ORDER BY k.store_id, k.customer_id), min(k.excluded)
      INTO stores, customers, excluded
      FROM (SELECT DISTINCT c.store_id, v.customer_id, c.excluded_statuses::text AS excluded
              FROM changed AS c
             CROSS JOIN LATERAL (VALUES (c.old_customer, c.old_counted),
                                        (c.new_customer, c.new_counted)) AS v(customer_id, counted)
             WHERE v.counted AND (c.moved OR c.old_counted <> c.new_counted)) AS k;
    IF stores IS NOT NULL THEN
        PERFORM storesync._rfm_rescore_all(stores, customers, excluded::text[]);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rfm_orders_inserted AFTER INSERT ON storesync.orders
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION storesync._rfm_orders_added_or_removed();
CREATE TRIGGER rfm_orders_updated AFTER UPDATE ON storesync.orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION storesync._rfm_orders_updated();
CREATE TRIGGER rfm_orders_deleted AFTER DELETE ON storesync.orders
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION storesync._rfm_orders_added_or_removed();

-- ---------------------------------------------------------------------------------------------
-- Segment map edits: re-segment, scores untouched
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION storesync._rfm_map_changed()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    WITH stale AS MATERIALIZED (
        SELECT rc.store_id, rc.customer_id, rc.segment AS old_segment, m.segment AS new_segment
          FROM storesync.rfm_customers AS rc
          LEFT JOIN storesync.rfm_segment_map AS m ON m.rfm_code = rc.rfm_code
         WHERE rc.rfm_code IS NOT NULL AND rc.segment IS DISTINCT FROM m.segment
    ), moved AS (
        UPDATE storesync.rfm_customers AS rc
           SET segment = s.new_segment
          FROM stale AS s
         WHERE rc.store_id = s.store_id AND rc.customer_id = s.customer_id
        RETURNING rc.store_id, rc.customer_id, s.old_segment, rc.segment
    )
    INSERT INTO storesync.rfm_segment_changes (store_id, customer_id, from_segment, to_segment, cause)
    SELECT m.store_id, m.customer_id, m.old_segment, m.segment, 'map'
      FROM moved AS m
     WHERE m.old_segment IS DISTINCT FROM m.segment;
    RETURN NULL;
END;
$$;
CREATE TRIGGER rfm_segment_map_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON storesync.rfm_segment_map
    FOR EACH STATEMENT EXECUTE FUNCTION storesync._rfm_map_changed();

-- ---------------------------------------------------------------------------------------------
-- Full refresh
-- ---------------------------------------------------------------------------------------------
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
            SELECT o.store_id, o.customer_id, min(o.order_date) AS first_order_at,
                   max(o.order_date) AS last_order_at, count(*) AS frequency,
                   coalesce(sum(o.total), 0) AS monetary, max(o.currency) AS currency
              FROM storesync.orders AS o
             WHERE (one_store IS NULL OR o.store_id = one_store)
               AND storesync.rfm_counted(o.customer_id, o.order_date, o.status_slug, o.draft,
                                         o.deleted_at, settings.excluded_statuses)
             GROUP BY o.store_id, o.customer_id
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
               CASE WHEN rc.frequency > 1
                    THEN extract(epoch FROM (rc.last_order_at - rc.first_order_at)) / 86400
                         / (rc.frequency - 1)
               END AS rhythm
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
               rfm_code = storesync.rfm_score(rc.last_order_at, cp.r_cuts)::text
                          || storesync.rfm_score(rc.frequency, cp.f_cuts)::text
                          || storesync.rfm_score(rc.monetary, cp.m_cuts)::text,
               segment = (SELECT sm.segment FROM storesync.rfm_segment_map AS sm
                           WHERE sm.rfm_code = storesync.rfm_score(rc.last_order_at, cp.r_cuts)::text
                                               || storesync.rfm_score(rc.frequency, cp.f_cuts)::text
                                               || storesync.rfm_score(rc.monetary, cp.m_cuts)::text),
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
-- SECURITY DEFINER: whoever may run it recomputes every store's scores; grant it on purpose.
REVOKE ALL ON PROCEDURE storesync.refresh_rfm(bigint, timestamptz, boolean) FROM PUBLIC;
