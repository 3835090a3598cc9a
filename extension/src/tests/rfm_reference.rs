//! RFM against an independent reference: random stores (seeded, many ties) built by a random
//! stream of order inserts, status changes, customer changes, total changes, drafts, soft and
//! hard deletes — single and multi-row statements — then the scores of a refresh compared with
//! scores computed here, in Rust, straight from the definitions over the raw order rows.

#[pgrx::pg_schema]
mod tests {
    use std::collections::BTreeMap;

    use pgrx::prelude::*;
    use serde_json::{json, Value};

    use crate::tests::rfm_support::*;
    use crate::tests::support::*;

    const STATUSES: [&str; 8] = [
        "completed",
        "completed",
        "delivered",
        "under_review",
        "canceled",
        "payment_pending",
        "restored",
        "restoring",
    ];
    const EXCLUDED: [&str; 4] = ["payment_pending", "canceled", "restored", "restoring"];
    const TOTALS: [&str; 5] = ["10", "20", "20", "35.50", "100"];

    /// Applies `steps` random changes to the orders of `stores`.
    /// `next_order`: the number of the next new order (ids stay unique across calls).
    fn random_history(rng: &mut Rng, stores: &[i64], steps: usize, next_order: &mut usize) {
        for _ in 0..steps {
            let store = stores[rng.below(stores.len())];
            let customer = format!("c{}", rng.below(25));
            let existing = format!("o{}", rng.below((*next_order).max(1)));
            let sql = match rng.below(100) {
                0..=54 => {
                    *next_order += 1;
                    // Few distinct days and totals: ties everywhere.
                    order(
                        store,
                        &format!("o{}", *next_order - 1),
                        &customer,
                        rng.below(12) as i64 * 3,
                        TOTALS[rng.below(TOTALS.len())],
                        STATUSES[rng.below(STATUSES.len())],
                    );
                    continue;
                }
                55..=69 => format!(
                    "UPDATE storesync.orders SET status_slug = '{}' WHERE store_id = {store} AND order_id = '{existing}'",
                    STATUSES[rng.below(STATUSES.len())]
                ),
                70..=76 => format!(
                    "UPDATE storesync.orders SET customer_id = '{customer}' WHERE store_id = {store} AND order_id = '{existing}'"
                ),
                77..=82 => format!(
                    "UPDATE storesync.orders SET total = {} WHERE store_id = {store} AND order_id = '{existing}'",
                    TOTALS[rng.below(TOTALS.len())]
                ),
                83..=85 => format!(
                    "UPDATE storesync.orders SET draft = NOT draft WHERE store_id = {store} AND order_id = '{existing}'"
                ),
                86..=89 => format!(
                    "UPDATE storesync.orders SET deleted_at = CASE WHEN deleted_at IS NULL THEN now() END
                      WHERE store_id = {store} AND order_id = '{existing}'"
                ),
                90..=93 => format!(
                    "DELETE FROM storesync.orders WHERE store_id = {store} AND order_id = '{existing}'"
                ),
                // Many rows and customers in one statement.
                94..=96 => format!(
                    "UPDATE storesync.orders SET status_slug = CASE WHEN status_slug = 'canceled'
                                                                   THEN 'completed' ELSE 'canceled' END
                      WHERE store_id = {store} AND order_id LIKE 'o%{}'",
                    rng.below(10)
                ),
                _ => format!(
                    "UPDATE storesync.orders SET order_date = order_date - interval '2 days'
                      WHERE store_id = {store} AND customer_id IN ('{customer}', 'c{}')",
                    rng.below(25)
                ),
            };
            Spi::run(&sql).unwrap();
        }
    }

