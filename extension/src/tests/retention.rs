//! Inbox retention: `storesync.prune_events` removes old inbox rows by status, in bounded
//! batches, refuses bad arguments, leaves typed rows and RFM figures alone, and only the owner
//! and the worker's role may run it.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    /// `n` inbox rows of source `shop` with `status`, received `age` ago (an interval literal).
    fn inbox(n: i64, status: &str, age: &str) {
        Spi::run(&format!(
            "INSERT INTO storesync.events (source_id, event_name, body_sha256, payload, received_at, status)
             SELECT (SELECT source_id FROM storesync.sources WHERE name = 'shop'), 'order.created',
                    sha256(('{status} {age} ' || k)::bytea), '{{}}', now() - interval '{age}', '{status}'
               FROM generate_series(1, {n}) AS k"
        ))
        .unwrap();
    }

    /// What one `prune_events` call returned, as `status:events:oldest age:newest age,…`
    /// (ages in whole days before now).
    fn prune(args: &str) -> String {
        text(&format!(
            "SELECT coalesce(string_agg(status || ':' || events || ':'
                        || extract(day FROM now() - oldest_received_at) || ':'
                        || extract(day FROM now() - newest_received_at), ',' ORDER BY status), '')
               FROM storesync.prune_events({args})"
        ))
        .unwrap_or_default()
    }

    /// Inbox rows left, as `status:count,…`.
    fn left() -> String {
        text(
            "SELECT coalesce(string_agg(status || ':' || n, ',' ORDER BY status), '')
               FROM (SELECT status, count(*) AS n FROM storesync.events GROUP BY status) AS s",
        )
        .unwrap_or_default()
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
            "duplicate:1:31:31,ignored:2:50:50,processed:4:100:40"
        );
        assert_eq!(left(), "failed:3,processed:4");
        // Nothing more to remove: an empty answer, not an error.
        assert_eq!(prune("interval '30 days'"), "");

        assert_eq!(
            prune("interval '30 days', include_failed => true"),
            "failed:2:100:100"
        );
        assert_eq!(left(), "failed:1,processed:4");
        // Zero: everything received before now goes, a row received now stays.
        inbox(1, "processed", "0 seconds");
        assert_eq!(
            prune("interval '0', true"),
            "failed:1:1:1,processed:4:29:29"
        );
        assert_eq!(left(), "processed:1");
    }

    #[pg_test]
    fn each_call_removes_at_most_one_batch_oldest_first() {
        shop();
        inbox(10, "processed", "90 days");
        inbox(13, "processed", "60 days");
        inbox(5, "processed", "1 day");
        assert_eq!(prune("interval '30 days', false, 10"), "processed:10:90:90");
        assert_eq!(prune("interval '30 days', false, 10"), "processed:10:60:60");
        assert_eq!(prune("interval '30 days', false, 10"), "processed:3:60:60");
        assert_eq!(prune("interval '30 days', false, 10"), "");
        assert_eq!(left(), "processed:5");
    }

    #[pg_test]
    fn bad_arguments_are_refused_with_22023_and_a_reason() {
        Spi::run(
            "CREATE FUNCTION pg_temp.refusal(sql text) RETURNS text LANGUAGE plpgsql AS $$
             BEGIN EXECUTE sql; RETURN 'accepted';
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$",
        )
        .unwrap();
        shop();
        inbox(2, "processed", "100 days");
        let refusal = |call: &str| {
            text(&format!(
                "SELECT pg_temp.refusal($q$SELECT * FROM storesync.prune_events({call})$q$)"
            ))
            .unwrap()
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
        for (batch, shown) in [
            ("0", "0"),
            ("-5", "-5"),
            ("NULL", "NULL"),
            ("1000001", "1000001"),
        ] {
            assert_eq!(
                refusal(&format!("interval '1 day', false, {batch}")),
                format!("22023 batch_size must be between 1 and 1000000, not {shown}")
            );
        }
        // A refused call removed nothing.
        assert_eq!(left(), "processed:2");
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
        let may = |role: &str, routine: &str| {
            truth(&format!(
                "SELECT has_function_privilege('{role}', 'storesync.{routine}', 'EXECUTE')"
            ))
        };
        Spi::run("CREATE ROLE storesync_retention_nobody NOLOGIN").unwrap();
        let prune = "prune_events(interval, boolean, integer)";
        let batches = "prune_events_in_batches(interval, boolean, integer, bigint, integer)";
        assert!(may("storesync_ingest", prune));
        for role in ["storesync_analyst", "storesync_retention_nobody"] {
            assert!(!may(role, prune), "{role} may run {prune}");
        }
        for role in [
            "storesync_ingest",
            "storesync_analyst",
            "storesync_retention_nobody",
        ] {
            assert!(!may(role, batches), "{role} may run {batches}");
        }
        assert!(truth(
            "SELECT prosecdef AND proconfig = '{\"search_path=pg_catalog, pg_temp\"}'
               FROM pg_proc WHERE oid = 'storesync.prune_events(interval, boolean, integer)'::regprocedure"
        ));

        // Tried for real: the analyst is refused; the worker's role prunes, though it may not
        // read the table it prunes.
        shop();
        inbox(2, "processed", "100 days");
        Spi::run(
            "CREATE FUNCTION pg_temp.state_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
             BEGIN EXECUTE sql; RETURN 'ok';
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$",
        )
        .unwrap();
        let as_role = |role: &str, sql: &str| {
            Spi::run(&format!("SET LOCAL ROLE {role}")).unwrap();
            let state = text(&format!("SELECT pg_temp.state_of($q${sql}$q$)")).unwrap();
            Spi::run("RESET ROLE").unwrap();
            state
        };
        let call = "SELECT * FROM storesync.prune_events('30 days')";
        assert_eq!(as_role("storesync_analyst", call), "42501");
        assert_eq!(left(), "processed:2");
        assert_eq!(
            as_role("storesync_ingest", "SELECT count(*) FROM storesync.events"),
            "42501"
        );
        assert_eq!(as_role("storesync_ingest", call), "ok");
        assert_eq!(left(), "");
    }
}
