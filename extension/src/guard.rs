//! Containing errors: what a failure inside `storesync.ingest` may say, and how a payload that
//! breaks a typed write becomes a `failed` event instead of a failed delivery.
//!
//! SECURITY: PostgreSQL quotes row values in its messages and DETAIL lines (`Key (…)=(…)
//! already exists`, `invalid input syntax for type numeric: "…"`). An error leaving `ingest`
//! keeps its SQLSTATE, so clients can still tell a retryable failure from a bug, but carries
//! only a fixed message: never a payload value, a header or a secret.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys;
use pgrx::pg_sys::panic::{CaughtError, ErrorReport};
use pgrx::prelude::*;
use storesync_core::sqlstate::is_transient;

/// The five-character SQLSTATE of an error code, e.g. `23505`.
pub fn sqlstate(code: PgSqlErrorCode) -> String {
    let packed = code as i32;
    (0..5)
        .map(|i| char::from((((packed >> (6 * i)) & 0x3F) as u8) + b'0'))
        .collect()
}

/// The text an error carries once it leaves `what`: transient conditions keep PostgreSQL's
/// message (it names no value: "deadlock detected", "canceling statement due to statement
/// timeout"); everything else gets a fixed text with the SQLSTATE.
fn sanitized_message(what: &str, code: &str, message: &str) -> String {
    if is_transient(code) {
        format!("{what}: {message}")
    } else {
        format!("{what} failed (SQLSTATE {code}); the reason is withheld because it may quote the delivery")
    }
}

/// Runs `f`; an error it raises is re-raised with the same SQLSTATE, a message from
/// [`sanitized_message`] and no DETAIL or HINT. A Rust panic becomes `XX000`.
pub fn sanitize_errors<R>(what: &'static str, f: impl FnOnce() -> R) -> R {
    PgTryBuilder::new(AssertUnwindSafe(f))
        .catch_others(|caught| {
            let (code, message) = match &caught {
                CaughtError::PostgresError(e) | CaughtError::ErrorReport(e) => {
                    (e.sql_error_code(), e.message().to_string())
                }
                CaughtError::RustPanic { .. } => {
                    (PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, String::new())
                }
            };
            let text = sanitized_message(what, &sqlstate(code), &message);
            ErrorReport::new(code, text, what).report(PgLogLevel::ERROR);
            unreachable!("an ERROR report does not return")
        })
        .execute()
}

/// Runs `f` in a subtransaction. If it raises an error whose SQLSTATE says the data is at
/// fault — neither [`is_transient`] nor an internal error (class XX), which blame the database
/// or the code, not the payload — everything `f` wrote is rolled back and the SQLSTATE is
/// returned; any other error is re-raised after the rollback.
pub fn in_subtransaction<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    // SAFETY: the pattern PL/pgSQL's exception blocks use (pl_exec.c, exec_stmt_block):
    // remember the memory context and resource owner, begin, run, then release or roll back
    // and restore both. Called on the backend's main thread, inside a transaction.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let result = PgTryBuilder::new(AssertUnwindSafe(|| Ok(f())))
            .catch_others(|caught| Err(Box::new(caught)))
            .execute();
        match result {
            Ok(value) => {
                pg_sys::ReleaseCurrentSubTransaction();
                pg_sys::MemoryContextSwitchTo(context);
                pg_sys::CurrentResourceOwner = owner;
                Ok(value)
            }
            Err(caught) => {
                pg_sys::RollbackAndReleaseCurrentSubTransaction();
                pg_sys::MemoryContextSwitchTo(context);
                pg_sys::CurrentResourceOwner = owner;
                let code = match caught.as_ref() {
                    CaughtError::PostgresError(e) | CaughtError::ErrorReport(e) => {
                        sqlstate(e.sql_error_code())
                    }
                    CaughtError::RustPanic { .. } => caught.rethrow(),
                };
                if is_transient(&code) || code.starts_with("XX") {
                    caught.rethrow();
                }
                Err(code)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_unpack() {
        assert_eq!(sqlstate(PgSqlErrorCode::ERRCODE_UNIQUE_VIOLATION), "23505");
        assert_eq!(
            sqlstate(PgSqlErrorCode::ERRCODE_T_R_DEADLOCK_DETECTED),
            "40P01"
        );
        assert_eq!(sqlstate(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR), "XX000");
    }

    #[test]
    fn only_retryable_conditions_keep_their_message() {
        let kept = sanitized_message("storesync.ingest", "40P01", "deadlock detected");
        assert!(kept.contains("deadlock detected"));
        for code in ["22P02", "23505", "XX000", "P0001"] {
            let text = sanitized_message("storesync.ingest", code, "value \"s3cret\"");
            assert!(!text.contains("s3cret"), "{text}");
            assert!(text.contains(code), "{text}");
        }
    }
}
