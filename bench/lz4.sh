#!/bin/sh
# Inbox payload compression, pglz (PostgreSQL's default) against lz4: table size and insert
# time of the same order.created payloads in storesync.events, three runs of each, alternated.
# Usage: bench/lz4.sh [ROWS] (default 20000). Needs the release simulator built (make simulator)
# and the extension installed; uses (and drops) the database storesync_lz4 in the local cluster.
set -eu
ROWS=${1:-20000}
SIMULATE=${SIMULATE_BIN:-${CARGO_TARGET_DIR:-target}/release/storesync-simulate}
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h ${PG_SOCKET:-/var/run/postgresql}"
DATA=$(mktemp)
trap 'rm -f "$DATA"' EXIT

# Realistic payloads: 10 stores, 5,000 customers and 500 products each, 1–12 lines per order.
"$SIMULATE" --emit-copy --count "$ROWS" --only order.created --stores 10 \
    --customers 5000 --products 500 --seed 1 >"$DATA"

$PSQL -d postgres -c "DROP DATABASE IF EXISTS storesync_lz4" -c "CREATE DATABASE storesync_lz4"
$PSQL -d storesync_lz4 <<SQL
SET client_min_messages = warning;
CREATE EXTENSION storesync;
SELECT storesync.create_source('bench', 'salla', 'signature', 'bench-secret');
INSERT INTO storesync.stores (platform, merchant_id) VALUES ('salla', 'bench');
CREATE TABLE raw (seq bigint, event text, signature text, body bytea);
\copy raw FROM '$DATA'
-- Parsed once, stored uncompressed, so that every run compresses afresh with the column's method.
CREATE TABLE src (payload jsonb, sha bytea);
ALTER TABLE src ALTER COLUMN payload SET STORAGE EXTERNAL;
INSERT INTO src SELECT convert_from(body, 'UTF8')::jsonb, sha256(body) FROM raw;
CREATE TABLE results (run int, method text, received_idx boolean, insert_s float8,
                      read_s float8, total_bytes bigint, toast_bytes bigint);
VACUUM ANALYZE src;
SQL

run=0
for round in 1 2 3; do
    for method in pglz lz4 pglz-noidx; do
        run=$((run + 1))
        compression=${method%-noidx}
        $PSQL -d storesync_lz4 <<SQL
TRUNCATE storesync.events;
ALTER TABLE storesync.events ALTER COLUMN payload SET COMPRESSION $compression;
$( [ "$method" = pglz-noidx ] && echo "DROP INDEX IF EXISTS storesync.events_received_idx;" \
     || echo "CREATE INDEX IF NOT EXISTS events_received_idx ON storesync.events (received_at);" )
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
INSERT INTO storesync.events (source_id, store_id, event_name, body_sha256, payload, status)
SELECT (SELECT source_id FROM storesync.sources WHERE name = 'bench'),
       (SELECT store_id FROM storesync.stores WHERE merchant_id = 'bench'),
       'order.created', sha, payload, 'processed' FROM src;
SELECT clock_timestamp() AS t1 \gset
SELECT sum(length(payload::text)) FROM storesync.events \gset
SELECT clock_timestamp() AS t2 \gset
INSERT INTO results
SELECT $run, '$method', '$method' <> 'pglz-noidx',
       extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz),
       extract(epoch FROM :'t2'::timestamptz - :'t1'::timestamptz),
       pg_total_relation_size('storesync.events'),
       pg_total_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'storesync.events'::regclass;
SQL
    done
done

$PSQL -d storesync_lz4 <<'SQL'
\pset footer off
SELECT run, method, round(insert_s::numeric, 3) AS insert_s, round(read_s::numeric, 3) AS read_s,
       pg_size_pretty(total_bytes) AS total, pg_size_pretty(toast_bytes) AS toast
  FROM results ORDER BY run;
SELECT method, count(*) AS runs, pg_size_pretty(avg(total_bytes)::bigint) AS total,
       round(avg(total_bytes) / (SELECT avg(total_bytes) FROM results WHERE method = 'pglz'), 3) AS size_vs_pglz,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY insert_s))::numeric, 3) AS median_insert_s,
       round(((percentile_cont(0.5) WITHIN GROUP (ORDER BY insert_s))
              / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY insert_s) FROM results WHERE method = 'pglz'))::numeric, 3) AS insert_vs_pglz,
       round(((percentile_cont(0.5) WITHIN GROUP (ORDER BY read_s))
              / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY read_s) FROM results WHERE method = 'pglz'))::numeric, 3) AS read_vs_pglz
  FROM results GROUP BY method ORDER BY method;
SELECT pg_size_pretty(avg(octet_length(body))::bigint) AS avg_body, count(*) AS payloads FROM raw;
SQL
$PSQL -d postgres -c "DROP DATABASE storesync_lz4"
