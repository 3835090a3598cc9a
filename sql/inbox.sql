-- The inbox: every accepted delivery, once.

CREATE TABLE events (
    event_id          bigint GENERATED ALWAYS AS IDENTITY,
    source_id         int NOT NULL REFERENCES sources,
    store_id          bigint NOT NULL REFERENCES stores,
    event_name        text NOT NULL,
    event_created_at  timestamptz,
    body_sha256       bytea NOT NULL CHECK (length(body_sha256) = 32),
    dedupe_key        text,
    payload           jsonb COMPRESSION lz4 NOT NULL,  -- lz4, not pglz: inserts in a third of the time, 14 % more disk (BENCHMARKS.md)
    received_at       timestamptz NOT NULL DEFAULT now(),
    status            text NOT NULL CHECK (status IN ('processed', 'duplicate', 'ignored', 'failed')),
    error             text,
    replayed_at       timestamptz,
    -- Keyed store first, like every business table, so the inbox distributes by store_id
    -- (README "Scaling"). Ingest knows the store before it records a delivery, and the store is
    -- a function of the source and the body, so the keys below find every redelivery.
    PRIMARY KEY (store_id, event_id),
    UNIQUE (store_id, source_id, body_sha256)
);
-- replay(event_id) and operators look an event up by its id alone.
CREATE INDEX events_event_id_idx ON events (event_id);
-- A platform that numbers its deliveries (Flavours' xid) is deduplicated by that number, even
-- when a redelivery's body differs; platforms without one (Salla) leave it NULL and are
-- deduplicated by body hash alone.
CREATE UNIQUE INDEX events_store_source_dedupe_key_idx ON events (store_id, source_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
CREATE INDEX events_store_received_idx ON events (store_id, received_at);
CREATE INDEX events_failed_idx ON events (received_at) WHERE status = 'failed';
SELECT pg_catalog.pg_extension_config_dump('storesync.events', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.events', 'event_id')::pg_catalog.regclass, '');
COMMENT ON TABLE events IS 'Inbox: every accepted (authenticated, well-formed) delivery, once. An identical redelivery (same source, same body) is answered duplicate and stores nothing new.';
COMMENT ON COLUMN events.event_id IS 'Inbox key, increasing in arrival order.';
COMMENT ON COLUMN events.source_id IS 'The source that received the delivery (sources.source_id).';
COMMENT ON COLUMN events.store_id IS 'The store the event is about (stores.store_id), resolved before the delivery is recorded; the inbox''s distribution key.';
COMMENT ON COLUMN events.event_name IS 'The platform''s event name, e.g. order.created or orders.CREATE.';
COMMENT ON COLUMN events.event_created_at IS 'The sender''s created_at for the event, when it carries one; orders the typed rows (an older event never overwrites a newer state).';
COMMENT ON COLUMN events.body_sha256 IS 'SHA-256 of the raw request body: the dedupe key within a store and source.';
COMMENT ON COLUMN events.dedupe_key IS 'The platform''s delivery id (Flavours xid), unique per store and source: a second delivery with the same id is a duplicate whatever its body. NULL for platforms without one (Salla).';
COMMENT ON COLUMN events.payload IS 'The delivery as jsonb. OAuth tokens (app.store.authorize) are redacted before storing.';
COMMENT ON COLUMN events.received_at IS 'When storesync accepted the delivery.';
COMMENT ON COLUMN events.status IS 'processed: mapped into typed rows; ignored: an event storesync does not map; failed: could not be mapped, see error.';
COMMENT ON COLUMN events.error IS 'Why a failed event could not be mapped.';
COMMENT ON COLUMN events.replayed_at IS 'When storesync.replay last re-ran the mapping of this event; NULL if never.';
