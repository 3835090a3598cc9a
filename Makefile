# storesync — `make run` and `make test` do all the set-up on a fresh Debian machine with
# PostgreSQL 15 installed (as root). Both are idempotent and quick when nothing changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Order matters (the in-database tests install a test build that `extension` replaces).
.NOTPARALLEL:

PG_MAJOR      ?= 15
PG_CONFIG     ?= /usr/bin/pg_config
PG_CLUSTER    ?= main
PG_SOCKET     ?= /var/run/postgresql
DB            ?= storesync
DB_ROLE       ?= $(shell id -un)
LISTEN        ?= 127.0.0.1:8080
DEMO_SOURCE   ?= demo
DEMO_SECRET   ?= demo-secret
# Where `cargo pgrx test` keeps its throw-away cluster: short (socket path limit) and outside
# /root, whose mode 0700 the postgres user cannot enter.
PGRX_TEST_DATA ?= /tmp/storesync-pgrx-test
# cargo-pgrx must be exactly the pgrx version the extension pins.
PGRX_VERSION  := $(shell sed -n 's/^pgrx = "=\(.*\)"/\1/p' Cargo.toml)
APT_PACKAGES  := postgresql-server-dev-$(PG_MAJOR) sudo
PSQL          := psql -X -q -v ON_ERROR_STOP=1 "host=$(PG_SOCKET) dbname=$(DB) user=$(DB_ROLE)"
# The worker logs in as a least-privileged role (member of storesync_ingest only) over TCP
# with a generated password kept in a git-ignored file; DB admin actions use $(DB_ROLE).
WORKER_ROLE   ?= storesync_worker
WORKER_PASSWORD_FILE ?= .worker-password
# Where cargo builds (CARGO_TARGET_DIR if set).
TARGET_DIR    := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
WORKER_BIN    := $(TARGET_DIR)/release/storesync-worker
# The traffic simulator: a binary of its own, so the worker carries no HTTP client or RNG.
SIMULATE_BIN  := $(TARGET_DIR)/release/storesync-simulate

.PHONY: help deps apt cargo-pgrx pgrx-init db extension worker database demo-source run test \
        lint unit pgtest e2e clean bench bench-smoke bench-profile worker-role fuzz package \
        package-test

help:
	@echo "make run    set up everything, then serve webhooks on $(LISTEN)"
	@echo "make test   set up everything, then run every test layer"
	@echo "make bench  benchmarks side by side (minutes; see BENCHMARKS.md)"
	@echo "make package  the release tarball for servers without Rust (README: Installing on a server)"

## --- set-up -------------------------------------------------------------------------------

deps: apt cargo-pgrx pgrx-init

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

cargo-pgrx:
	@if ! cargo pgrx --version 2>/dev/null | grep -qx 'cargo-pgrx $(PGRX_VERSION)'; then \
	  echo "installing cargo-pgrx $(PGRX_VERSION) (a few minutes, once)"; \
	  cargo install cargo-pgrx --version $(PGRX_VERSION) --locked; \
	fi

pgrx-init: cargo-pgrx
	@grep -qs '^pg$(PG_MAJOR) = "$(PG_CONFIG)"' $${PGRX_HOME:-$$HOME/.pgrx}/config.toml || \
	  cargo pgrx init --pg$(PG_MAJOR) $(PG_CONFIG)

# Runs a command with every inherited descriptor above stderr closed. A server started under
# `flock <lock> make …` would otherwise inherit the lock and hold it for as long as it runs.
CLOSE_FDS := bash -c 'for fd in $$(ls /proc/$$$$/fd); do [ "$$fd" -gt 2 ] && eval "exec $$fd>&-"; done 2>/dev/null; exec "$$@"' close-fds

# The cluster, a role for this OS user (peer authentication over the socket) and the database.
db: apt
	@pg_ctlcluster $(PG_MAJOR) $(PG_CLUSTER) status >/dev/null 2>&1 || $(CLOSE_FDS) pg_ctlcluster $(PG_MAJOR) $(PG_CLUSTER) start
	@runuser -u postgres -- psql -X -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$(DB_ROLE)'" | grep -q 1 || \
	  runuser -u postgres -- createuser --superuser $(DB_ROLE)
	@psql -X -tAc "SELECT 1 FROM pg_database WHERE datname = '$(DB)'" "host=$(PG_SOCKET) dbname=postgres user=$(DB_ROLE)" | grep -q 1 || \
	  createdb -h $(PG_SOCKET) -U $(DB_ROLE) $(DB)

# The release build of the extension, installed into PostgreSQL. Runs after the in-database
# tests, which install a test build over it. Packaged first, then each file written beside its
# destination and renamed over it (deploy/install-extension.sh): backends already running keep
# the library they mapped instead of executing a half-overwritten one. Unchanged files are
# left alone.
EXT_PACKAGE_DIR ?= $(TARGET_DIR)/storesync-package
extension: deps
	rm -rf $(EXT_PACKAGE_DIR)
	cd extension && cargo pgrx package --pg-config $(PG_CONFIG) --out-dir $(EXT_PACKAGE_DIR) >/dev/null
	deploy/install-extension.sh $(EXT_PACKAGE_DIR)

