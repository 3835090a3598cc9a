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
--
-- This file: the settings, the segment map, the tables and the functions every part shares.
-- rfm_realtime.sql keeps scores current as orders change; rfm_refresh.sql recomputes them.

-- ---------------------------------------------------------------------------------------------
-- Restore mode
-- ---------------------------------------------------------------------------------------------
-- A restore of a dump (README, Backups) runs CREATE EXTENSION, which seeds the settings and the
-- segment map, then loads every table's rows with COPY, which fires triggers. The session that
-- restores sets storesync.restoring = on: the RFM triggers then do nothing (the dump already
-- holds the figures, scores and history they would recompute or record), and a settings or map
-- row from the dump replaces the seed's. Never on for any other session: orders would not be
-- rescored.
CREATE FUNCTION storesync._restoring()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(pg_catalog.current_setting('storesync.restoring', true), ''), 'off')::boolean
$$;
COMMENT ON FUNCTION storesync._restoring() IS 'Internal: whether this session restores a dump (setting storesync.restoring on): the RFM triggers then do nothing and rows of the seeded tables replace the seed''s.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_settings', '');
COMMENT ON TABLE storesync.rfm_settings IS 'RFM settings, one row, editable by analysts with UPDATE. A change to excluded_statuses, or switching realtime back on, marks the figures stale: the next refresh_rfm recounts them from the orders.';
COMMENT ON COLUMN storesync.rfm_settings.singleton IS 'Always true: keeps the table to one row.';
COMMENT ON COLUMN storesync.rfm_settings.excluded_statuses IS 'Order status slugs that do not count (Salla and Flavours share the vocabulary: Flavours delivery status 3 Canceled is canceled). Default {payment_pending,canceled,restored,restoring}.';
COMMENT ON COLUMN storesync.rfm_settings.realtime IS 'Whether order changes rescore their customers in the same transaction (default true). Off: figures are not maintained and every refresh_rfm recounts them from the orders (bulk loads).';
COMMENT ON COLUMN storesync.rfm_settings.default_rhythm_days IS 'Purchase rhythm (days between orders) churn_risk assumes for a customer with one order in a store where no customer has two: default 30.';
COMMENT ON COLUMN storesync.rfm_settings.figures_stale IS 'Set when the figures in rfm_customers may not match the orders (rules changed, real time was off); the next refresh_rfm of every store recounts and clears it.';
COMMENT ON COLUMN storesync.rfm_settings.updated_at IS 'When the settings last changed.';
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
-- A restore keeps updated_at and figures_stale as the dump has them.
CREATE TRIGGER rfm_settings_changed BEFORE UPDATE ON storesync.rfm_settings
    FOR EACH ROW WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_settings_changed();

COMMENT ON FUNCTION storesync._rfm_settings_changed() IS 'Internal trigger on rfm_settings: marks the figures stale when the counting rules change or real time is switched back on.';

-- The row inserted above is the seed: a restore replaces it with the dump's row; any other
-- second row is refused with a hint (a restore without restore mode stops here, loudly).
CREATE FUNCTION storesync._rfm_settings_inserted()
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
CREATE TRIGGER rfm_settings_inserted BEFORE INSERT ON storesync.rfm_settings
    FOR EACH ROW EXECUTE FUNCTION storesync._rfm_settings_inserted();

