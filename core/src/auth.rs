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
}

impl Strategy {
    /// The strategy a source's `strategy` column names (`signature` or `token`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "signature" => Some(Strategy::Signature),
            "token" => Some(Strategy::Token),
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
}

impl Verifier {
    pub fn new(strategy: Strategy, secret: String, token_header: Option<String>) -> Self {
        Self {
            strategy,
            secret,
            token_header,
        }
    }

    /// Checks a delivery: `headers` is a JSON object (names in any case), `body` the raw bytes
    /// as received.
    pub fn verify(&self, headers: &Value, body: &[u8]) -> Result<(), Reject> {
        match self.strategy {
            Strategy::Signature => match header(headers, "x-salla-signature") {
                None => Err(Reject::MissingSignature),
                Some(sig) if signature::signature_matches(self.secret.as_bytes(), body, sig) => {
                    Ok(())
                }
                Some(_) => Err(Reject::InvalidSignature),
            },
            Strategy::Token => {
                let name = self.token_header.as_deref().unwrap_or("Authorization");
                match header(headers, name) {
                    None => Err(Reject::MissingToken {
                        header: name.to_string(),
                    }),
                    Some(token)
                        if signature::token_matches(self.secret.as_bytes(), token.as_bytes()) =>
                    {
                        Ok(())
                    }
                    Some(_) => Err(Reject::InvalidToken {
                        header: name.to_string(),
                    }),
                }
            }
        }
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
        assert_eq!(v.verify(&json!({"x-salla-signature": sig}), body), Ok(()));
        assert_eq!(v.verify(&json!({"X-SALLA-SIGNATURE": sig}), body), Ok(()));
        assert_eq!(
            v.verify(&json!({"X-Salla-Signature": sig}), b"{}"),
            Err(Reject::InvalidSignature)
        );
        assert_eq!(v.verify(&json!({}), body), Err(Reject::MissingSignature));
        assert_eq!(v.verify(&Value::Null, body), Err(Reject::MissingSignature));
    }

    #[test]
    fn a_forged_strategy_header_does_not_downgrade_a_signature_source() {
        let headers = json!({"X-Salla-Security-Strategy": "Token", "Authorization": "s3"});
        assert_eq!(
            signature("s3").verify(&headers, b"{}"),
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
        assert_eq!(v.verify(&json!({"x-flavours-token": "tok"}), b"{}"), Ok(()));
        assert_eq!(
            v.verify(&json!({"Authorization": "tok"}), b"{}"),
            Err(Reject::MissingToken {
                header: "X-Flavours-Token".into()
            })
        );
        assert_eq!(
            v.verify(&json!({"X-Flavours-Token": "tok2"}), b"{}"),
            Err(Reject::InvalidToken {
                header: "X-Flavours-Token".into()
            })
        );
        let default = Verifier::new(Strategy::Token, "tok".into(), None);
        assert_eq!(
            default.verify(&json!({"authorization": "tok"}), b"{}"),
            Ok(())
        );
    }
}
