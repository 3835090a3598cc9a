//! Who may deliver to a source: its security strategy and secret, checked against the raw
//! request before anything is parsed.
//!
//! SECURITY: the source's own strategy decides how a delivery is checked;
//! `X-Salla-Security-Strategy` is never consulted, so a forged header cannot downgrade a
//! Signature source to Token. [`Verifier`] has no `Debug`, so its secret cannot be printed.

use crate::outcome::Reject;
use crate::signature;
use serde_json::Value;

/// How a source's deliveries prove where they come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `X-Salla-Signature`: lowercase hex HMAC-SHA256 of the raw body, keyed by the secret.
    Signature,
    /// A shared token in a header (`Authorization` unless the source names another).
    Token,
    /// Standard Webhooks (Svix, Hookdeck, …): `webhook-signature` over
    /// `webhook-id.webhook-timestamp.body` with a `whsec_` secret, the timestamp within the
    /// source's tolerance, `webhook-id` the delivery's dedupe key.
    StandardWebhooks,
}

/// How far `webhook-timestamp` may be from the time of receipt unless the source sets its own
/// (`sources.tolerance_seconds`): five minutes, the standard's recommendation.
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;

/// What a verified delivery's authentication tells about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Authenticated {
    /// The sender's id of the message (`webhook-id`), stable across its retries: the
    /// delivery's dedupe key.
    pub delivery_id: Option<String>,
}

impl Strategy {
    /// The strategy a source's `strategy` column names (`signature` or `token`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "signature" => Some(Strategy::Signature),
            "token" => Some(Strategy::Token),
            "standard-webhooks" => Some(Strategy::StandardWebhooks),
            _ => None,
        }
    }
}

/// A source's credentials, able to check one delivery.
pub struct Verifier {
    strategy: Strategy,
    secret: String,
    /// Token strategy: the header that carries the token (`None`: Authorization).
    token_header: Option<String>,
    /// Standard Webhooks: the largest accepted distance, in seconds, between
    /// `webhook-timestamp` and the time of receipt.
    tolerance_seconds: i64,
}

impl Verifier {
    pub fn new(strategy: Strategy, secret: String, token_header: Option<String>) -> Self {
        Self {
            strategy,
            secret,
            token_header,
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
        }
    }

    /// The same verifier with another timestamp tolerance (Standard Webhooks).
    pub fn with_tolerance(mut self, seconds: i64) -> Self {
        self.tolerance_seconds = seconds;
        self
    }

    /// Checks a delivery received at `now` (seconds since 1970): `headers` is a JSON object
    /// (names in any case), `body` the raw bytes as received.
    pub fn verify(&self, headers: &Value, body: &[u8], now: i64) -> Result<Authenticated, Reject> {
        match self.strategy {
            Strategy::Signature => match header(headers, "x-salla-signature") {
                None => Err(Reject::MissingSignature),
                Some(sig) if signature::signature_matches(self.secret.as_bytes(), body, sig) => {
                    Ok(Authenticated::default())
                }
                Some(_) => Err(Reject::InvalidSignature),
            },
            Strategy::StandardWebhooks => self.verify_standard(headers, body, now),
            Strategy::Token => {
                let name = self.token_header.as_deref().unwrap_or("Authorization");
                match header(headers, name) {
                    None => Err(Reject::MissingToken {
                        header: name.to_string(),
                    }),
                    Some(token)
                        if signature::token_matches(self.secret.as_bytes(), token.as_bytes()) =>
                    {
                        Ok(Authenticated::default())
                    }
                    Some(_) => Err(Reject::InvalidToken {
                        header: name.to_string(),
                    }),
                }
            }
        }
    }
}

impl Verifier {
    /// Standard Webhooks: the signature first (an unsigned timestamp proves nothing), then the
    /// timestamp's distance from `now`.
    fn verify_standard(
        &self,
        headers: &Value,
        body: &[u8],
        now: i64,
    ) -> Result<Authenticated, Reject> {
        let required = |name: &'static str| {
            header(headers, name).ok_or(Reject::MissingWebhookHeader { header: name })
        };
        let id = required("webhook-id")?;
        let timestamp = required("webhook-timestamp")?;
        let signatures = required("webhook-signature")?;
        // A secret that is not whsec_ + base64 cannot have signed anything (create_source
        // refuses one; this guards a row edited by hand).
        let key = signature::standard_webhooks_key(&self.secret)
            .ok_or(Reject::InvalidWebhookSignature)?;
        if !signature::standard_webhooks_matches(&key, id, timestamp, body, signatures) {
            return Err(Reject::InvalidWebhookSignature);
        }
        let sent: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| Reject::InvalidTimestamp)?;
        if now.abs_diff(sent) > self.tolerance_seconds.unsigned_abs() {
            return Err(Reject::StaleTimestamp {
                tolerance_seconds: self.tolerance_seconds,
            });
        }
        Ok(Authenticated {
            delivery_id: Some(id.to_string()),
        })
    }
}

