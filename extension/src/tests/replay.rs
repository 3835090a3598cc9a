//! storesync.replay and storesync.replay_failed.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    /// Typed state as text, to compare before and after.
    fn state() -> String {
        text(
            "SELECT concat_ws('|',
                (SELECT string_agg(to_jsonb(o)::text, ',' ORDER BY order_id) FROM storesync.orders o),
                (SELECT string_agg(to_jsonb(i)::text, ',' ORDER BY item_id) FROM storesync.order_items i),
                (SELECT string_agg(to_jsonb(c)::text, ',' ORDER BY customer_id) FROM storesync.customers c),
                (SELECT string_agg(to_jsonb(p)::text, ',' ORDER BY product_id) FROM storesync.products p),
                (SELECT string_agg(to_jsonb(c)::text, ',') FROM storesync.store_credentials c))",
        )
        .unwrap_or_default()
    }

    /// Stores `body` as an event that an earlier version failed to map, the way it would have
    /// been stored then; returns its id.
    fn stored_as_failed(source: &str, body: &str) -> i64 {
        Spi::get_one_with_args::<i64>(
            "INSERT INTO storesync.events (source_id, store_id, event_name, body_sha256, payload, status, error)
             SELECT s.source_id,
                    (SELECT store_id FROM storesync.stores WHERE merchant_id = $3 AND platform = 'salla'),
                    $2::jsonb->>'event', sha256(convert_to($2, 'UTF8')), $2::jsonb, 'failed',
                    'unknown event (older version)'
             FROM storesync.sources s WHERE s.name = $1
             RETURNING event_id",
            &[source.into(), body.into(), "1305146709".into()],
        )
        .unwrap()
        .unwrap()
    }

    #[pg_test]
    fn a_failed_event_replayed_after_an_upgrade_is_mapped() {
        shop();
        // The store exists (as it would after any earlier delivery).
        assert_eq!(deliver(CUSTOMER_LOGIN)["status"], "processed");
        let id = stored_as_failed("shop", ORDER_CREATED);
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 0);
        let done = row(&format!("SELECT * FROM storesync.replay({id})"));
        assert_eq!(
            done,
            json!({"event_id": id, "event_name": "order.created", "previous_status": "failed",
                   "status": "processed", "error": null})
        );
        assert_eq!(
            row(&format!(
                "SELECT status, error, replayed_at IS NOT NULL AS replayed
                 FROM storesync.events WHERE event_id = {id}"
            )),
            json!({"status": "processed", "error": null, "replayed": true})
        );
        assert_eq!(
            row("SELECT total::text, status_slug FROM storesync.orders"),
            json!({"total": "196", "status_slug": "under_review"})
        );
    }

    #[pg_test]
    fn replaying_is_idempotent_and_never_regresses_newer_state() {
        shop();
        let first = deliver(ORDER_CREATED)["event_id"].as_i64().unwrap();
        let newer = at_time(
            &with(
                &as_event(ORDER_CREATED, "order.updated"),
                "/data/status/slug",
                json!("completed"),
            ),
            "Mon Jun 27 2022 09:00:00 GMT+0300",
        );
        assert_eq!(deliver(&newer)["status"], "processed");
        let before = state();
        for _ in 0..2 {
            let again = row(&format!("SELECT * FROM storesync.replay({first})"));
            assert_eq!(again["previous_status"], "processed");
            assert_eq!(again["status"], "processed");
            assert_eq!(state(), before);
        }
        assert_eq!(
            text("SELECT status_slug FROM storesync.orders").as_deref(),
            Some("completed")
        );
    }

    #[pg_test]
    fn a_replayed_authorization_keeps_the_real_tokens() {
        shop();
        let id = deliver(APP_AUTHORIZE)["event_id"].as_i64().unwrap();
        let before = state();
        assert!(before.contains("KGsnBcNNkR2AgHnrd0U9lCIjrUiukF"));
        let again = row(&format!("SELECT * FROM storesync.replay({id})"));
        assert_eq!(again["status"], "processed");
        assert_eq!(state(), before);
    }

    #[pg_test]
    fn replay_failed_by_source_and_time() {
        shop();
        create_source("other", "signature", "other-secret");
        assert_eq!(deliver(CUSTOMER_LOGIN)["status"], "processed");
        let a = stored_as_failed("shop", ORDER_CREATED);
        let b = stored_as_failed("other", PRODUCT_CREATED);
        // Still unmappable: replayed, and failed again with today's reason.
        let c = stored_as_failed("shop", &with(ORDER_CREATED, "/data/id", json!(null)));
        Spi::run(&format!(
            "UPDATE storesync.events SET received_at = '2020-01-01' WHERE event_id = {b}"
        ))
        .unwrap();
        let done = text(
            "SELECT string_agg(event_id || ':' || status || ':' || coalesce(error, ''), ',' ORDER BY event_id)
             FROM storesync.replay_failed('shop')",
        );
        assert_eq!(
            done,
            Some(format!("{a}:processed:,{c}:failed:order id is missing"))
        );
        // Source b's event is older than the cut-off.
        assert_eq!(
            count("SELECT count(*) FROM storesync.replay_failed(since => '2021-01-01')"),
            1
        );
        let status_of_b = format!("SELECT status FROM storesync.events WHERE event_id = {b}");
        assert_eq!(row(&status_of_b), json!({"status": "failed"}));
        assert_eq!(count("SELECT count(*) FROM storesync.replay_failed()"), 2);
        assert_eq!(row(&status_of_b), json!({"status": "processed"}));
    }

    #[pg_test]
    #[should_panic(expected = "no event with id 424242")]
    fn replaying_an_unknown_event_is_an_error() {
        Spi::run("SELECT * FROM storesync.replay(424242)").unwrap();
    }

    #[pg_test]
    #[should_panic(expected = "no source named \"nope\"")]
    fn replaying_an_unknown_source_is_an_error() {
        Spi::run("SELECT * FROM storesync.replay_failed('nope')").unwrap();
    }

    #[pg_test]
    fn errors_carry_sqlstates() {
        Spi::run(
            "CREATE FUNCTION pg_temp.state_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
             BEGIN EXECUTE sql; RETURN 'ok';
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$",
        )
        .unwrap();
        assert_eq!(
            text("SELECT pg_temp.state_of('SELECT * FROM storesync.replay(424242)')").as_deref(),
            Some("P0002")
        );
        assert_eq!(
            text("SELECT pg_temp.state_of('SELECT * FROM storesync.replay_failed(''nope'')')")
                .as_deref(),
            Some("42704")
        );
    }
}
