//! The connection pool, and how database failures become HTTP answers.

use std::time::Duration;

use deadpool_postgres::{
    BuildError, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use serde_json::Value;
use tokio_postgres::NoTls;

use crate::error::ApiError;

/// The one statement a webhook runs, and `/readyz` with it. The explicit casts fix the
/// parameter types, so the prepared statement does not depend on how the function is
/// overloaded.
pub const INGEST: &str = "SELECT storesync.ingest($1::text, $2::jsonb, $3::bytea)";

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

/// Runs [`INGEST`] on `client`: the result object (`Null` for SQL NULL), or the answer to
/// give when the call failed. A connection whose backend [`is_broken_backend`] is taken out
/// of the pool on the way, so the next request gets a fresh backend.
///
/// The statement runs in autocommit, and tokio-postgres returns only after the server's
/// ReadyForQuery, i.e. after the commit: a result therefore means the event is stored.
pub async fn ingest(
    client: Object,
    source: &str,
    headers: &Value,
    body: &[u8],
) -> Result<Value, ApiError> {
    let call = async {
        let statement = client.prepare_cached(INGEST).await?;
        // SECURITY: everything from the request is a bound parameter, never part of the SQL.
        client
            .query_one(&statement, &[&source, headers, &body])
            .await
    };
    let row = match call.await {
        Ok(row) => row,
        Err(err) => return Err(failed(client, &err)),
    };
    let result: Option<Value> = row.try_get(0).map_err(|err| {
        tracing::error!(error = %err, "storesync.ingest did not return jsonb");
        ApiError::Internal("storesync.ingest returned an unexpected type")
    })?;
    Ok(result.unwrap_or(Value::Null))
}

/// The answer for a failed statement on `client`; see [`classify`]. A broken backend is 503
/// (nothing was processed, a retry on a fresh backend succeeds) and its connection is
/// dropped instead of going back to the pool.
pub fn failed(client: Object, err: &tokio_postgres::Error) -> ApiError {
    if retire_if_broken(client, err) {
        ApiError::DatabaseUnavailable
    } else {
        classify(err)
    }
}

/// Drops `client` for good, and returns true, when `err` says its backend is broken (see
/// [`is_broken_backend`]); otherwise `client` goes back to the pool as usual.
pub fn retire_if_broken(client: Object, err: &tokio_postgres::Error) -> bool {
    if !is_broken_backend(err) {
        return false;
    }
    let db = err.as_db_error();
    tracing::error!(
        sqlstate = db.map(|d| d.code().code()),
        message = db.map(|d| d.message()),
        "the database session can no longer run storesync's functions (the library was \
         overwritten under it?); closing that connection, the next request gets a new one"
    );
    // `take` detaches the client from the pool; dropping it closes the connection.
    drop(Object::take(client));
    true
}

/// True when `err` shows that the backend process itself is broken, not the request: the
/// error would repeat on every call in this session and not in a new one.
///
/// That is the signature of a shared library overwritten in place while the backend has it
/// mapped (the backend then executes another build's bytes):
/// - `XX000 unrecognized function API version: …`: the function's info record reads garbage
///   (PostgreSQL's untranslated `elog` text, so the match holds in every locale);
/// - `42883 could not find function information for function …` and `42883 could not find
///   function … in file …`: a first call looks its symbols up in the overwritten tables
///   (translated messages: matched in English only).
///
/// Connection-level failures (a backend that crashed, `57P01`–`57P03`) are not included:
/// they close the client, which the pool's recycle check drops already.
pub fn is_broken_backend(err: &tokio_postgres::Error) -> bool {
    err.as_db_error()
        .is_some_and(|db| broken_backend_error(db.code().code(), db.message()))
}

fn broken_backend_error(sqlstate: &str, message: &str) -> bool {
    match sqlstate {
        "XX000" => message.starts_with("unrecognized function API version"),
        "42883" => {
            message.starts_with("could not find function information for function")
                || (message.starts_with("could not find function ")
                    && message.contains(" in file "))
        }
        _ => false,
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

#[cfg(test)]
mod tests {
    use super::broken_backend_error;

    #[test]
    fn a_library_overwritten_under_the_backend_is_a_broken_backend() {
        for (code, message) in [
            ("XX000", "unrecognized function API version: 0"),
            ("XX000", "unrecognized function API version: 1852142592"),
            (
                "42883",
                "could not find function information for function \"ingest_wrapper\"",
            ),
            (
                "42883",
                "could not find function \"ingest_wrapper\" in file \"/usr/lib/postgresql/15/lib/storesync.so\"",
            ),
        ] {
            assert!(broken_backend_error(code, message), "{code} {message}");
        }
    }

    #[test]
    fn other_errors_are_not_a_broken_backend() {
        for (code, message) in [
            // A panic or bug inside the extension: the payload's doing, not the session's.
            (
                "XX000",
                "storesync.ingest failed (SQLSTATE XX000); the reason is withheld",
            ),
            // The extension is not installed in this database: a new session fails the same.
            (
                "42883",
                "function storesync.ingest(text, jsonb, bytea) does not exist",
            ),
            ("22021", "invalid byte sequence for encoding \"UTF8\": 0x00"),
            (
                "57P01",
                "terminating connection due to administrator command",
            ),
            ("08006", "unrecognized function API version: 0"),
        ] {
            assert!(!broken_backend_error(code, message), "{code} {message}");
        }
    }
}
