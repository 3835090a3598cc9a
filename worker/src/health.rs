//! Liveness (`/healthz`) and readiness (`/readyz`) probes.

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use crate::{db, AppState};

/// The installed extension's version, if any. `pg_extension` is readable by every role.
const EXTENSION_VERSION: &str = "SELECT extversion FROM pg_extension WHERE extname = 'storesync'";

/// Liveness: the process answers. Never touches the database, so a database outage does not
/// get the worker restarted.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers and has the storesync extension.
///
/// Both the connection and the query are bounded by `--db-timeout`, so a down database is
/// reported, not waited for.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match extension_version(&state).await {
        Ok(Some(version)) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "extension_version": version })),
        ),
        Ok(None) => not_ready(
            "extension_missing",
            "the storesync extension is not installed in this database",
        ),
        Err(()) => not_ready("database_unavailable", "the database cannot be reached"),
    }
}

fn not_ready(error: &str, message: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "not_ready", "error": error, "message": message })),
    )
}

/// `Err(())` when the database cannot be asked; the reason is logged where it happened.
async fn extension_version(state: &AppState) -> Result<Option<String>, ()> {
    let budget = state.limits.db_timeout;
    let client = db::connection(&state.pool, budget).await.map_err(|_| ())?;
    let query = async {
        let statement = client.prepare_cached(EXTENSION_VERSION).await?;
        client.query_opt(&statement, &[]).await
    };
    match tokio::time::timeout(budget, query).await {
        Ok(Ok(row)) => row
            .map(|row| row.try_get::<_, String>(0))
            .transpose()
            .map_err(|err| tracing::warn!(error = %err, "readiness query")),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness query failed");
            Err(())
        }
        Err(_) => {
            tracing::warn!("readiness query timed out");
            Err(())
        }
    }
}