-- ---------------------------------------------------------------------------------------------
-- Segment map (rows in segment_map.sql)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE storesync.rfm_segment_map (
    rfm_code  text PRIMARY KEY CHECK (rfm_code ~ '^[1-5]{3}$'),
    segment   text NOT NULL CHECK (segment <> '')
);
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_segment_map', '');
COMMENT ON TABLE storesync.rfm_segment_map IS 'The segment of each RFM code: 125 rows, 11 segments by default (Champions, Loyal, Potential Loyalist, New Customers, Promising, Need Attention, About To Sleep, At Risk, Cannot Lose Them, Hibernating, Lost). Editable: INSERT, UPDATE or DELETE re-segments every scored customer at once, scores untouched, and records each move in rfm_segment_changes with cause map.';
COMMENT ON COLUMN storesync.rfm_segment_map.rfm_code IS 'Three digits R, F, M, each 1 to 5 (5 best), e.g. 545.';
COMMENT ON COLUMN storesync.rfm_segment_map.segment IS 'Segment name for the code.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_customers', '');
COMMENT ON TABLE storesync.rfm_customers IS 'RFM figures and scores of every customer with at least one counted order, per store. Figures are kept up to date by the order triggers in the event''s transaction; scores are exact after refresh_rfm and, between refreshes, rescored against the store''s cut points when the customer''s figures change. Analysts read storesync.customer_rfm.';
COMMENT ON COLUMN storesync.rfm_customers.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.rfm_customers.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.rfm_customers.first_order_at IS 'order_date of the customer''s first counted order.';
COMMENT ON COLUMN storesync.rfm_customers.last_order_at IS 'order_date of the customer''s latest counted order; recency_days counts from it.';
COMMENT ON COLUMN storesync.rfm_customers.frequency IS 'Number of counted orders: not deleted, not draft, with a customer and an order date, status not in rfm_settings.excluded_statuses.';
COMMENT ON COLUMN storesync.rfm_customers.monetary IS 'Sum of the totals of the counted orders (a missing total counts as 0).';
COMMENT ON COLUMN storesync.rfm_customers.currency IS 'Currency of the counted orders (the greatest code if they differ).';
COMMENT ON COLUMN storesync.rfm_customers.r_score IS 'Recency score 1-5: 1 + floor(5 * (store customers with a strictly larger recency_days) / n) at the last refresh; between refreshes, 1 + the number of rfm_cut_points.r_cuts reached. NULL until the store''s first refresh.';
COMMENT ON COLUMN storesync.rfm_customers.f_score IS 'Frequency score 1-5: 1 + floor(5 * (store customers with a strictly smaller frequency) / n); between refreshes, 1 + the number of f_cuts reached. NULL until the store''s first refresh.';
COMMENT ON COLUMN storesync.rfm_customers.m_score IS 'Monetary score 1-5: 1 + floor(5 * (store customers with a strictly smaller monetary) / n); between refreshes, 1 + the number of m_cuts reached. NULL until the store''s first refresh.';
COMMENT ON COLUMN storesync.rfm_customers.rfm_code IS 'r_score, f_score and m_score as three digits, e.g. 545.';
COMMENT ON COLUMN storesync.rfm_customers.segment IS 'Segment of rfm_code in rfm_segment_map.';
COMMENT ON COLUMN storesync.rfm_customers.scored_at IS 'When the scores of this row were last written (by an event or a refresh that changed them).';
COMMENT ON COLUMN storesync.rfm_customers.store_id IS 'The store (stores.store_id).';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_cut_points', '');
COMMENT ON TABLE storesync.rfm_cut_points IS 'Per store, what the last refresh_rfm found: the values that reach each score 2 to 5. Real-time rescoring gives 1 + the number of cut points a value reaches, which is the refresh''s exact score for every value the refresh saw.';
COMMENT ON COLUMN storesync.rfm_cut_points.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.rfm_cut_points.as_of IS 'The as_of of the last refresh: recency_days was counted to it.';
COMMENT ON COLUMN storesync.rfm_cut_points.customers IS 'Customers scored (n).';
COMMENT ON COLUMN storesync.rfm_cut_points.r_cuts IS 'For R scores 2..5: the earliest last_order_at that reaches the score (infinity: no customer reached it). A last order at or after the cut has a recency_days at most the largest one that reached the score.';
COMMENT ON COLUMN storesync.rfm_cut_points.f_cuts IS 'For F scores 2..5: the smallest frequency that reaches the score (9223372036854775807: no customer reached it).';
COMMENT ON COLUMN storesync.rfm_cut_points.m_cuts IS 'For M scores 2..5: the smallest monetary that reaches the score (Infinity: no customer reached it).';
COMMENT ON COLUMN storesync.rfm_cut_points.rhythm_days IS 'Mean purchase rhythm of the store''s customers with two or more counted orders (days between orders); churn_risk''s fallback for customers with one order.';
COMMENT ON COLUMN storesync.rfm_cut_points.refreshed_at IS 'When the refresh ran (its transaction time).';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.rfm_segment_changes', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.rfm_segment_changes', 'change_id')::pg_catalog.regclass, '');
COMMENT ON TABLE storesync.rfm_segment_changes IS 'History: every change of a customer''s segment, by an event (realtime), a refresh (refresh) or an edit of the segment map (map). from_segment NULL: the customer got a first segment; to_segment NULL: the customer no longer has a counted order.';
COMMENT ON COLUMN storesync.rfm_segment_changes.change_id IS 'Increasing key.';
COMMENT ON COLUMN storesync.rfm_segment_changes.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.rfm_segment_changes.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.rfm_segment_changes.from_segment IS 'Segment before the change; NULL if none.';
COMMENT ON COLUMN storesync.rfm_segment_changes.to_segment IS 'Segment after the change; NULL if none.';
COMMENT ON COLUMN storesync.rfm_segment_changes.changed_at IS 'Transaction time of the change.';
COMMENT ON COLUMN storesync.rfm_segment_changes.cause IS 'realtime (an order event), refresh (refresh_rfm) or map (rfm_segment_map edited).';

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
COMMENT ON FUNCTION storesync.rfm_counted(text,timestamp with time zone,text,boolean,timestamp with time zone,text[]) IS 'Whether an order counts for RFM: it has a customer and an order date, is not deleted or a draft, and its status slug is not in excluded (rfm_settings.excluded_statuses). A NULL status counts.';

