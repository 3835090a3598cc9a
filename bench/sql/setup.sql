-- The benchmark's own tables, beside the extension's, in the template database every
-- benchmark run is copied from.
CREATE SCHEMA bench;
COMMENT ON SCHEMA bench IS 'Benchmark inputs and baselines (make bench); not part of storesync.';

-- The webhooks every ingest contender receives, as `storesync-worker simulate --emit-copy`
-- writes them (same seed, same bytes as the HTTP runs send).
CREATE TABLE bench.payloads (
    seq        int PRIMARY KEY,
    event      text NOT NULL,
    signature  text NOT NULL,
    body       bytea NOT NULL
);
-- Stored uncompressed, so fetching a body costs pgbench drivers as little as possible.
ALTER TABLE bench.payloads ALTER COLUMN body SET STORAGE EXTERNAL;

-- The durable-commit ceiling: one INSERT of a same-sized payload per transaction.
CREATE TABLE bench.ceiling (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body  bytea NOT NULL
);
