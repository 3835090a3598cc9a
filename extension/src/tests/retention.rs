//! Inbox retention: `storesync.prune_events` removes old inbox rows by status, in bounded
//! batches, refuses bad arguments, leaves typed rows and RFM figures alone, and only the owner
//! and the worker's role may run it. And what is retained costs less: payloads are stored lz4.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::{json, Value};

    use crate::tests::support::*;

    /// `n` inbox rows of source `shop` with `status`, received `age` ago (an interval literal).
    fn inbox(n: i64, status: &str, age: &str) {
        Spi::run(
            "INSERT INTO storesync.stores (platform, merchant_id) VALUES ('salla', 'retention')
             ON CONFLICT (platform, merchant_id) DO NOTHING",
        )
        .unwrap();
        Spi::run(&format!(
            "INSERT INTO storesync.events
                 (source_id, store_id, event_name, body_sha256, payload, received_at, status)
             SELECT (SELECT source_id FROM storesync.sources WHERE name = 'shop'),
                    (SELECT store_id FROM storesync.stores WHERE merchant_id = 'retention'),
                    'order.created', sha256(('{status} {age} ' || k)::bytea), '{{}}',
                    now() - interval '{age}', '{status}'
               FROM generate_series(1, {n}) AS k"
        ))
        .unwrap();
    }

    /// What one `prune_events` call returned, a row per status, ages in whole days before now.
    fn prune(args: &str) -> Value {
        rows(&format!(
            "SELECT status, events,
                    extract(day FROM now() - oldest_received_at)::int AS oldest_days,
                    extract(day FROM now() - newest_received_at)::int AS newest_days
               FROM storesync.prune_events({args}) ORDER BY status"
        ))
    }

    /// A row of [`prune`]'s answer.
    fn pruned(status: &str, events: i64, oldest_days: i32, newest_days: i32) -> Value {
        json!({"status": status, "events": events, "oldest_days": oldest_days, "newest_days": newest_days})
    }

    /// Inbox rows left, by status: `{"processed": 4, …}`.
    fn left() -> Value {
        jsonb(
            "SELECT coalesce(jsonb_object_agg(status, n), '{}')
               FROM (SELECT status, count(*) AS n FROM storesync.events GROUP BY status) AS s",
        )
    }

    #[pg_test]
    fn old_rows_go_by_status_failed_ones_only_when_asked_recent_ones_stay() {
        shop();
        inbox(3, "processed", "100 days");
        inbox(1, "processed", "40 days");
        inbox(2, "ignored", "50 days");
        inbox(1, "duplicate", "31 days");
        inbox(2, "failed", "100 days");
        inbox(4, "processed", "29 days");
        inbox(1, "failed", "1 day");

        assert_eq!(
            prune("interval '30 days'"),
            json!([
                pruned("duplicate", 1, 31, 31),
                pruned("ignored", 2, 50, 50),
                pruned("processed", 4, 100, 40)
            ])
        );
        assert_eq!(left(), json!({"failed": 3, "processed": 4}));
        // Nothing more to remove: an empty answer, not an error.
        assert_eq!(prune("interval '30 days'"), json!([]));

        assert_eq!(
            prune("interval '30 days', include_failed => true"),
            json!([pruned("failed", 2, 100, 100)])
        );
        assert_eq!(left(), json!({"failed": 1, "processed": 4}));
        // Zero: everything received before now goes, a row received now stays.
        inbox(1, "processed", "0 seconds");
        assert_eq!(
            prune("interval '0', true"),
            json!([pruned("failed", 1, 1, 1), pruned("processed", 4, 29, 29)])
        );
        assert_eq!(left(), json!({"processed": 1}));
    }

    #[pg_test]
    fn each_call_removes_at_most_one_batch_oldest_first() {
        shop();
        inbox(10, "processed", "90 days");
        inbox(13, "processed", "60 days");
        inbox(5, "processed", "1 day");
        let batch = "interval '30 days', false, 10";
        assert_eq!(prune(batch), json!([pruned("processed", 10, 90, 90)]));
        assert_eq!(prune(batch), json!([pruned("processed", 10, 60, 60)]));
        assert_eq!(prune(batch), json!([pruned("processed", 3, 60, 60)]));
        assert_eq!(prune(batch), json!([]));
        assert_eq!(left(), json!({"processed": 5}));
    }

    /// Runs `sql` as `role` (the test's own role if `None`) and answers `ok`, or the SQLSTATE
    /// and message it failed with.
    fn outcome(role: Option<&str>, sql: &str) -> String {
        // Defined by the test's role: another may run it but not replace it.
        Spi::run(
            "CREATE OR REPLACE FUNCTION pg_temp.outcome(sql text) RETURNS text LANGUAGE plpgsql AS $$
             BEGIN EXECUTE sql; RETURN 'ok';
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$",
        )
        .unwrap();
        if let Some(role) = role {
            Spi::run(&format!("SET LOCAL ROLE {role}")).unwrap();
        }
        let answer = Spi::get_one_with_args::<String>("SELECT pg_temp.outcome($1)", &[sql.into()]);
        Spi::run("RESET ROLE").unwrap();
        answer.unwrap().unwrap()
    }

    #[pg_test]
    fn bad_arguments_are_refused_with_22023_and_a_reason() {
        shop();
        inbox(2, "processed", "100 days");
        let refusal = |args: &str| {
            outcome(
                None,
                &format!("SELECT * FROM storesync.prune_events({args})"),
            )
        };
        assert_eq!(
            refusal("interval '-1 day'"),
            "22023 older_than must be an interval of zero or more, not -1 days"
        );
        assert_eq!(
            refusal("NULL"),
            "22023 older_than must be an interval of zero or more, not NULL"
        );
        assert_eq!(
            refusal("interval '1 day', NULL"),
            "22023 include_failed must be true or false, not NULL"
        );
        for batch in ["0", "-5", "NULL", "1000001"] {
            assert_eq!(
                refusal(&format!("interval '1 day', false, {batch}")),
                format!("22023 batch_size must be between 1 and 1000000, not {batch}")
            );
        }
        // A refused call removed nothing.
        assert_eq!(left(), json!({"processed": 2}));
    }

    /// Every typed and RFM table as one fingerprint.
    fn typed_state() -> String {
        let tables = [
            "stores",
            "customers",
            "products",
            "orders",
            "order_items",
            "rfm_customers",
            "rfm_cut_points",
            "rfm_segment_changes",
        ];
        tables
            .iter()
            .map(|t| {
                text(&format!(
                    "SELECT '{t}:' || count(*) || ':' || coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '')
                       FROM storesync.{t} AS r"
                ))
                .unwrap()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[pg_test]
    fn pruning_leaves_typed_rows_and_rfm_figures_unchanged() {
        // Nothing references the inbox: no foreign key points at it.
        assert_eq!(
            count(
                "SELECT count(*) FROM pg_constraint WHERE confrelid = 'storesync.events'::regclass"
            ),
            0
        );
        shop();
        for (id, customer, total) in [(1, 11, 50.0), (2, 12, 80.0), (3, 11, 20.0), (4, 13, 5.0)] {
            let body = with(ORDER_CREATED, "/data/id", json!(id));
            let body = with(&body, "/data/customer/id", json!(customer));
            let body = with(&body, "/data/amounts/total/amount", json!(total));
            assert_eq!(deliver(&body)["status"], "processed");
        }
        assert_eq!(deliver(CUSTOMER_LOGIN)["status"], "processed");
        assert_eq!(deliver(PRODUCT_CREATED)["status"], "processed");
        // Figures only, kept by the order triggers: a refresh here (every store, exclusive RFM
        // locks) would deadlock with the RFM tests that run alongside.
        assert_eq!(count("SELECT count(*) FROM storesync.rfm_customers"), 3);
        let before = typed_state();

        Spi::run("UPDATE storesync.events SET received_at = received_at - interval '1 year'")
            .unwrap();
        Spi::run(
            "UPDATE storesync.events SET status = 'failed' WHERE event_name = 'customer.login'",
        )
        .unwrap();
        assert_eq!(
            count("SELECT sum(events)::bigint FROM storesync.prune_events('30 days', true)"),
            6
        );
        assert_eq!(count("SELECT count(*) FROM storesync.events"), 0);
        assert_eq!(typed_state(), before);
        // And the figures still follow new orders afterwards.
        let body = with(ORDER_CREATED, "/data/id", json!(5));
        assert_eq!(
            deliver(&with(&body, "/data/customer/id", json!(13)))["status"],
            "processed"
        );
        assert_ne!(typed_state(), before);
    }

    #[pg_test]
    fn only_the_owner_and_the_worker_role_may_prune() {
        Spi::run("CREATE ROLE storesync_retention_nobody NOLOGIN").unwrap();
        assert_eq!(
            rows(
                "SELECT r AS role,
                        has_function_privilege(r, 'storesync.prune_events(interval, boolean, integer)',
                                               'EXECUTE') AS prune_events,
                        has_function_privilege(r, 'storesync.prune_events_in_batches(interval, boolean, integer, bigint, integer)',
                                               'EXECUTE') AS prune_events_in_batches
                   FROM unnest(ARRAY['storesync_analyst', 'storesync_ingest', 'storesync_retention_nobody']) AS r
                  ORDER BY r"
            ),
            json!([
                {"role": "storesync_analyst", "prune_events": false, "prune_events_in_batches": false},
                {"role": "storesync_ingest", "prune_events": true, "prune_events_in_batches": false},
                {"role": "storesync_retention_nobody", "prune_events": false, "prune_events_in_batches": false}
            ])
        );
        assert_eq!(
            row("SELECT prosecdef, proconfig FROM pg_proc
                  WHERE oid = 'storesync.prune_events(interval, boolean, integer)'::regprocedure"),
            json!({"prosecdef": true, "proconfig": ["search_path=pg_catalog, pg_temp"]})
        );

        // Tried for real: the analyst is refused; the worker's role prunes, though it may not
        // read the table it prunes.
        shop();
        inbox(2, "processed", "100 days");
        let call = "SELECT * FROM storesync.prune_events('30 days')";
        assert_eq!(
            outcome(Some("storesync_analyst"), call),
            "42501 permission denied for function prune_events"
        );
        assert_eq!(left(), json!({"processed": 2}));
        assert_eq!(
            outcome(
                Some("storesync_ingest"),
                "SELECT count(*) FROM storesync.events"
            ),
            "42501 permission denied for table events"
        );
        assert_eq!(outcome(Some("storesync_ingest"), call), "ok");
        assert_eq!(left(), json!({}));
    }

    #[pg_test]
    fn payloads_are_stored_lz4_compressed() {
        assert_eq!(
            row(
                "SELECT attcompression::text AS compression FROM pg_attribute
                  WHERE attrelid = 'storesync.events'::regclass AND attname = 'payload'"
            ),
            json!({"compression": "l"})
        );
        shop();
        assert_eq!(deliver(ORDER_CREATED)["status"], "processed");
        // An order event (about 11 KB of JSON) is over the TOAST threshold: compressed, with lz4.
        assert_eq!(
            row("SELECT pg_column_compression(payload) AS method FROM storesync.events"),
            json!({"method": "lz4"})
        );
    }
}
