-- RFM in real time (see rfm.sql): order changes recompute and rescore their customers in the
-- event's transaction; segment map edits re-segment the scored customers at once.

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
COMMENT ON FUNCTION storesync._rfm_rescore_all(bigint[],text[],text[]) IS 'Internal: _rfm_rescore for each (store, customer) pair, in the given (sorted) order. More than 1,000 pairs (a bulk statement): marks the figures stale instead, for the next refresh to recount.';

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
COMMENT ON FUNCTION storesync._rfm_orders_added_or_removed() IS 'Internal trigger on orders (AFTER INSERT and AFTER DELETE, per statement, transition table changed_rows): rescores the customers of the counted orders added or removed.';

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
COMMENT ON FUNCTION storesync._rfm_orders_updated() IS 'Internal trigger on orders (AFTER UPDATE, per statement): rescores the customers whose counted orders changed (customer, date, total, currency, or whether the order counts); other updates cost one query.';

-- Not while a dump is restored (rfm.sql, Restore mode): the dump holds the figures already.
CREATE TRIGGER rfm_orders_inserted AFTER INSERT ON storesync.orders
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_orders_added_or_removed();
CREATE TRIGGER rfm_orders_updated AFTER UPDATE ON storesync.orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_orders_updated();
CREATE TRIGGER rfm_orders_deleted AFTER DELETE ON storesync.orders
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_orders_added_or_removed();

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
COMMENT ON FUNCTION storesync._rfm_map_changed() IS 'Internal trigger on rfm_segment_map: re-segments the scored customers whose segment the map changed (scores untouched) and records each move with cause map.';
-- Not while a dump is restored: the dump's customers have their segments already.
CREATE TRIGGER rfm_segment_map_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON storesync.rfm_segment_map
    FOR EACH STATEMENT WHEN (NOT storesync._restoring())
    EXECUTE FUNCTION storesync._rfm_map_changed();