worker:
	cargo build --release -q -p storesync-worker

.PHONY: simulator
simulator:
	cargo build --release -q -p storesync-simulate

# A database made by an earlier checkout is brought to the installed version (README, Upgrading).
database: db extension
	@$(PSQL) -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS storesync" \
	  -c "ALTER EXTENSION storesync UPDATE"

demo-source: database
	@$(PSQL) -tAc "SELECT 1 FROM storesync.sources WHERE name = '$(DEMO_SOURCE)'" | grep -q 1 || \
	  $(PSQL) -c "SELECT storesync.create_source('$(DEMO_SOURCE)', 'salla', 'signature', '$(DEMO_SECRET)')" >/dev/null

# Login role $(WORKER_ROLE) IN ROLE storesync_ingest, its password generated once into
# $(WORKER_PASSWORD_FILE) (mode 600, git-ignored). Idempotent; re-applies the password.
worker-role: database
	@if [ ! -s $(WORKER_PASSWORD_FILE) ]; then \
	  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > $(WORKER_PASSWORD_FILE)); \
	fi
	@chmod 600 $(WORKER_PASSWORD_FILE)
	@printf '%s\n' \
	  "SET client_min_messages = warning;" \
	  "SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \\gexec" \
	  "SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'pw') \\gexec" \
	  "SELECT format('GRANT storesync_ingest TO %I', :'role') \\gexec" \
	  | $(PSQL) -v role="$(WORKER_ROLE)" -v pw="$$(cat $(WORKER_PASSWORD_FILE))" >/dev/null

run: demo-source worker worker-role
	@echo
	@echo "Send a first webhook (signed as Salla signs it) from another terminal:"
	@echo "  body=tests/fixtures/salla/order.created.v2.docs.json"
	@echo "  sig=\$$(openssl dgst -sha256 -hmac '$(DEMO_SECRET)' < \$$body | sed 's/^.*= //')"
	@echo "  curl -i http://$(LISTEN)/webhooks/$(DEMO_SOURCE) -H 'Content-Type: application/json' -H \"X-Salla-Signature: \$$sig\" --data-binary @\$$body"
	@echo "  psql -d $(DB) -c 'SELECT order_id, status_slug, total, currency FROM storesync.orders'"
	@echo
	@port=$$($(PSQL) -tAc 'SHOW port'); \
	DATABASE_URL="host=127.0.0.1 port=$$port dbname=$(DB) user=$(WORKER_ROLE) password=$$(cat $(WORKER_PASSWORD_FILE))" \
	  exec $(WORKER_BIN) serve --listen $(LISTEN)

## --- tests --------------------------------------------------------------------------------

test: lint unit pgtest e2e package-test bench-smoke

# The simulator's dependencies stay out of the production worker: no HTTP client or HDR
# histogram anywhere in its tree, no RNG, clock or signer of its own (tokio-postgres and the
# metrics exporter use `rand` inside, which is theirs). `cargo tree` resolves without building.
SIMULATOR_ONLY_DEPS := reqwest|hdrhistogram|rand|rand_chacha|chrono|hmac|sha2|hex

lint: deps
	cargo fmt --all -- --check
	cargo clippy -q --workspace --all-targets -- -D warnings
	@tree=$$(cargo tree -q -e normal -p storesync-worker --prefix depth); \
	if grep -E '^[0-9]+(reqwest|hdrhistogram) ' <<< "$$tree" || \
	   grep -E '^1($(SIMULATOR_ONLY_DEPS)) ' <<< "$$tree"; then \
	  echo "storesync-worker depends on the simulator's crates above: they belong in simulate/"; exit 1; \
	fi

# Mapping, parsing and verification without PostgreSQL (storesync-core), and the worker.
unit: deps
	cargo test -q -p storesync-core -p storesync-worker

# The test framework installs its test build through CARGO_PGRX; the stand-in packages it
# and installs it by rename, like `extension`, instead of overwriting the library in place.
pgtest: deps db
	@install -d -o postgres -g postgres $(PGRX_TEST_DATA)
	cd extension && CARGO_PGRX="$(CURDIR)/deploy/cargo-pgrx-atomic.sh" \
	  cargo pgrx test pg$(PG_MAJOR) --runas postgres --pgdata $(PGRX_TEST_DATA)

e2e: database worker simulator
	STORESYNC_ADMIN_URL="host=$(PG_SOCKET) dbname=postgres user=$(DB_ROLE)" \
	STORESYNC_WORKER_BIN="$(WORKER_BIN)" \
	STORESYNC_SIMULATE_BIN="$(SIMULATE_BIN)" \
	cargo test -q -p storesync-tests

## --- packages ---------------------------------------------------------------------------------

