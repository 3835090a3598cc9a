-- Inbox retention: storesync.prune_events removes old rows of storesync.events, one bounded
-- batch per call; CALL storesync.prune_events_in_batches loops over it and commits between
-- batches. Typed tables and RFM figures never reference the inbox, so pruning changes nothing
-- but the inbox: a pruned event can no longer be replayed, and a redelivery of its body is no
-- longer recognised as a duplicate (it is applied again; versioned upserts make that a no-op
-- for any state already known).

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
