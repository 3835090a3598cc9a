//! RFM on hand-computed stores: the scores of the definitions (ties share a score, r counts
//! strictly larger recency), which orders count, history rows, the segment map, settings and
//! churn risk.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::rfm_support::*;
    use crate::tests::support::*;

    /// Whether the kept figures await a recount.
    const STALE: &str = "SELECT figures_stale FROM storesync.rfm_settings";

    #[pg_test]
    fn ties_everywhere_share_scores() {
        let s = new_store("ties");
        // customer: (days before as_of, total) per order.
        for (c, orders) in [
            ("c1", vec![(10, "100")]),
            ("c2", vec![(10, "100")]),
            ("c3", vec![(5, "50"), (20, "50")]),
            ("c4", vec![(5, "150"), (40, "150")]),
            ("c5", vec![(1, "100"), (2, "100"), (3, "100")]),
            ("c6", vec![(30, "10"), (31, "20"), (32, "20")]),
        ] {
            for (i, (days, total)) in orders.into_iter().enumerate() {
                order(s, &format!("{c}-{i}"), c, days, total, "completed");
            }
        }
        refresh(Some(s));
        // n = 6. F: 1,1,2,2,3,3 -> smaller 0,0,2,2,4,4 -> 1,1,2,2,4,4.
        // M: 100,100,100,300,300,50 -> smaller 1,1,1,4,4,0 -> 1,1,1,4,4,1.
        // R days: 10,10,5,5,1,30 -> larger 1,1,3,3,5,0 -> 1,1,3,3,5,1.
        assert_eq!(
            codes(s),
            "c1=111,c2=111,c3=321,c4=324,c5=544,c6=141",
            "segments: {}",
            segments(s)
        );
        assert_eq!(
            segments(s),
            "c1=Lost,c2=Lost,c3=About To Sleep,c4=Need Attention,c5=Champions,c6=Lost"
        );
    }

    #[pg_test]
    fn one_customer_scores_111() {
        let s = new_store("one");
        order(s, "o1", "c1", 3, "500", "completed");
        refresh(Some(s));
        assert_eq!(codes(s), "c1=111");
    }

    #[pg_test]
    fn fewer_than_five_customers() {
        let s = new_store("three");
        order(s, "a1", "a", 1, "10", "completed");
        order(s, "b1", "b", 2, "10", "completed");
        order(s, "b2", "b", 2, "10", "completed");
        order(s, "c1", "c", 3, "10", "completed");
        order(s, "c2", "c", 3, "10", "completed");
        order(s, "c3", "c", 3, "10", "completed");
        refresh(Some(s));
        // n = 3: 0, 1, 2 below -> 1 + floor(0), 1 + floor(5/3), 1 + floor(10/3) = 1, 2, 4.
        // R: a (1 day) has two larger -> 4; b -> 2; c -> 1. F and M: a 1, b 2, c 4.
        assert_eq!(codes(s), "a=411,b=222,c=144");
    }

    #[pg_test]
    fn all_customers_equal_score_111() {
        let s = new_store("equal");
        for c in ["a", "b", "c", "d", "e", "f", "g"] {
            order(s, &format!("{c}1"), c, 7, "42.50", "completed");
        }
        refresh(Some(s));
        assert_eq!(codes(s), "a=111,b=111,c=111,d=111,e=111,f=111,g=111");
    }

    #[pg_test]
    fn an_empty_store_refreshes_to_nothing() {
        let s = new_store("empty");
        order(s, "o1", "c1", 3, "10", "canceled");
        refresh(Some(s));
        refresh(None);
        assert_eq!(
            count(&format!(
                "SELECT (SELECT count(*) FROM storesync.rfm_customers WHERE store_id = {s})
                      + (SELECT count(*) FROM storesync.rfm_cut_points WHERE store_id = {s})"
            )),
            0
        );
        // A store that loses its last counted customer loses its cut points too.
        let t = new_store("emptied");
        order(t, "o1", "c1", 3, "10", "completed");
        refresh(Some(t));
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM storesync.rfm_cut_points WHERE store_id = {t}"
            )),
            1
        );
        Spi::run(&format!(
            "UPDATE storesync.orders SET status_slug = 'canceled' WHERE store_id = {t}"
        ))
        .unwrap();
        refresh(Some(t));
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM storesync.rfm_cut_points WHERE store_id = {t}"
            )),
            0
        );
    }

    #[pg_test]
    fn only_counted_orders_count() {
        let s = new_store("counted");
        order(s, "k1", "keep", 1, "10", "completed");
        order(s, "k2", "keep", 2, "20", "under_review");
        order(s, "k3", "keep", 3, "1000", "canceled");
        order(s, "k4", "keep", 4, "1000", "payment_pending");
        order(s, "k5", "keep", 5, "1000", "restored");
        order(s, "k6", "keep", 6, "1000", "restoring");
        order(s, "k7", "keep", 7, "1000", "completed");
        Spi::run(&format!(
            "UPDATE storesync.orders SET draft = true WHERE store_id = {s} AND order_id = 'k7'"
        ))
        .unwrap();
        order(s, "k8", "keep", 8, "1000", "completed");
        Spi::run(&format!(
            "UPDATE storesync.orders SET deleted_at = now() WHERE store_id = {s} AND order_id = 'k8'"
        ))
        .unwrap();
        order(s, "x1", "only-cancelled", 1, "10", "canceled");
        refresh(Some(s));
        assert_eq!(figures(s), "keep:2:30");
        // Recounting from the orders finds the same figures the triggers kept.
        recount(Some(s));
        assert_eq!(figures(s), "keep:2:30");
    }

    #[pg_test]
    fn history_records_first_segments_moves_and_departures() {
        let s = new_store("history");
        order(s, "a1", "a", 1, "100", "completed");
        order(s, "b1", "b", 50, "10", "completed");
        refresh(Some(s));
        // n = 2: a (1 day, 100) = 313, b (50 days, 10) = 111.
        assert_eq!(codes(s), "a=313,b=111");
        // One refresh writes its rows in no particular order.
        let mut first: Vec<String> = changes(s).split(',').map(String::from).collect();
        first.sort();
        assert_eq!(
            first.join(","),
            format!(
                "a:-:{}?refresh,b:-:{}?refresh",
                segment_of("313"),
                segment_of("111")
            )
        );
        // Unchanged data: a second refresh records nothing.
        refresh(Some(s));
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM storesync.rfm_segment_changes WHERE store_id = {s}"
            )),
            2
        );
        // b buys again (real time), then a's only order is cancelled.
        order(s, "b2", "b", 0, "500", "completed");
        Spi::run(&format!(
            "UPDATE storesync.orders SET status_slug = 'canceled' WHERE store_id = {s} AND order_id = 'a1'"
        ))
        .unwrap();
        // b: 0 days, 2 orders, 510 against the cut points of {a: 1 day, 1 order, 100}: 313.
        assert_eq!(code_of(s, "b"), "313");
        let log = changes(s);
        assert!(
            log.ends_with(&format!(
                ",b:{}:{}?realtime,a:{}:-?realtime",
                segment_of("111"),
                segment_of("313"),
                segment_of("313")
            )),
            "{log}"
        );
        // The view names the customers it can.
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM storesync.segment_changes WHERE store_id = {s}"
            )),
            4
        );
    }

    #[pg_test]
    fn a_segment_map_edit_resegments_without_rescoring() {
        let s = new_store("map");
        order(s, "a1", "a", 1, "100", "completed");
        order(s, "b1", "b", 9, "10", "completed");
        refresh(Some(s));
        let before = codes(s);
        let scored_at = text(&format!(
            "SELECT max(scored_at)::text FROM storesync.rfm_customers WHERE store_id = {s}"
        ));
        Spi::run(&format!(
            "UPDATE storesync.rfm_segment_map SET segment = 'VIP' WHERE rfm_code = '{}'",
            code_of(s, "a")
        ))
        .unwrap();
        assert_eq!(codes(s), before);
        assert_eq!(
            text(&format!(
                "SELECT max(scored_at)::text FROM storesync.rfm_customers WHERE store_id = {s}"
            )),
            scored_at
        );
        assert_eq!(
            text(&format!("SELECT segment FROM storesync.customer_rfm WHERE store_id = {s} AND customer_id = 'a'")).as_deref(),
            Some("VIP")
        );
        let last = text(&format!(
            "SELECT customer_id || ':' || to_segment || ':' || cause FROM storesync.rfm_segment_changes
              WHERE store_id = {s} ORDER BY change_id DESC LIMIT 1"
        ));
        assert_eq!(last.as_deref(), Some("a:VIP:map"));
        // Removing a code leaves its customers without a segment, recorded too.
        Spi::run(&format!(
            "DELETE FROM storesync.rfm_segment_map WHERE rfm_code = '{}'",
            code_of(s, "b")
        ))
        .unwrap();
        assert_eq!(
            count(&format!("SELECT count(*) FROM storesync.rfm_customers WHERE store_id = {s} AND segment IS NULL")),
            1
        );
        assert_eq!(
            count(&format!("SELECT count(*) FROM storesync.rfm_segment_changes WHERE store_id = {s} AND cause = 'map'")),
            2
        );
    }

    #[pg_test]
    fn excluded_statuses_are_a_setting_and_changing_them_recounts() {
        let s = new_store("settings");
        order(s, "a1", "a", 1, "100", "completed");
        order(s, "a2", "a", 2, "100", "under_review");
        refresh(Some(s));
        assert_eq!(figures(s), "a:2:200");
        Spi::run("UPDATE storesync.rfm_settings SET excluded_statuses = excluded_statuses || '{under_review}'").unwrap();
        assert_eq!(row(STALE), json!({"figures_stale": true}));
        // A refresh of one store recounts that store; the flag waits for a refresh of all.
        refresh(Some(s));
        assert_eq!(figures(s), "a:1:100");
        assert_eq!(row(STALE), json!({"figures_stale": true}));
        refresh(None);
        assert_eq!(row(STALE), json!({"figures_stale": false}));
        // Real time off: orders are not rescored, and every refresh recounts.
        Spi::run("UPDATE storesync.rfm_settings SET realtime = false").unwrap();
        order(s, "a3", "a", 0, "1", "completed");
        assert_eq!(figures(s), "a:1:100");
        refresh(Some(s));
        assert_eq!(figures(s), "a:2:101");
        Spi::run("UPDATE storesync.rfm_settings SET realtime = true").unwrap();
        assert_eq!(row(STALE), json!({"figures_stale": true}));
    }

    #[pg_test]
    fn a_bulk_statement_marks_the_figures_stale_and_the_next_refresh_recounts() {
        let s = new_store("bulk");
        Spi::run(&format!(
            "INSERT INTO storesync.orders
                    (store_id, order_id, customer_id, status_slug, order_date, total, currency, source_ts)
             SELECT {s}, 'o' || g, 'c' || g, 'completed',
                    '{AS_OF}'::timestamptz - g * interval '1 hour', g, 'SAR', now()
               FROM generate_series(1, 1500) AS g"
        ))
        .unwrap();
        assert_eq!(row(STALE), json!({"figures_stale": true}));
        let scored = format!("SELECT count(*) FROM storesync.rfm_customers WHERE store_id = {s}");
        assert_eq!(count(&scored), 0);
        refresh(None);
        assert_eq!(row(STALE), json!({"figures_stale": false}));
        assert_eq!(count(&scored), 1500);
        // c1: most recent, smallest total; c1500: oldest, largest; all one order.
        assert_eq!(code_of(s, "c1"), "511");
        assert_eq!(code_of(s, "c1500"), "115");
    }

    #[pg_test(error = "no store -1")]
    fn refreshing_an_unknown_store_is_an_error() {
        Spi::run("CALL storesync.refresh_rfm(-1)").unwrap();
    }

    #[pg_test]
    fn churn_risk_never_falls_as_recency_grows() {
        for rhythm in ["0", "0.5", "1", "7", "30.5", "90", "365"] {
            // The first recency where the risk falls or leaves 0..100, if any.
            assert_eq!(
                row(&format!(
                    "SELECT min(d) FILTER (WHERE r < prev) AS first_fall,
                            min(d) FILTER (WHERE r NOT BETWEEN 0 AND 100) AS first_out_of_range,
                            count(r) AS values
                       FROM (SELECT d, r, lag(r, 1, 0) OVER (ORDER BY d) AS prev
                               FROM (SELECT d, storesync.churn_risk(d, {rhythm}) AS r
                                       FROM generate_series(-5, 5000) AS d) AS x) AS y"
                )),
                json!({"first_fall": null, "first_out_of_range": null, "values": 5006}),
                "rhythm {rhythm}"
            );
        }
        assert_eq!(
            row("SELECT storesync.churn_risk(0, 30) AS d0_r30, storesync.churn_risk(30, 30) AS d30_r30,
                        storesync.churn_risk(90, 30) AS d90_r30,
                        storesync.churn_risk(100000, 1) AS d100000_r1"),
            json!({"d0_r30": 0, "d30_r30": 63, "d90_r30": 95, "d100000_r1": 100})
        );
    }

    #[pg_test]
    fn the_segment_map_is_the_shipped_csv() {
        let csv = fixture!("rfm/segment_map.csv");
        let mut expected: Vec<String> = csv
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().replacen(',', "=", 1))
            .collect();
        expected.sort();
        assert_eq!(expected.len(), 125);
        let got = text(
            "SELECT string_agg(rfm_code || '=' || segment, '|' ORDER BY rfm_code) FROM storesync.rfm_segment_map",
        )
        .unwrap();
        assert_eq!(got, expected.join("|"));
        assert_eq!(
            count("SELECT count(DISTINCT segment) FROM storesync.rfm_segment_map"),
            11
        );
    }

    #[pg_test]
    fn views_answer_for_a_scored_store() {
        let s = new_store("views");
        order(s, "a1", "a", 1, "100", "completed");
        order(s, "b1", "b", 9, "50", "completed");
        order(s, "b2", "b", 19, "50", "completed");
        refresh(Some(s));
        // Recency and churn risk count from now(): only their ranges are known.
        // n = 2: a (1 day, 1 order, 100) = 311, b (9 days, 2 orders, 100) = 131.
        assert_eq!(
            rows(&format!(
                "SELECT customer_id, rfm_code, recency_days >= 0 AS recency_not_negative,
                        churn_risk BETWEEN 0 AND 100 AS churn_risk_0_to_100,
                        scored_at IS NOT NULL AS scored,
                        rfm_code = r_score::text || f_score || m_score AS code_of_its_scores
                   FROM storesync.customer_rfm WHERE store_id = {s} ORDER BY customer_id"
            )),
            json!([
                {"customer_id": "a", "rfm_code": "311", "recency_not_negative": true,
                 "churn_risk_0_to_100": true, "scored": true, "code_of_its_scores": true},
                {"customer_id": "b", "rfm_code": "131", "recency_not_negative": true,
                 "churn_risk_0_to_100": true, "scored": true, "code_of_its_scores": true}
            ])
        );
        assert_eq!(
            row(&format!(
                "SELECT sum(customers)::text AS customers, sum(customer_share)::text AS customer_share,
                        sum(revenue)::text AS revenue, sum(revenue_share)::text AS revenue_share
                   FROM storesync.segment_summary WHERE store_id = {s}"
            )),
            json!({"customers": "2", "customer_share": "100.00", "revenue": "200",
                   "revenue_share": "100.00"})
        );
    }
}
