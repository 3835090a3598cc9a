//! The webhook job: `POST /webhooks/{source}`, raw request in, one `storesync.ingest` call,
//! its answer out. [`body`] reads the body within its limits, [`headers`] passes the request
//! headers on as JSON, [`outcome`] turns the function's result into the HTTP answer.

pub mod body;
pub mod headers;
pub mod outcome;

use axum::{
    extract::{rejection::PathRejection, Path, Request, State},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::Value;

use crate::{db, error::ApiError, AppState};
use headers::header_object;

/// The one statement the worker runs. The explicit casts fix the parameter types, so the
/// prepared statement does not depend on how the function is overloaded.
const INGEST: &str = "SELECT storesync.ingest($1::text, $2::jsonb, $3::bytea)";

/// Hands the source name, the headers and the untouched body to `storesync.ingest` and
/// answers with the HTTP status it chose (see [`outcome::to_http`]).
///
/// The statement runs in autocommit, and tokio-postgres returns only after the server's
/// ReadyForQuery, i.e. after the commit: a 2xx answer therefore means the event is stored.
pub async fn receive(
    State(state): State<AppState>,
    source: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let Path(source) =
        source.map_err(|_| ApiError::BadRequest("the webhook source in the path is not valid"))?;
    let headers = header_object(request.headers());
    let body =
        body::read_limited(request, state.limits.body_limit, state.limits.body_timeout).await?;

    let client = db::connection(&state.pool, state.limits.db_timeout).await?;
    let statement = client
        .prepare_cached(INGEST)
        .await
        .map_err(|err| db::classify(&err))?;
    // SECURITY: everything from the request is a bound parameter, never part of the SQL text.
    let row = client
        .query_one(&statement, &[&source, &headers, &body.as_ref()])
        .await
        .map_err(|err| db::classify(&err))?;
    let result: Option<Value> = row.try_get(0).map_err(|err| {
        tracing::error!(error = %err, "storesync.ingest did not return jsonb");
        ApiError::Internal("storesync.ingest returned an unexpected type")
    })?;

    let (status, answer) = outcome::to_http(result.unwrap_or(Value::Null)).inspect_err(|err| {
        tracing::error!(error = %err, "storesync.ingest broke its result contract");
    })?;
    Ok((status, Json(answer)).into_response())
}
