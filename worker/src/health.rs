//! Liveness (`/healthz`) and readiness (`/readyz`) probes.

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use crate::{db, error::ApiError, AppState};

/// The installed extension's version, if any. `pg_extension` is readable by every role.
const EXTENSION_VERSION: &str = "SELECT extversion FROM pg_extension WHERE extname = 'storesync'";

/// The source name `/readyz` ingests under. `create_source` admits only letters, digits,
/// `.`, `_` and `-`, so no source has this name: the call only looks the source up, writes
/// nothing, and answers `404 unknown_source`.
pub const PROBE_SOURCE: &str = "storesync-worker readiness probe";

/// Liveness: the process answers. Never touches the database, so a database outage does not
/// get the worker restarted.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers, has the storesync extension, and a pooled connection
/// runs `storesync.ingest` the way webhooks do (the same prepared statement, see
/// [`db::ingest`]) and gets its documented answer for an unknown source.
///
/// Both the connection and the queries are bounded by `--db-timeout`, so a down database is
/// reported, not waited for. A connection found broken is dropped, as for a webhook.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match probe(&state).await {
        Ok(version) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "extension_version": version })),
        ),
        Err(NotReady::DatabaseUnavailable) => {
            not_ready("database_unavailable", "the database cannot be reached")
        }
        Err(NotReady::ExtensionMissing) => not_ready(
            "extension_missing",
            "the storesync extension is not installed in this database",
        ),
        Err(NotReady::IngestFailing) => not_ready(
            "ingest_failing",
            "storesync.ingest does not answer as it should; see the worker's log",
        ),
    }
}

enum NotReady {
    DatabaseUnavailable,
    ExtensionMissing,
    IngestFailing,
}

fn not_ready(error: &str, message: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "not_ready", "error": error, "message": message })),
    )
}

/// The extension's version once the probe call answered as documented. Reasons are logged
/// where they happened.
async fn probe(state: &AppState) -> Result<String, NotReady> {
    let budget = state.limits.db_timeout;
    let client = db::connection(&state.pool, budget)
        .await
        .map_err(|_| NotReady::DatabaseUnavailable)?;
    let probe = async {
        let version = extension_version(&client).await?;
        let result = db::ingest(client, PROBE_SOURCE, &json!({}), &[])
            .await
            .map_err(|err| match err {
                ApiError::DatabaseUnavailable => NotReady::DatabaseUnavailable,
                _ => NotReady::IngestFailing,
            })?;
        if result["http_status"] == 404 && result["error"] == "unknown_source" {
            Ok(version)
        } else {
            tracing::error!(%result, "readiness probe: storesync.ingest answered an unknown source unexpectedly");
            Err(NotReady::IngestFailing)
        }
    };
    tokio::time::timeout(budget, probe)
        .await
        .unwrap_or_else(|_| {
            tracing::warn!("readiness query timed out");
            Err(NotReady::DatabaseUnavailable)
        })
}

async fn extension_version(client: &deadpool_postgres::Object) -> Result<String, NotReady> {
    let query = async {
        let statement = client.prepare_cached(EXTENSION_VERSION).await?;
        client.query_opt(&statement, &[]).await
    };
    match query.await {
        Ok(Some(row)) => row.try_get::<_, String>(0).map_err(|err| {
            tracing::warn!(error = %err, "readiness query");
            NotReady::DatabaseUnavailable
        }),
        Ok(None) => Err(NotReady::ExtensionMissing),
        Err(err) => {
            tracing::warn!(error = %err, "readiness query failed");
            Err(NotReady::DatabaseUnavailable)
        }
    }
}
