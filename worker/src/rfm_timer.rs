//! The RFM refresh timer: every `--rfm-refresh-interval`, `CALL storesync.refresh_rfm()` on a
//! pooled connection. A failed refresh is logged and retried at the next tick; it never stops
//! the worker. The task ends when the shutdown signal fires.

use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{interval_at, MissedTickBehavior};

/// The statement each tick runs: every store, as of now.
pub const REFRESH_SQL: &str = "CALL storesync.refresh_rfm()";

/// Starts the timer, or returns `None` when `every` is zero (turned off). The first refresh
/// runs one interval after start. Send `true` on `stop` (or drop its sender) to end it; a
/// refresh in progress is finished first.
pub fn spawn(
    pool: Pool,
    every: Duration,
    db_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    if every.is_zero() {
        tracing::info!("RFM refresh timer off (--rfm-refresh-interval 0)");
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = interval_at(tokio::time::Instant::now() + every, every);
        // A refresh longer than the interval delays the next one; ticks do not pile up.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.changed() => break,
            }
            if *stop.borrow() {
                break;
            }
            refresh_once(&pool, db_timeout).await;
        }
        tracing::debug!("RFM refresh timer stopped");
    }))
}

/// Runs one refresh; true if it succeeded. Logs the outcome and the duration.
pub async fn refresh_once(pool: &Pool, db_timeout: Duration) -> bool {
    let started = Instant::now();
    let client = match crate::db::connection(pool, db_timeout).await {
        Ok(client) => client,
        Err(_) => {
            // `connection` has logged why; the next tick tries again.
            tracing::warn!("RFM refresh skipped: no database connection");
            metrics::counter!("storesync_rfm_refreshes_total", "outcome" => "error").increment(1);
            return false;
        }
    };
    let refreshed = client.batch_execute(REFRESH_SQL).await;
    match refreshed {
        Ok(()) => {
            let seconds = started.elapsed().as_secs_f64();
            tracing::info!(seconds, "RFM refresh done");
            metrics::counter!("storesync_rfm_refreshes_total", "outcome" => "ok").increment(1);
            metrics::histogram!("storesync_rfm_refresh_seconds").record(seconds);
            true
        }
        Err(err) => {
            // SECURITY: SQLSTATE and message only (see db::log_db_error).
            let db = err.as_db_error();
            tracing::error!(
                sqlstate = db.map(|d| d.code().code()),
                message = db.map_or_else(|| err.to_string(), |d| d.message().to_string()),
                seconds = started.elapsed().as_secs_f64(),
                "RFM refresh failed; retrying at the next tick"
            );
            // A session that can no longer run storesync's functions is not reused.
            crate::db::retire_if_broken(client, &err);
            metrics::counter!("storesync_rfm_refreshes_total", "outcome" => "error").increment(1);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable_pool() -> Pool {
        // Port 1 on localhost: nothing listens, every connect fails at once.
        let config: tokio_postgres::Config = "host=127.0.0.1 port=1 user=nobody dbname=none"
            .parse()
            .unwrap();
        crate::db::pool(config, 1, Duration::from_millis(200)).unwrap()
    }

    #[tokio::test]
    async fn zero_interval_turns_the_timer_off() {
        let (_tx, rx) = watch::channel(false);
        assert!(spawn(
            unreachable_pool(),
            Duration::ZERO,
            Duration::from_millis(200),
            rx
        )
        .is_none());
    }

    #[tokio::test]
    async fn a_failed_refresh_is_reported_not_raised() {
        assert!(!refresh_once(&unreachable_pool(), Duration::from_millis(200)).await);
    }

    #[tokio::test]
    async fn the_timer_keeps_ticking_after_failures_and_stops_on_request() {
        let (tx, rx) = watch::channel(false);
        let handle = spawn(
            unreachable_pool(),
            Duration::from_millis(10),
            Duration::from_millis(5),
            rx,
        )
        .expect("timer on");
        // Several intervals pass with every refresh failing: the task is still running.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!handle.is_finished());
        tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), handle)
            .await
            .expect("stops after the signal")
            .expect("did not panic");
    }
}
