-- Field versions: how the typed tables stay order-independent.
--
-- Every table written from events has
--   source_ts  the newest source time any of its values reflects (-infinity: known only from a
--              condensed copy inside another entity's event), and
--   field_ts   per column, the source time of the value it holds,
-- so deliveries in any order, any number of times, end in the same state.
--
-- field_ts is a jsonb object mapping each column an event has set to the source time (epoch
-- microseconds) of the value it holds. A value from an event replaces the stored one only if
-- the event is at least as recent as that column's version; otherwise it only fills the column
-- when it is empty. Columns an event does not carry are left alone. So
-- whatever order deliveries arrive in, each column ends with the value of the newest event
-- that carried it — the state an in-order delivery gives.

CREATE FUNCTION _pick(old anyelement, new anyelement, old_versions jsonb, new_versions jsonb,
                      field text)
RETURNS anyelement
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN new_versions ? field
             AND coalesce((old_versions ->> field)::bigint <= (new_versions ->> field)::bigint, true)
        THEN new
        ELSE coalesce(old, new)
    END
$$;
COMMENT ON FUNCTION _pick(anyelement, anyelement, jsonb, jsonb, text) IS
    'Internal: the value a column keeps when an event writes it — the new value if the event is at least as recent as the column''s version, else the old one (or the new one if the column is empty).';

CREATE FUNCTION _merge_versions(old jsonb, new jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(old, '{}') || coalesce(
        (SELECT jsonb_object_agg(n.key, n.value)
           FROM jsonb_each(new) AS n
          WHERE coalesce((old ->> n.key)::bigint <= (n.value #>> '{}')::bigint, true)),
        '{}')
$$;
COMMENT ON FUNCTION _merge_versions(jsonb, jsonb) IS
    'Internal: field versions after a write — per column, the newer of the stored and the written version.';
