//! The inbox retention timer: when `--prune-events-older-than` is set, at start and then every
//! `--prune-interval`, removes the inbox rows received longer ago than that with
//! `storesync.prune_events`, one bounded batch per statement (each its own transaction, so no
//! lock is held long) until a batch comes back short. Failed events are kept. A failed run is
//! logged and retried at the next tick; it never stops the worker. The task ends when the
//! shutdown signal fires, after the batch in progress.

use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{interval, MissedTickBehavior};

/// Most inbox rows one statement removes.
pub const BATCH_SIZE: i32 = 5000;

/// One batch: the rows removed, failed events kept.
pub const PRUNE_SQL: &str = "SELECT coalesce(sum(events), 0)::bigint
                               FROM storesync.prune_events(make_interval(secs => $1), false, $2)";

/// Starts the timer, or returns `None` when `older_than` is `None` (pruning off). The first
/// run starts at once, so a worker restarted more often than `every` still prunes. Send `true`
/// on `stop` (or drop its sender) to end it.
pub fn spawn(
    pool: Pool,
    older_than: Option<Duration>,
    every: Duration,
    db_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let Some(older_than) = older_than else {
        tracing::info!("inbox pruning off (no --prune-events-older-than)");
        return None;
    };
    tracing::info!(
        older_than_s = older_than.as_secs_f64(),
        every_s = every.as_secs_f64(),
        "inbox pruning on"
    );
    Some(tokio::spawn(async move {
        let mut ticks = interval(every);
        // A run longer than the interval delays the next one; ticks do not pile up.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // The batches look at the signal between statements.
        let between_batches = stop.clone();
        loop {
            // Ends on `true`, or when the sender is gone; a stop wins over a due tick.
            tokio::select! {
                biased;
                () = async { drop(stop.wait_for(|stopped| *stopped).await) } => break,
                _ = ticks.tick() => prune_once(&pool, older_than, db_timeout, &between_batches).await,
            };
        }
        tracing::debug!("inbox pruning timer stopped");
    }))
}

/// Removes every inbox row older than `older_than` (failed ones kept), batch by batch, until a
/// batch is short or `stop` turns true. Returns the rows removed, or `None` if the run failed
/// (what was removed before the failure stays removed). Logs the outcome and the duration.
pub async fn prune_once(
    pool: &Pool,
    older_than: Duration,
    db_timeout: Duration,
    stop: &watch::Receiver<bool>,
) -> Option<u64> {
    let started = Instant::now();
    let client = match crate::db::connection(pool, db_timeout).await {
        Ok(client) => client,
        Err(_) => {
            // `connection` has logged why; the next tick tries again.
            tracing::warn!("inbox pruning skipped: no database connection");
            metrics::counter!("storesync_prune_runs_total", "outcome" => "error").increment(1);
            return None;
        }
    };
    let seconds = older_than.as_secs_f64();
    let (mut removed, mut batches) = (0u64, 0u32);
    loop {
        let batch = match client.query_one(PRUNE_SQL, &[&seconds, &BATCH_SIZE]).await {
            Ok(row) => u64::try_from(row.get::<_, i64>(0)).unwrap_or(0),
            Err(err) => {
                // SECURITY: SQLSTATE and message only (see db::log_db_error).
                let db = err.as_db_error();
                tracing::error!(
                    sqlstate = db.map(|d| d.code().code()),
                    message = db.map_or_else(|| err.to_string(), |d| d.message().to_string()),
                    removed,
                    seconds = started.elapsed().as_secs_f64(),
                    "inbox pruning failed; retrying at the next tick"
                );
                metrics::counter!("storesync_prune_runs_total", "outcome" => "error").increment(1);
                return None;
            }
        };
        removed += batch;
        batches += 1;
        metrics::counter!("storesync_events_pruned_total").increment(batch);
        if batch < BATCH_SIZE as u64 || *stop.borrow() {
            break;
        }
    }
    tracing::info!(
        removed,
        batches,
        seconds = started.elapsed().as_secs_f64(),
        "inbox pruned"
    );
    metrics::counter!("storesync_prune_runs_total", "outcome" => "ok").increment(1);
    Some(removed)
}

/// Waits up to `grace` for the timer to finish the batch in progress, then abandons it (the
/// batch rolls back; nothing is lost).
pub async fn finish(timer: Option<JoinHandle<()>>, grace: Duration) {
    if let Some(mut timer) = timer {
        if tokio::time::timeout(grace, &mut timer).await.is_err() {
            tracing::warn!("inbox pruning still running at shutdown; abandoned (rolled back)");
            timer.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool whose every connect fails at once (nothing listens on port 1).
    fn refused_pool() -> Pool {
        let mut config = tokio_postgres::Config::new();
        config.host("127.0.0.1").port(1).user("nobody");
        crate::db::pool(config, 1, Duration::from_millis(200)).unwrap()
    }

    #[tokio::test]
    async fn no_age_turns_pruning_off() {
        let (_tx, rx) = watch::channel(false);
        let timer = spawn(
            refused_pool(),
            None,
            Duration::from_secs(3600),
            Duration::from_millis(200),
            rx,
        );
        assert!(timer.is_none());
    }

    #[tokio::test]
    async fn a_failed_run_is_reported_not_raised() {
        let (_tx, rx) = watch::channel(false);
        let day = Duration::from_secs(86_400);
        let run = prune_once(&refused_pool(), day, Duration::from_millis(200), &rx).await;
        assert_eq!(run, None);
    }

    #[tokio::test]
    async fn the_timer_survives_failures_and_stops_on_request() {
        let (tx, rx) = watch::channel(false);
        let day = Some(Duration::from_secs(86_400));
        let every = Duration::from_millis(10);
        let timer = spawn(refused_pool(), day, every, Duration::from_millis(5), rx).expect("on");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!timer.is_finished());
        tx.send(true).unwrap();
        let stopped = tokio::time::timeout(Duration::from_secs(5), timer).await;
        stopped
            .expect("stops after the signal")
            .expect("did not panic");
    }
}
