//! `storesync.verify_signature` and `storesync.sign`: Salla's `X-Salla-Signature` in SQL, for
//! clients and tests (the comparisons themselves are in [`storesync_core::signature`]).

use pgrx::prelude::*;
pub use storesync_core::signature::{signature_hex, signature_matches};

/// Checks an `X-Salla-Signature` value: lowercase hex HMAC-SHA256 of the raw body keyed by the
/// webhook secret, compared in constant time. Verify the bytes as received: re-serialised JSON
/// has another signature.
#[pg_extern(immutable, strict, parallel_safe)]
fn verify_signature(secret: &str, body: &[u8], signature: &str) -> bool {
    signature_matches(secret.as_bytes(), body, signature)
}

/// Signs a body as Salla does: lowercase hex HMAC-SHA256 keyed by the secret.
#[pg_extern(immutable, strict, parallel_safe)]
fn sign(secret: &str, body: &[u8]) -> String {
    signature_hex(secret.as_bytes(), body)
}
