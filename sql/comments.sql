-- Comments that cannot sit beside their object. Runs after every table and after the functions
-- written in Rust (their SQL is generated); a test fails on any object left uncommented.
--
-- Columns with the same meaning in every table: commented here once for all of them, where
-- the table's own file said nothing more.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT c.oid::regclass AS rel, a.attname,
               CASE a.attname
                   WHEN 'store_id' THEN 'The store (stores.store_id).'
                   WHEN 'field_ts' THEN 'Per column, the source time (epoch microseconds) of the value it holds; an older event never overwrites a newer value.'
                   WHEN 'source_ts' THEN 'Newest source time any value of the row reflects (-infinity: known only from a condensed copy inside another entity''s event).'
                   WHEN 'first_seen_at' THEN 'When storesync first stored the row.'
               END AS note
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relnamespace = 'storesync'::regnamespace AND c.relkind IN ('r', 'p')
           AND a.attname IN ('store_id', 'field_ts', 'source_ts', 'first_seen_at')
           AND pg_catalog.col_description(c.oid, a.attnum) IS NULL
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', col.rel, col.attname, col.note);
    END LOOP;
END;
$$;

-- Functions written in Rust (replay and replay_failed are commented beside their code, in
-- extension/src/replay.rs).
COMMENT ON FUNCTION ingest(text, jsonb, bytea) IS
    'storesync.ingest(source, headers, body): takes one webhook delivery (source name from the URL, request headers as a JSON object, raw body), authenticates it, records it in storesync.events and maps it into the typed tables in the caller''s transaction. Returns {status, event_id, http_status, error, message}; status is processed, duplicate, ignored, failed (stored, not mappable) or rejected (nothing stored).';
COMMENT ON FUNCTION sign(text, bytea) IS
    'storesync.sign(secret, body): the hex HMAC-SHA256 of body under secret, as Salla''s X-Salla-Signature header carries it.';
COMMENT ON FUNCTION verify_signature(text, bytea, text) IS
    'storesync.verify_signature(secret, body, signature): whether signature is the HMAC-SHA256 of body under secret (constant-time comparison).';
