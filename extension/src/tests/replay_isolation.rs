//! Replay applies events through the same path as ingest: a payload the typed tables refuse
//! fails that event only, inside its own subtransaction.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::{json, Value};

    use crate::tests::support::*;

    #[pg_test]
    fn replay_failed_keeps_going_past_a_payload_the_tables_refuse() {
        shop();
        // The order breaks a constraint: stored failed, none of its rows kept.
        Spi::run("ALTER TABLE storesync.orders ADD CONSTRAINT small CHECK (total < 1)").unwrap();
        let order = deliver(ORDER_CREATED);
        assert_eq!(order["status"], "failed", "{order}");
        // A later customer event, failed too (as if an older build could not map it).
        let customer = deliver(CUSTOMER_CREATED);
        assert_eq!(customer["status"], "processed", "{customer}");
        let customer_id = customer["event_id"].as_i64().unwrap();
        Spi::run(&format!(
            "UPDATE storesync.events SET status = 'failed', error = 'older build' WHERE event_id = {customer_id};
             DELETE FROM storesync.customers"
        ))
        .unwrap();

        // The order, replayed first, is still refused; the customer after it is applied.
        let replayed = jsonb(
            "SELECT jsonb_agg(jsonb_build_object('event_name', event_name, 'status', status,
                                                 'sqlstate', substring(error from 'SQLSTATE (\\w+)'))
                              ORDER BY event_id)
             FROM storesync.replay_failed()",
        );
        assert_eq!(
            replayed,
            json!([
                {"event_name": "order.created", "status": "failed", "sqlstate": "23514"},
                {"event_name": "customer.created", "status": "processed", "sqlstate": null},
            ])
        );
        let doc: Value = serde_json::from_str(CUSTOMER_CREATED).unwrap();
        assert_eq!(
            jsonb("SELECT jsonb_build_object(
                     'customers', (SELECT jsonb_agg(customer_id) FROM storesync.customers),
                     'orders', (SELECT count(*) FROM storesync.orders),
                     'statuses', (SELECT jsonb_agg(status ORDER BY event_id) FROM storesync.events))"),
            json!({
                "customers": [doc["data"]["id"].to_string()],
                "orders": 0,
                "statuses": ["failed", "processed"],
            })
        );
    }
}