    /// `1,2,3`: store ids for an `IN (…)` list.
    fn id_list(stores: &[i64]) -> String {
        stores
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Scores straight from the definitions: (store, customer) -> "code frequency monetary".
    fn reference(stores: &[i64]) -> BTreeMap<(i64, String), String> {
        let list = id_list(stores);
        let rows = jsonb(&format!(
            "SELECT coalesce(jsonb_agg(jsonb_build_array(store_id, customer_id, status_slug, draft,
                                                         deleted_at IS NULL,
                                                         extract(epoch FROM order_date)::float8,
                                                         (total * 100)::bigint)), '[]')
               FROM storesync.orders WHERE store_id IN ({list})"
        ));
        let as_of = Spi::get_one::<f64>(&format!(
            "SELECT extract(epoch FROM '{AS_OF}'::timestamptz)::float8"
        ))
        .unwrap()
        .unwrap();
        // (store, customer) -> (latest order time, count, cents)
        let mut figures: BTreeMap<(i64, String), (f64, i64, i64)> = BTreeMap::new();
        for r in rows.as_array().unwrap() {
            let counted = r[1].is_string()
                && !r[3].as_bool().unwrap()
                && r[4].as_bool().unwrap()
                && r[5].is_number()
                && !matches!(&r[2], Value::String(s) if EXCLUDED.contains(&s.as_str()));
            if !counted {
                continue;
            }
            let key = (r[0].as_i64().unwrap(), r[1].as_str().unwrap().to_string());
            let at = r[5].as_f64().unwrap();
            let e = figures.entry(key).or_insert((f64::MIN, 0, 0));
            e.0 = e.0.max(at);
            e.1 += 1;
            e.2 += r[6].as_i64().unwrap();
        }
        let mut out = BTreeMap::new();
        for &store in stores {
            let mine: Vec<(&String, i64, i64, i64)> = figures
                .iter()
                .filter(|((s, _), _)| *s == store)
                .map(|((_, c), (at, f, m))| (c, ((as_of - at) / 86400.0).floor() as i64, *f, *m))
                .collect();
            let n = mine.len() as i64;
            for (c, d, f, m) in &mine {
                let larger_d = mine.iter().filter(|x| x.1 > *d).count() as i64;
                let smaller_f = mine.iter().filter(|x| x.2 < *f).count() as i64;
                let smaller_m = mine.iter().filter(|x| x.3 < *m).count() as i64;
                let score = |k: i64| 1 + (5 * k) / n;
                out.insert(
                    (store, (*c).clone()),
                    format!(
                        "{}{}{} {f} {}",
                        score(larger_d),
                        score(smaller_f),
                        score(smaller_m),
                        *m as f64 / 100.0
                    ),
                );
            }
        }
        out
    }

    fn scored(stores: &[i64]) -> BTreeMap<(i64, String), String> {
        let list = id_list(stores);
        let rows = jsonb(&format!(
            "SELECT coalesce(jsonb_agg(jsonb_build_array(store_id, customer_id,
                        rfm_code || ' ' || frequency || ' ' || (monetary::float8)::text)), '[]')
               FROM storesync.rfm_customers WHERE store_id IN ({list})"
        ));
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    (r[0].as_i64().unwrap(), r[1].as_str().unwrap().to_string()),
                    r[2].as_str().unwrap_or("unscored").to_string(),
                )
            })
            .collect()
    }

    fn assert_same(stores: &[i64], when: &str) {
        let expected = reference(stores);
        let got = scored(stores);
        assert!(
            expected.len() > 20,
            "too few scored customers to compare: {}",
            expected.len()
        );
        for (key, want) in &expected {
            assert_eq!(got.get(key), Some(want), "{when}: {key:?}");
        }
        assert_eq!(got.len(), expected.len(), "{when}: extra scored customers");
    }

    #[pg_test]
    fn refresh_equals_an_independent_reference_on_random_stores() {
        for seed in [1u64, 7, 2024] {
            let mut rng = Rng(seed);
            let stores: Vec<i64> = (0..3)
                .map(|i| new_store(&format!("ref-{seed}-{i}")))
                .collect();
            // Cut points from an early state, so real-time rescoring runs during the history.
            let mut next_order = 0;
            random_history(&mut rng, &stores, 60, &mut next_order);
            refresh(None);
            random_history(&mut rng, &stores, 340, &mut next_order);
            // The figures the triggers kept, ranked by the usual refresh.
            refresh(None);
            assert_same(&stores, &format!("seed {seed}, refresh"));
            // The same from a recount of every order.
            recount(Some(stores[0]));
            recount(None);
            assert_same(&stores, &format!("seed {seed}, recount"));
            // Segments follow the shipped map.
            assert_eq!(
                rows(&format!(
                    "SELECT rc.store_id, rc.customer_id, rfm_code, rc.segment, m.segment AS map_segment
                       FROM storesync.rfm_customers rc
                       JOIN storesync.rfm_segment_map m USING (rfm_code)
                      WHERE rc.store_id IN ({}) AND rc.segment IS DISTINCT FROM m.segment
                      ORDER BY rc.store_id, rc.customer_id",
                    id_list(&stores)
                )),
                json!([]),
                "seed {seed}: customers off the map"
            );
        }
    }

    #[pg_test]
    fn between_refreshes_a_value_the_refresh_saw_gets_its_exact_score() {
        let mut rng = Rng(99);
        let stores: Vec<i64> = (0..2).map(|i| new_store(&format!("rt-{i}"))).collect();
        random_history(&mut rng, &stores, 300, &mut 0);
        refresh(None);
        let before = reference(&stores);
        // A new customer copies the orders of an existing one, in real time: same figures, so
        // the refresh's exact score (the customer's own rank changes nobody's cut points).
        let (store, model) = before.keys().next().unwrap().clone();
        Spi::run(&format!(
            "INSERT INTO storesync.orders (store_id, order_id, customer_id, status_slug, order_date,
                                           total, currency, draft, deleted_at, source_ts)
             SELECT store_id, 'copy-' || order_id, 'copy', status_slug, order_date, total, currency,
                    draft, deleted_at, source_ts
               FROM storesync.orders WHERE store_id = {store} AND customer_id = '{model}'"
        ))
        .unwrap();
        let code = |c: &str| code_of(store, c);
        assert_eq!(code("copy"), code(&model));
        assert_eq!(before[&(store, model.clone())][..3], code(&model));
    }
}
