//! Standard Webhooks sources: `create_source(…, 'standard-webhooks', 'whsec_…')`, deliveries
//! verified over `webhook-id.webhook-timestamp.body`, the timestamp tolerance and `webhook-id`
//! as the dedupe key.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::{json, Value};
    use storesync_core::signature::{standard_webhooks_key, standard_webhooks_signature};

    use crate::tests::support::*;

    const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn now() -> i64 {
        // Whole seconds, as the verifier reads the receive time (now(), truncated).
        count("SELECT floor(extract(epoch FROM now()))::bigint")
    }

    /// The headers a Standard Webhooks sender sends for `body` as message `id` at `timestamp`.
    fn signed(id: &str, timestamp: i64, body: &str) -> Value {
        let key = standard_webhooks_key(WHSEC).unwrap();
        let ts = timestamp.to_string();
        json!({
            "webhook-id": id,
            "webhook-timestamp": ts,
            "webhook-signature": standard_webhooks_signature(&key, id, &ts, body.as_bytes()),
        })
    }

    fn gateway() {
        create_source("gw", "standard-webhooks", WHSEC);
    }

    #[pg_test]
    fn a_signed_delivery_is_processed_once_per_webhook_id() {
        gateway();
        let out = ingest_raw(
            "gw",
            signed("msg_1", now(), ORDER_CREATED),
            ORDER_CREATED.as_bytes(),
        );
        assert_eq!(out["status"], "processed", "{out}");
        assert_eq!(
            row("SELECT dedupe_key, event_name FROM storesync.events"),
            json!({"dedupe_key": "msg_1", "event_name": "order.created"})
        );
        // The same message again, re-serialised by the gateway (another body, signed anew):
        // a duplicate by its webhook-id, not by its body.
        let reformatted =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(ORDER_CREATED).unwrap())
                .unwrap();
        let again = ingest_raw(
            "gw",
            signed("msg_1", now(), &reformatted),
            reformatted.as_bytes(),
        );
        assert_eq!(again["status"], "duplicate", "{again}");
        assert_eq!(again["event_id"], out["event_id"]);
        assert_eq!(count("SELECT count(*) FROM storesync.events"), 1);
    }

    #[pg_test]
    fn bad_signatures_and_stale_timestamps_are_refused_before_anything_is_stored() {
        gateway();
        let body = ORDER_CREATED;
        let t = now();
        let mut wrong_key = signed("msg_2", t, body);
        wrong_key["webhook-signature"] = json!("v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=");
        let mut no_id = signed("msg_2", t, body);
        no_id.as_object_mut().unwrap().remove("webhook-id");
        for (headers, sent, code) in [
            (signed("msg_2", t, body), "{}", "invalid_signature"),
            (wrong_key, body, "invalid_signature"),
            (no_id, body, "missing_signature"),
            (signed("msg_2", t - 301, body), body, "stale_timestamp"),
            (signed("msg_2", t + 301, body), body, "stale_timestamp"),
            (
                json!({"X-Salla-Signature": sign(body)}),
                body,
                "missing_signature",
            ),
        ] {
            let out = ingest_raw("gw", headers, sent.as_bytes());
            assert_eq!(
                (&out["http_status"], &out["error"]),
                (&json!(401), &json!(code)),
                "{out}"
            );
        }
        assert_eq!(rows_everywhere(), 0);
        // Within the tolerance either way.
        let out = ingest_raw("gw", signed("msg_3", t - 299, body), body.as_bytes());
        assert_eq!(out["status"], "processed", "{out}");
    }

    #[pg_test]
    fn the_tolerance_is_set_per_source() {
        gateway();
        Spi::run("UPDATE storesync.sources SET tolerance_seconds = 3600 WHERE name = 'gw'")
            .unwrap();
        let out = ingest_raw(
            "gw",
            signed("msg_4", now() - 3000, ORDER_CREATED),
            ORDER_CREATED.as_bytes(),
        );
        assert_eq!(out["status"], "processed", "{out}");
        Spi::run("UPDATE storesync.sources SET tolerance_seconds = 60 WHERE name = 'gw'").unwrap();
        let out = ingest_raw(
            "gw",
            signed("msg_5", now() - 61, CUSTOMER_LOGIN),
            CUSTOMER_LOGIN.as_bytes(),
        );
        assert_eq!(out["error"], "stale_timestamp", "{out}");
        assert_eq!(
            out["message"],
            "the webhook-timestamp header is more than 60 seconds from the time of receipt"
        );
    }

    #[pg_test]
    fn create_source_takes_only_whsec_base64_secrets_and_never_echoes_them() {
        Spi::run(
            "CREATE FUNCTION pg_temp.error_of(secret text) RETURNS text LANGUAGE plpgsql AS $$
             DECLARE msg text; det text; hnt text;
             BEGIN
                 PERFORM storesync.create_source('x', 'salla', 'standard-webhooks', secret);
                 RETURN 'ok';
             EXCEPTION WHEN OTHERS THEN
                 GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
                 RETURN SQLSTATE || ' ' || msg || ' ' || coalesce(det, '') || ' ' || coalesce(hnt, '');
             END $$",
        )
        .unwrap();
        for secret in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",        // no prefix
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwA", // one character too many
            "whsec_MfKQ9r8GKYqrTwjU!D8ILPZIo2LaLaSw",  // not base64
            "whsec_A===",                              // bad padding
            "whsec_AAECAwQFBgcICQoLDA0O",              // 15 bytes
            "whsec_",
        ] {
            let report =
                Spi::get_one_with_args::<String>("SELECT pg_temp.error_of($1)", &[secret.into()])
                    .unwrap()
                    .unwrap();
            assert!(
                report.starts_with(
                    "22023 a standard-webhooks secret is whsec_ followed by the base64"
                ),
                "{secret}: {report}"
            );
            // SECURITY: the key part of the secret appears nowhere in the error.
            let key_part = secret.trim_start_matches("whsec_");
            assert!(key_part.len() < 4 || !report.contains(key_part), "{report}");
        }
        assert_eq!(count("SELECT count(*) FROM storesync.sources"), 0);
        // Unpadded base64 (a 23-byte key), as the standard's libraries read it.
        assert_eq!(
            Spi::get_one::<String>(
                "SELECT pg_temp.error_of('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS')"
            )
            .unwrap()
            .unwrap(),
            "ok"
        );
        // …and the verifier reads it the same way.
        assert_eq!(
            standard_webhooks_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").map(|k| k.len()),
            Some(23)
        );
        Spi::run("DELETE FROM storesync.sources").unwrap();
        // The strategy's name in any case, and for Flavours behind a gateway too.
        Spi::run(&format!(
            "SELECT storesync.create_source('pos-gw', 'flavours', 'Standard-Webhooks', '{WHSEC}')"
        ))
        .unwrap();
        assert_eq!(
            row("SELECT platform, strategy FROM storesync.sources"),
            json!({"platform": "flavours", "strategy": "standard-webhooks"})
        );
    }
}