# One tarball a DBA installs on a server without a Rust toolchain: the release build of the
# extension (library, control file, install script, every upgrade script, as `cargo pgrx
# package` lays them out), the worker, its systemd unit and example configuration, under the
# server's paths; at the top, install-extension.sh, which puts them in place by rename.
PKG_VERSION  := $(shell sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
ARCH         := $(shell dpkg --print-architecture 2>/dev/null || uname -m)
PACKAGE_NAME := storesync-$(PKG_VERSION)-pg$(PG_MAJOR)-$(ARCH)
PACKAGE_ROOT := $(TARGET_DIR)/package/$(PACKAGE_NAME)
PACKAGE      := $(PACKAGE_ROOT).tar.gz

package: deps worker
	rm -rf $(PACKAGE_ROOT) $(PACKAGE)
	cd extension && cargo pgrx package --pg-config $(PG_CONFIG) --out-dir $(PACKAGE_ROOT) >/dev/null
	install -D -m 755 $(TARGET_DIR)/release/storesync-worker $(PACKAGE_ROOT)/usr/bin/storesync-worker
	install -D -m 644 deploy/storesync-worker.service $(PACKAGE_ROOT)/usr/lib/systemd/system/storesync-worker.service
	install -D -m 644 deploy/worker.env.example $(PACKAGE_ROOT)/usr/share/doc/storesync/worker.env.example
	install -m 755 deploy/install-extension.sh $(PACKAGE_ROOT)/install-extension.sh
	tar -C $(dir $(PACKAGE_ROOT)) --sort=name --owner=0 --group=0 --numeric-owner \
	  -czf $(PACKAGE) $(PACKAGE_NAME)
	@echo "$(PACKAGE)"

# Unpacks the tarball into a temporary root and checks its contents and the installer.
package-test: package
	tests/package.sh $(PACKAGE)

## --- benchmarks (BENCHMARKS.md) --------------------------------------------------------------

# Sizes and durations come from the environment (bench/run.py, CONFIG), e.g.
#   BENCH_EVENTS=5000 BENCH_CONNECTIONS="8 32" BENCH_RFM_SIZES="100000:1000000" make bench
# The benchmark uses its own databases ($(BENCH_DB), $(BENCH_DB)_tpl), dropped at the end.
BENCH_DB ?= storesync_bench
BENCH_ENV := BENCH_DB=$(BENCH_DB) PG_SOCKET=$(PG_SOCKET) DB_ROLE=$(DB_ROLE) \
             WORKER_BIN="$(WORKER_BIN)" SIMULATE_BIN="$(SIMULATE_BIN)"

bench: db extension worker simulator
	$(BENCH_ENV) python3 bench/run.py

# The whole harness on a few hundred events and a tiny RFM data set: checks it still works.
bench-smoke: db extension worker simulator
	$(BENCH_ENV) BENCH_DB=$(BENCH_DB)_smoke BENCH_SMOKE=1 BENCH_EVENTS=320 \
	  BENCH_CONNECTIONS="8 32" BENCH_OPEN_SECONDS=1 BENCH_RESCORE_EVENTS=160 \
	  BENCH_RFM_SIZES="2000:20000" BENCH_RFM_STORES=3 python3 bench/run.py

# Where the time goes: callgrind on a backend running storesync.ingest and on the worker.
bench-profile: db extension worker simulator
	WORKER_BIN="$(WORKER_BIN)" SIMULATE_BIN="$(SIMULATE_BIN)" bash bench/profile.sh

## --- fuzzing (not part of `make test`) ---------------------------------------------------------

# Coverage-guided fuzzing (core/fuzz), FUZZ_SECONDS per target: `mapping` (payload parsing and
# mapping, seeded with the fixtures) and `rule` (the conditional-rule parser, seeded with the
# rules in core/fuzz/rule_seeds.txt against an order fixture). Stable Rust: `-s none` (no
# sanitizer, which needs nightly).
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= mapping rule
fuzz:
	@cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	@mkdir -p core/fuzz/corpus/mapping core/fuzz/corpus/rule
	@for f in tests/fixtures/salla/*.json; do \
	  { printf '\000'; cat $$f; } > core/fuzz/corpus/mapping/seed-salla-$$(basename $$f); done
	@for f in tests/fixtures/flavours/*.json; do \
	  { printf '\001'; cat $$f; } > core/fuzz/corpus/mapping/seed-flavours-$$(basename $$f); done
	@n=0; while IFS= read -r rule; do n=$$((n + 1)); \
	  { printf '%s\000' "$$rule"; python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["data"]))' \
	      < tests/fixtures/salla/order.created.v2.docs.json; } \
	    > core/fuzz/corpus/rule/seed-$$n; done < core/fuzz/rule_seeds.txt
	cd core && for target in $(FUZZ_TARGETS); do \
	  cargo fuzz run -s none $$target -- -max_total_time=$(FUZZ_SECONDS) -max_len=65536; done

clean:
	cargo clean
