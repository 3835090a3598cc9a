-- The inbox, extended: per-platform delivery ids and replay bookkeeping.

ALTER TABLE events
    ADD COLUMN dedupe_key  text,
    ADD COLUMN replayed_at timestamptz;
-- A platform that numbers its deliveries (Flavours' xid) is deduplicated by that number, even
-- when a redelivery's body differs; platforms without one (Salla) leave it NULL and are
-- deduplicated by body hash alone.
CREATE UNIQUE INDEX events_source_dedupe_key_idx ON events (source_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
COMMENT ON COLUMN events.dedupe_key IS 'The platform''s delivery id (Flavours xid), unique per source: a second delivery with the same id is a duplicate whatever its body. NULL for platforms without one (Salla).';
COMMENT ON COLUMN events.replayed_at IS 'When storesync.replay last re-ran the mapping of this event; NULL if never.';