CREATE FUNCTION storesync.rfm_days(as_of timestamptz, at timestamptz)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT floor(extract(epoch FROM (as_of - at)) / 86400)::int
$$;
COMMENT ON FUNCTION storesync.rfm_days(timestamp with time zone,timestamp with time zone) IS 'Whole days from at to as_of: floor((as_of - at) / 86400 seconds).';

CREATE FUNCTION storesync.rfm_score(value anycompatible, cuts anycompatiblearray)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 1 + width_bucket(value, cuts)
$$;
COMMENT ON FUNCTION storesync.rfm_score(anycompatible,anycompatiblearray) IS '1 + the number of cut points (sorted ascending) that value reaches (is at least): the score a value gets against rfm_cut_points.';

CREATE FUNCTION storesync.churn_risk(recency_days numeric, rhythm_days numeric)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN recency_days IS NULL OR rhythm_days IS NULL THEN NULL
                ELSE round(100 * (1 - exp(-greatest(recency_days, 0) / greatest(rhythm_days, 1))))::int
           END
$$;
COMMENT ON FUNCTION storesync.churn_risk(numeric,numeric) IS 'Churn risk 0-100 of a customer recency_days after their last order when they buy every rhythm_days days on average: round(100 * (1 - exp(-recency_days / rhythm_days))), rhythm at least 1 day, negative recency as 0. The chance that a customer still buying at that rhythm (a Poisson process) would have bought again by now: 0 right after an order, 63 after one rhythm, 86 after two, 95 after three. For a fixed rhythm it never falls as recency grows.';

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
COMMENT ON FUNCTION storesync._rfm_recency_cut(timestamp with time zone,integer) IS 'Internal: the earliest last-order time whose recency_days as of as_of is at most days (infinity for NULL).';

CREATE FUNCTION storesync.rfm_code(r int, f int, m int)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT r::text || f::text || m::text
$$;
COMMENT ON FUNCTION storesync.rfm_code(int, int, int) IS 'The RFM code of three scores: r, f and m as three digits, e.g. rfm_code(5, 4, 5) = ''545''. NULL if a score is NULL.';

CREATE FUNCTION storesync.rfm_rhythm_days(first_order_at timestamptz, last_order_at timestamptz,
                                          frequency bigint)
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
CREATE FUNCTION storesync._rfm_figures(excluded text[])
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
