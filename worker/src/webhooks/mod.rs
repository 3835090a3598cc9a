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

use crate::{db, error::ApiError, AppState};
use headers::header_object;

/// Hands the source name, the headers and the untouched body to `storesync.ingest` (see
/// [`db::ingest`]) and answers with the HTTP status it chose (see [`outcome::to_http`]).
pub async fn receive(
    State(state): State<AppState>,
    source: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<Response, ApiError> {
    let Path(source) = source.map_err(|_| invalid_source())?;
    // PostgreSQL text cannot hold a NUL byte, so no source is named so: the name is refused
    // here like one that is not UTF-8, instead of failing in the database.
    if source.contains('\0') {
        return Err(invalid_source());
    }
    let headers = header_object(request.headers());
    let body =
        body::read_limited(request, state.limits.body_limit, state.limits.body_timeout).await?;

    let client = db::connection(&state.pool, state.limits.db_timeout).await?;
    let result = db::ingest(client, &source, &headers, &body).await?;
    let (status, answer) = outcome::to_http(result).inspect_err(|err| {
        tracing::error!(error = %err, "storesync.ingest broke its result contract");
    })?;
    Ok((status, Json(answer)).into_response())
}

fn invalid_source() -> ApiError {
    ApiError::BadRequest("the webhook source in the path is not valid")
}
