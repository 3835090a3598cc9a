//! `storesync-worker serve`: bind, announce, serve until a shutdown signal.

use std::io::{self, Write};

use tokio::net::TcpListener;

use std::time::Duration;

use crate::{app, config::ServeArgs, db, listen, metrics, rfm_timer, AppState};

/// How long shutdown waits for a refresh in progress.
const TIMER_GRACE: Duration = Duration::from_secs(10);

/// Why the server could not start or stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// `DATABASE_URL` does not parse.
    #[error(transparent)]
    DatabaseUrl(#[from] crate::config::InvalidDatabaseUrl),
    /// The pool settings are invalid.
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] deadpool_postgres::BuildError),
    /// The listen address cannot be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The `--listen` value.
        address: String,
        /// The bind error.
        source: io::Error,
    },
    /// Serving failed, or the "listening on" line could not be written.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Runs the worker until SIGTERM or Ctrl-C, then lets in-flight requests finish.
pub async fn run(args: ServeArgs) -> Result<(), ServeError> {
    let limits = args.limits();
    let pool = db::pool(args.database_config()?, args.pool_size, limits.db_timeout)?;
    // SECURITY: the database URL is not logged: it may hold a password.
    tracing::info!(
        listen = %args.listen,
        pool_size = args.pool_size,
        body_limit = limits.body_limit,
        request_timeout_s = limits.request_timeout.as_secs(),
        db_timeout_ms = limits.db_timeout.as_millis(),
        max_in_flight = limits.max_in_flight,
        max_connections = args.max_connections,
        rfm_refresh_interval_s = args.rfm_refresh_interval.as_secs_f64(),
        "starting"
    );

    let listener = TcpListener::bind(&args.listen)
        .await
        .map_err(|source| ServeError::Bind {
            address: args.listen.clone(),
            source,
        })?;
    let address = listener.local_addr()?;
    // Tests and scripts read the port from this exact line: keep its format.
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "storesync-worker listening on http://{address}")?;
    stdout.flush()?;
    drop(stdout);

    let upkeep = metrics::spawn_upkeep();
    let (stop_timer, timer_stop) = tokio::sync::watch::channel(false);
    let prune = crate::prune_timer::spawn(
        pool.clone(),
        args.prune_events_older_than,
        args.prune_interval,
        limits.db_timeout,
        timer_stop.clone(),
    );
    let timer = rfm_timer::spawn(
        pool.clone(),
        args.rfm_refresh_interval,
        limits.db_timeout,
        timer_stop,
    );
    let state = AppState {
        pool: pool.clone(),
        limits,
    };
    listen::serve(
        listener,
        app(state),
        args.connection_limits(),
        shutdown_signal(),
    )
    .await;
    upkeep.abort();
    // A refresh in progress may finish (it is one transaction: stopping it loses nothing).
    let _ = stop_timer.send(true);
    if let Some(mut timer) = timer {
        if tokio::time::timeout(TIMER_GRACE, &mut timer).await.is_err() {
            tracing::warn!("RFM refresh still running at shutdown; abandoned (rolled back)");
            timer.abort();
        }
    }
    crate::prune_timer::finish(prune, TIMER_GRACE).await;
    pool.close();
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            // Without the handler, wait for SIGTERM alone rather than stopping at once.
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
