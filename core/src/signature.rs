//! Webhook authentication: Salla's `X-Salla-Signature` (HMAC-SHA256 of the raw body, lowercase
//! hex), the Token strategy (a shared token in `Authorization`) and Standard Webhooks
//! (<https://www.standardwebhooks.com>: `webhook-signature` = `v1,` + base64 HMAC-SHA256 of
//! `webhook-id.webhook-timestamp.body`, keyed by the base64 part of a `whsec_` secret).
//!
//! SECURITY: every comparison of attacker-supplied bytes with secret-derived bytes is
//! constant-time, and nothing here formats a secret into a message.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD as BASE64};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    mac
}

/// Lowercase hex HMAC-SHA256 of `body` keyed by `secret`: what Salla sends in `X-Salla-Signature`.
pub fn signature_hex(secret: &[u8], body: &[u8]) -> String {
    hex::encode(mac(secret, body).finalize().into_bytes())
}

/// Whether `signature` (hex, surrounding whitespace ignored) is the HMAC-SHA256 of the raw `body`.
pub fn signature_matches(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Ok(given) = hex::decode(signature.trim()) else {
        return false;
    };
    // SECURITY: verify_slice compares in constant time (subtle); a wrong length fails at once,
    // which reveals only the public length of a SHA-256 digest.
    mac(secret, body).verify_slice(&given).is_ok()
}

/// Whether a presented token equals the configured one.
pub fn token_matches(expected: &[u8], given: &[u8]) -> bool {
    // SECURITY: compare fixed-length digests so neither the content nor the length of the
    // secret leaks through timing.
    let a = Sha256::digest(expected);
    let b = Sha256::digest(given);
    a.ct_eq(&b).into()
}

/// The prefix of a Standard Webhooks secret; the rest is the base64 of the key.
pub const WHSEC_PREFIX: &str = "whsec_";

/// Secrets are read as the standard's own libraries read them: padding optional, trailing bits
/// ignored.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The HMAC key of a Standard Webhooks secret (`whsec_` + base64), or `None` if it is not one.
pub fn standard_webhooks_key(secret: &str) -> Option<Vec<u8>> {
    let key = LENIENT_BASE64
        .decode(secret.strip_prefix(WHSEC_PREFIX)?)
        .ok()?;
    (!key.is_empty()).then_some(key)
}