/// Header lookup by case-insensitive name.
fn header<'a>(headers: &'a Value, name: &str) -> Option<&'a str> {
    headers
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn signature(secret: &str) -> Verifier {
        Verifier::new(Strategy::Signature, secret.into(), None)
    }

    #[test]
    fn signature_sources_check_the_raw_body_in_any_header_case() {
        let body = br#"{"event":"order.created"}"#;
        let sig = signature::signature_hex(b"s3", body);
        let v = signature("s3");
        assert_eq!(
            v.verify(&json!({"x-salla-signature": sig}), body, 0),
            Ok(Authenticated::default())
        );
        assert_eq!(
            v.verify(&json!({"X-SALLA-SIGNATURE": sig}), body, 0),
            Ok(Authenticated::default())
        );
        assert_eq!(
            v.verify(&json!({"X-Salla-Signature": sig}), b"{}", 0),
            Err(Reject::InvalidSignature)
        );
        assert_eq!(v.verify(&json!({}), body, 0), Err(Reject::MissingSignature));
        assert_eq!(
            v.verify(&Value::Null, body, 0),
            Err(Reject::MissingSignature)
        );
    }

    #[test]
    fn a_forged_strategy_header_does_not_downgrade_a_signature_source() {
        let headers = json!({"X-Salla-Security-Strategy": "Token", "Authorization": "s3"});
        assert_eq!(
            signature("s3").verify(&headers, b"{}", 0),
            Err(Reject::MissingSignature)
        );
    }

    #[test]
    fn token_sources_read_their_own_header() {
        let v = Verifier::new(
            Strategy::Token,
            "tok".into(),
            Some("X-Flavours-Token".into()),
        );
        assert_eq!(
            v.verify(&json!({"x-flavours-token": "tok"}), b"{}", 0),
            Ok(Authenticated::default())
        );
        assert_eq!(
            v.verify(&json!({"Authorization": "tok"}), b"{}", 0),
            Err(Reject::MissingToken {
                header: "X-Flavours-Token".into()
            })
        );
        assert_eq!(
            v.verify(&json!({"X-Flavours-Token": "tok2"}), b"{}", 0),
            Err(Reject::InvalidToken {
                header: "X-Flavours-Token".into()
            })
        );
        let default = Verifier::new(Strategy::Token, "tok".into(), None);
        assert_eq!(
            default.verify(&json!({"authorization": "tok"}), b"{}", 0),
            Ok(Authenticated::default())
        );
    }

    /// The published vector (tests/fixtures/standard_webhooks_vector.json) as a delivery.
    fn vector() -> (Verifier, Value, Vec<u8>, i64) {
        let v: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/standard_webhooks_vector.json"
        ))
        .unwrap();
        let verifier = Verifier::new(
            Strategy::StandardWebhooks,
            v["secret"].as_str().unwrap().into(),
            None,
        );
        let headers = json!({
            "Webhook-Id": v["webhook-id"],
            "webhook-timestamp": v["webhook-timestamp"].to_string(),
            "WEBHOOK-SIGNATURE": v["expected_webhook-signature"],
        });
        let body = v["payload"].as_str().unwrap().as_bytes().to_vec();
        (
            verifier,
            headers,
            body,
            v["webhook-timestamp"].as_i64().unwrap(),
        )
    }

    #[test]
    fn standard_webhooks_verify_the_vector_and_name_the_message_id() {
        let (v, headers, body, sent) = vector();
        let ok = Ok(Authenticated {
            delivery_id: Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk".into()),
        });
        // Within 5 minutes either way (clocks differ both ways), inclusive.
        for now in [sent, sent + 300, sent - 300] {
            assert_eq!(
                v.verify(&headers, &body, now),
                ok,
                "now = sent{:+}",
                now - sent
            );
        }
        for now in [sent + 301, sent - 301, 0] {
            assert_eq!(
                v.verify(&headers, &body, now),
                Err(Reject::StaleTimestamp {
                    tolerance_seconds: 300
                })
            );
        }
        let wide = vector().0.with_tolerance(3600);
        assert_eq!(wide.verify(&headers, &body, sent + 3600), ok);
    }

    #[test]
    fn standard_webhooks_reject_what_does_not_verify() {
        let (v, headers, body, sent) = vector();
        assert_eq!(
            v.verify(&headers, b"{\"email\":\"evil@example.com\"}", sent),
            Err(Reject::InvalidWebhookSignature)
        );
        for missing in ["Webhook-Id", "webhook-timestamp", "WEBHOOK-SIGNATURE"] {
            let mut h = headers.clone();
            h.as_object_mut().unwrap().remove(missing);
            let Err(Reject::MissingWebhookHeader { header }) = v.verify(&h, &body, sent) else {
                panic!("{missing} missing");
            };
            assert!(header.eq_ignore_ascii_case(missing));
        }
        let mut h = headers.clone();
        h["webhook-timestamp"] = json!("1649367553.0");
        assert_eq!(
            v.verify(&h, &body, sent),
            Err(Reject::InvalidWebhookSignature)
        );
        // A Salla signature or a token does not stand in for the standard's headers.
        let salla = json!({"X-Salla-Signature": "00", "Authorization": "whsec_x"});
        assert_eq!(
            v.verify(&salla, &body, sent),
            Err(Reject::MissingWebhookHeader {
                header: "webhook-id"
            })
        );
        // A secret that is not whsec_ + base64 verifies nothing.
        let raw = Verifier::new(
            Strategy::StandardWebhooks,
            "C2FVsBQIhrscChlQIMV+b5sSYspob7oD".into(),
            None,
        );
        assert_eq!(
            raw.verify(&headers, &body, sent),
            Err(Reject::InvalidWebhookSignature)
        );
    }

    #[test]
    fn a_signed_but_unreadable_timestamp_is_invalid() {
        let key = signature::standard_webhooks_key("whsec_AAECAwQFBgcICQoLDA0ODw==").unwrap();
        let v = Verifier::new(
            Strategy::StandardWebhooks,
            "whsec_AAECAwQFBgcICQoLDA0ODw==".into(),
            None,
        );
        let sig = signature::standard_webhooks_signature(&key, "msg_1", "soon", b"{}");
        let headers =
            json!({"webhook-id": "msg_1", "webhook-timestamp": "soon", "webhook-signature": sig});
        assert_eq!(v.verify(&headers, b"{}", 0), Err(Reject::InvalidTimestamp));
    }
}
