//! RFM end to end: the worker's refresh timer scores customers that arrived as webhooks, and
//! every SQL example of the README's "Customer segments (RFM)" section runs against a
//! database with data.

use std::time::{Duration, Instant};

use storesync_tests::{salla_order as order, TestDb, Worker};
use tokio_postgres::SimpleQueryMessage;

const SOURCE: &str = "salla-rfm";
const SECRET: &str = "e2e-rfm-secret-7d1e";

async fn scored(db: &TestDb) -> i64 {
    db.client()
        .query_one(
            "SELECT count(*) FROM storesync.customer_rfm WHERE r_score IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn the_refresh_timer_scores_customers_from_webhooks() {
    let db = TestDb::new().await;
    db.create_source(SOURCE, "signature", SECRET).await;
    let worker = Worker::start_with(db.url(), &["--rfm-refresh-interval", "1s"]).await;
    for (id, customer, total) in [
        (1, 101, 50.0),
        (2, 102, 80.0),
        (3, 103, 20.0),
        (4, 101, 5.0),
    ] {
        worker
            .post_signed(SOURCE, SECRET, &order(id, customer, total))
            .await
            .expect_accepted("processed");
    }
    // Webhooks give figures at once; scores come with the first refresh, within a few ticks.
    let deadline = Instant::now() + Duration::from_secs(30);
    while scored(&db).await < 3 {
        assert!(
            Instant::now() < deadline,
            "no refresh within 30 s:\n{}",
            worker.logs().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let top = db
        .client()
        .query_one(
            "SELECT customer_id, frequency, f_score FROM storesync.customer_rfm
              ORDER BY frequency DESC, customer_id LIMIT 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(top.get::<_, String>(0), "101");
    assert_eq!(top.get::<_, i64>(1), 2);
    // Two of three customers have fewer orders: 1 + floor(5 * 2 / 3) = 4.
    assert_eq!(top.get::<_, i16>(2), 4);
    assert!(worker.logs().await.contains("RFM refresh done"));
}

/// A store with 300 customers and about 1,500 orders over 400 days, refreshed, then 40 new
/// orders that move customers between segments in real time.
const DATA: &str = "
INSERT INTO storesync.stores (platform, merchant_id) VALUES ('salla', 'readme');
INSERT INTO storesync.customers (store_id, customer_id, name, email, mobile, source_ts)
SELECT 1, 'c' || k, 'Customer ' || k, 'c' || k || '@example.com', '5' || lpad(k::text, 8, '0'), now()
  FROM generate_series(0, 299) AS k;
INSERT INTO storesync.orders (store_id, order_id, customer_id, status_slug, order_date, total,
                              currency, source_ts)
SELECT 1, 'o' || k || '-' || j, 'c' || k,
       CASE WHEN (k + j) % 11 = 0 THEN 'canceled' ELSE 'completed' END,
       now() - make_interval(days => (k * 13 + j * 17) % 400), 20 + (k * 31 + j * 7) % 500,
       'SAR', now()
  FROM generate_series(0, 299) AS k, generate_series(0, (k * 7) % 9) AS j;
CALL storesync.refresh_rfm();
INSERT INTO storesync.orders (store_id, order_id, customer_id, status_slug, order_date, total,
                              currency, source_ts)
SELECT 1, 'new' || k, 'c' || k, 'completed', now(), 900, 'SAR', now()
  FROM generate_series(0, 299, 7) AS k;
";

/// The fenced blocks of the README section, as (language, text).
fn readme_blocks() -> Vec<(String, String)> {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("## Customer segments (RFM)")
        .expect("README has the RFM section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in section.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some("")) => blocks.push(current.take().unwrap()),
            (Some((_, text)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

#[tokio::test]
async fn every_readme_rfm_query_runs_and_answers() {
    let blocks = readme_blocks();
    let sql: Vec<&String> = blocks
        .iter()
        .filter(|(lang, _)| lang == "sql")
        .map(|(_, text)| text)
        .collect();
    assert!(sql.len() >= 5, "only {} SQL examples", sql.len());
    // The pg_cron recipe is there (it needs pg_cron preloaded, so it is not run here).
    assert!(blocks.iter().any(|(lang, text)| lang == "ini"
        && text.contains("shared_preload_libraries = 'pg_cron'")
        && text.contains("cron.database_name")));
    assert!(blocks
        .iter()
        .any(|(_, text)| text.contains("cron.schedule") && text.contains("storesync.refresh_rfm")));

    let db = TestDb::new().await;
    db.client().batch_execute(DATA).await.unwrap();
    for query in sql {
        let messages = db
            .client()
            .simple_query(query)
            .await
            .unwrap_or_else(|e| panic!("{query}\nfailed: {}", storesync_tests::describe(&e)));
        let rows = messages
            .iter()
            .filter(|m| matches!(m, SimpleQueryMessage::Row(_)))
            .count();
        if query.contains("SELECT") && !query.contains("may return no rows") {
            assert!(rows > 0, "no rows from\n{query}");
        }
    }
}