fn standard_webhooks_mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = mac(key, id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `webhook-signature` a Standard Webhooks sender sends: `v1,` + base64 HMAC-SHA256 of
/// `id.timestamp.body`.
pub fn standard_webhooks_signature(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
    let digest = standard_webhooks_mac(key, id, timestamp, body)
        .finalize()
        .into_bytes();
    format!("v1,{}", BASE64.encode(digest))
}

/// Whether any of the space-separated signatures in a `webhook-signature` header is a `v1`
/// signature of `id.timestamp.body` (other versions, such as `v1a`, are skipped).
pub fn standard_webhooks_matches(
    key: &[u8],
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
) -> bool {
    let expected = standard_webhooks_mac(key, id, timestamp, body);
    // A header sent twice reaches storesync joined with ", ": a trailing comma is not part of
    // the signature.
    header.split_whitespace().any(|candidate| {
        let candidate = candidate.trim_end_matches(',');
        let Some(given) = candidate.strip_prefix("v1,") else {
            return false;
        };
        let Ok(given) = BASE64.decode(given) else {
            return false;
        };
        // SECURITY: constant-time comparison (hmac's verify_slice, via subtle).
        expected.clone().verify_slice(&given).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_hex_matches_the_published_vectors() {
        // tests/fixtures/salla_signature_vectors.json: every vector with an expected signature.
        let vectors: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/salla_signature_vectors.json"
        ))
        .unwrap();
        let mut checked = 0;
        for vector in vectors["vectors"].as_array().unwrap() {
            let Some(expected) = vector["expected_x_salla_signature"].as_str() else {
                continue;
            };
            let raw = hex::decode(vector["raw_body_hex"].as_str().unwrap()).unwrap();
            let secret = vector["secret"].as_str().unwrap().as_bytes();
            assert_eq!(signature_hex(secret, &raw), expected, "{}", vector["name"]);
            assert!(signature_matches(secret, &raw, expected));
            checked += 1;
        }
        assert!(checked > 0, "no vector with an expected signature");
    }

    #[test]
    fn token_comparison() {
        assert!(token_matches(b"tok", b"tok"));
        assert!(!token_matches(b"tok", b"tok "));
        assert!(!token_matches(b"tok", b""));
    }

    #[test]
    fn signature_hex_round_trips() {
        let sig = signature_hex(b"k", b"body");
        assert_eq!(sig.len(), 64);
        assert!(signature_matches(b"k", b"body", &sig));
        assert!(signature_matches(b"k", b"body", &format!(" {sig}\n")));
        assert!(!signature_matches(b"k", b"body!", &sig));
        assert!(!signature_matches(b"k", b"body", &sig[..62]));
        assert!(!signature_matches(b"k", b"body", "zz"));
    }

    #[test]
    fn wrong_signatures_of_the_right_and_wrong_length_are_rejected() {
        let sig = signature_hex(b"k", b"body");
        // Right length, one digit off (first and last position).
        for at in [0, 63] {
            let mut wrong = sig.clone().into_bytes();
            wrong[at] = if wrong[at] == b'0' { b'1' } else { b'0' };
            let wrong = String::from_utf8(wrong).unwrap();
            assert_eq!(wrong.len(), sig.len());
            assert!(!signature_matches(b"k", b"body", &wrong));
        }
        // Wrong lengths: shorter, longer, empty.
        assert!(!signature_matches(b"k", b"body", &sig[..63]));
        assert!(!signature_matches(b"k", b"body", &format!("{sig}00")));
        assert!(!signature_matches(b"k", b"body", ""));
        // The right one, for contrast.
        assert!(signature_matches(b"k", b"body", &sig));
    }

    #[test]
    fn standard_webhooks_matches_the_published_vector() {
        // ../shared/fixtures/standard_webhooks_vector.json, copied into tests/fixtures.
        let v: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/standard_webhooks_vector.json"
        ))
        .unwrap();
        let key = standard_webhooks_key(v["secret"].as_str().unwrap()).unwrap();
        let id = v["webhook-id"].as_str().unwrap();
        let ts = v["webhook-timestamp"].to_string();
        let body = v["payload"].as_str().unwrap().as_bytes();
        let expected = v["expected_webhook-signature"].as_str().unwrap();
        assert_eq!(
            format!("{id}.{ts}.{}", v["payload"].as_str().unwrap()),
            v["signed_content"].as_str().unwrap()
        );
        assert_eq!(standard_webhooks_signature(&key, id, &ts, body), expected);
        assert!(standard_webhooks_matches(&key, id, &ts, body, expected));
        let negative = v["negative_signature_from_test_no_verify"]
            .as_str()
            .unwrap();
        assert!(!standard_webhooks_matches(&key, id, &ts, body, negative));
        // Several signatures in one header: any match passes, whatever its place.
        for header in [
            format!("{negative} {expected}"),
            format!("v1a,abc {expected}  {negative}"),
            format!("{expected}\t{negative}"),
            format!("{negative}, {expected}"),
            format!("{expected}, {negative}"),
        ] {
            assert!(
                standard_webhooks_matches(&key, id, &ts, body, &header),
                "{header}"
            );
        }
        // Tampering with any signed part fails.
        assert!(!standard_webhooks_matches(&key, id, &ts, b"{}", expected));
        assert!(!standard_webhooks_matches(
            &key,
            "msg_other",
            &ts,
            body,
            expected
        ));
        assert!(!standard_webhooks_matches(
            &key,
            id,
            "1649367554",
            body,
            expected
        ));
        // Not v1, not base64, empty.
        let bare = expected.trim_start_matches("v1,");
        for header in [bare, &format!("v2,{bare}"), "v1,***", "", "v1,"] {
            assert!(
                !standard_webhooks_matches(&key, id, &ts, body, header),
                "{header:?}"
            );
        }
    }

    #[test]
    fn standard_webhooks_secrets_are_whsec_and_base64() {
        assert_eq!(standard_webhooks_key("whsec_AAEC"), Some(vec![0, 1, 2]));
        // Unpadded, as the standard's libraries accept it.
        assert_eq!(standard_webhooks_key("whsec_AAE"), Some(vec![0, 1]));
        assert_eq!(standard_webhooks_key("whsec_AAE="), Some(vec![0, 1]));
        for bad in [
            "AAEC",
            "whsec_",
            "whsec_not base64!",
            "whsec_A",
            "WHSEC_AAEC",
        ] {
            assert_eq!(standard_webhooks_key(bad), None, "{bad}");
        }
    }
}
