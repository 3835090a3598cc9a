//! The connection pool, and how database failures become HTTP answers.

use std::time::Duration;

use deadpool_postgres::{
    BuildError, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::NoTls;

use crate::error::ApiError;

/// Builds the pool. No connection is opened here: the worker starts even while the database
/// is down, and `/readyz` says so.
///
/// `timeout` bounds the wait for a free slot, each connect and each recycle check, so a down
/// database costs a request about that long, not a hang.
pub fn pool(
    mut config: tokio_postgres::Config,
    max_size: usize,
    timeout: Duration,
) -> Result<Pool, BuildError> {
    // An explicit `connect_timeout` in DATABASE_URL wins; the pool's create timeout still caps it.
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(timeout);
    }
    if config.get_application_name().is_none() {
        config.application_name("storesync-worker");
    }
    // Fast recycling checks `Client::is_closed()`, which is true once the connection task has
    // seen the socket close, e.g. after a server restart; such clients are dropped and the
    // next `get` connects afresh, so the pool recovers by itself without a `SELECT 1` per
    // request. A break the client has not yet seen fails that one query (connection error:
    // 503), which closes the client, and the next recycle drops it.
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .recycle_timeout(Some(timeout))
        .build()
}

/// Takes a connection from the pool within `budget`, or answers 503.
///
/// The pool's own timeouts apply to each step; this overall deadline keeps "wait for a slot,
/// then connect" from adding up to twice the budget.
pub async fn connection(pool: &Pool, budget: Duration) -> Result<Object, ApiError> {
    match tokio::time::timeout(budget, pool.get()).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(err)) => {
            // Also covers a refused login or a missing database: nothing was processed, so
            // the sender should retry once the operator has fixed it.
            match &err {
                PoolError::Backend(pg) if pg.as_db_error().is_some() => log_db_error(pg),
                _ => tracing::warn!(error = %causes(&err), "no database connection"),
            }
            Err(ApiError::DatabaseUnavailable)
        }
        Err(_) => {
            tracing::warn!(
                budget_ms = budget.as_millis(),
                "no database connection in time"
            );
            Err(ApiError::DatabaseUnavailable)
        }
    }
}

/// Maps an error from a statement to the answer the sender should get.
///
/// Errors without a server `DbError` come from the connection (closed, reset, I/O): 503.
/// Server errors are 503 when retrying can help (see [`is_transient`]), else 500.
pub fn classify(err: &tokio_postgres::Error) -> ApiError {
    let Some(db) = err.as_db_error() else {
        tracing::warn!(error = %causes(err), "database connection failed during the statement");
        return ApiError::DatabaseUnavailable;
    };
    log_db_error(err);
    if is_transient(db.code().code()) {
        ApiError::DatabaseUnavailable
    } else {
        ApiError::Internal("the database failed to handle the request")
    }
}

/// Logs a server error by SQLSTATE and message: warn when transient, error otherwise.
// SECURITY: the extension guarantees its messages hold no secrets; DETAIL is left out
// because PostgreSQL quotes row values there.
fn log_db_error(err: &tokio_postgres::Error) {
    let Some(db) = err.as_db_error() else { return };
    let sqlstate = db.code().code();
    if is_transient(sqlstate) {
        tracing::warn!(sqlstate, message = db.message(), "transient database error");
    } else {
        tracing::error!(sqlstate, message = db.message(), "database error");
    }
}

/// An error with its causes (`error connecting to server: Connection refused`), for errors
/// that carry no `DbError`: tokio-postgres's own `Display` stops at the first line.
fn causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // deadpool's `Display` already includes its cause's.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Which SQLSTATEs are worth a retry (503) rather than a bug or a bad request (500): one
/// definition, shared with the extension, tested in `storesync-core`.
pub use storesync_core::sqlstate::is_transient;
