#!/usr/bin/env bash
# Where the time of one ingested webhook goes: instruction counts from valgrind's callgrind
# (repeatable even on a busy machine; `perf` counters are not available on every VM).
#
#   make bench-profile          (as root; needs the release extension installed and valgrind)
#
# Starts a private PostgreSQL cluster (own directory, port and socket, run as `postgres`), then
#   1. the backend: the postmaster runs under callgrind (children traced), pgbench sends
#      PROFILE_EVENTS order.created webhooks through storesync.ingest on one connection;
#   2. the worker: the worker runs under callgrind against the same cluster, and the simulator
#      sends it PROFILE_EVENTS webhooks over HTTP on one connection.
# Prints the top functions of each (inclusive), and leaves the callgrind files in $OUT.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKER=${WORKER_BIN:-$ROOT/target/release/storesync-worker}
SIMULATE=${SIMULATE_BIN:-$ROOT/target/release/storesync-simulate}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
EVENTS=${PROFILE_EVENTS:-300}
TOP=${PROFILE_TOP:-40}
OUT=${PROFILE_OUT:-$ROOT/target/bench/profile}
DIR=/tmp/storesync-profile
PORT=${PROFILE_PORT:-55439}
SECRET=profile-secret

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/callgrind.*
as_pg() { runuser -u postgres -- "$@"; }

# The top functions by inclusive count, names shortened to file:function (no library paths).
annotate() {
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk '/PROGRAM TOTALS/ {print; next} /^ *[0-9,]+ \(/ && n < '"$TOP"' {sub(/ \[.*\]$/, ""); print; n++}' |
    cut -c1-180 || true
}

stop_cluster() {
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap 'stop_cluster; [ -n "${worker_pid:-}" ] && kill "$worker_pid" 2>/dev/null || true' EXIT

rm -rf "$DIR"
install -d -o postgres -g postgres "$DIR" "$DIR/run" "$DIR/cg"
as_pg "$PG_BIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$DIR/run" -p "$PORT" -U postgres)

start_cluster() { # $1: extra command prefix (valgrind …) or empty
  as_pg bash -c "cd $DIR && $1 $PG_BIN/postgres -D $DIR/data -p $PORT -k $DIR/run \
      -c listen_addresses='' -c synchronous_commit=on >$DIR/postgres.log 2>&1 &"
  for _ in $(seq 1 600); do
    "${PSQL[@]}" -d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "the private cluster did not start:"; tail -20 "$DIR/postgres.log"; exit 1
}

start_cluster ""
"${PSQL[@]}" -d postgres -c 'CREATE DATABASE profile'
"${PSQL[@]}" -d profile -c 'SET client_min_messages = warning; CREATE EXTENSION storesync' \
  -c "SELECT storesync.create_source('bench', 'salla', 'signature', '$SECRET')" \
  -f "$ROOT/bench/sql/setup.sql" >/dev/null
"$SIMULATE" --emit-copy --count "$EVENTS" --only order.created --secret "$SECRET" \
    --stores 10 --customers 5000 --products 500 |
  "${PSQL[@]}" -d profile -c 'COPY bench.payloads (seq, event, signature, body) FROM STDIN'
# Warm the caches and the catalog before measuring.
"${PSQL[@]}" -d profile -c 'VACUUM ANALYZE' >/dev/null
stop_cluster

echo "== backend: $EVENTS x storesync.ingest under callgrind (takes a minute or two)"
start_cluster "valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$DIR/cg/backend.%p"
"$PG_BIN/pgbench" -n -M prepared -h "$DIR/run" -p "$PORT" -U postgres -c 1 -t "$EVENTS" \
  -D n=-1 -D clients=1 -D offset=0 -f "$ROOT/bench/pgbench/ingest.sql" profile | grep -E '^(tps|number of (trans|failed))'
stop_cluster
sleep 1
# The pgbench connection's backend executed the most instructions of all processes.
backend=$(for f in "$DIR"/cg/backend.*; do
  printf '%s %s\n' "$(grep -m1 '^summary:' "$f" | awk '{print $2}')" "$f"; done | sort -n | tail -1 | cut -d' ' -f2)
cp "$backend" "$OUT/callgrind.backend"
echo "-- backend, inclusive instructions per function (top $TOP)"
annotate "$OUT/callgrind.backend"

echo "== worker: $EVENTS webhooks over HTTP under callgrind"
start_cluster ""
RUST_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.worker" \
  "$WORKER" serve --database-url "host=$DIR/run port=$PORT user=postgres dbname=profile" \
  --listen 127.0.0.1:0 --pool-size 1 >"$DIR/worker.out" 2>"$DIR/worker.err" &
worker_pid=$!
for _ in $(seq 1 120); do grep -q 'listening on' "$DIR/worker.out" 2>/dev/null && break; sleep 0.5; done
url=$(sed -n 's/^storesync-worker listening on //p' "$DIR/worker.out")
# Another seed: new bodies of the same shapes (the backend run stored seed 1's).
"$SIMULATE" --url "$url" --source bench --secret "$SECRET" --count "$EVENTS" \
  --concurrency 1 --seed 2 --only order.created --stores 10 --customers 5000 --products 500 --quiet
kill -TERM "$worker_pid"; wait "$worker_pid" 2>/dev/null || true; worker_pid=
echo "-- worker, inclusive instructions per function (top $TOP)"
annotate "$OUT/callgrind.worker"
echo "callgrind files: $OUT (open with kcachegrind or callgrind_annotate)"
