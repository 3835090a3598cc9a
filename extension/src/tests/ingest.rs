//! The delivery path: signatures, ingest outcomes, mapping of the Salla fixtures, dedupe.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::{json, Value};

    use crate::tests::support::*;

    #[pg_test]
    fn signature_vectors_from_the_fixtures() {
        let file: Value = serde_json::from_str(VECTORS).unwrap();
        let vectors = file["vectors"].as_array().unwrap();
        let mut positive = 0;
        for v in vectors {
            let secret = v["secret"].as_str().unwrap();
            if let Some(expected) = v["expected_x_salla_signature"].as_str() {
                let raw = hex::decode(v["raw_body_hex"].as_str().unwrap()).unwrap();
                assert_eq!(raw, v["raw_body_utf8"].as_str().unwrap().as_bytes());
                let signed = Spi::get_one_with_args::<String>(
                    "SELECT storesync.sign($1, $2)",
                    &[secret.into(), raw.as_slice().into()],
                );
                assert_eq!(signed.unwrap().as_deref(), Some(expected));
                let ok = Spi::get_one_with_args::<bool>(
                    "SELECT storesync.verify_signature($1, $2, $3)",
                    &[secret.into(), raw.as_slice().into(), expected.into()],
                );
                assert_eq!(ok.unwrap(), Some(true));
                positive += 1;
            } else {
                // Re-serialised JSON: another HMAC, and the original signature does not verify it.
                let reserialized = v["reserialized_body"].as_str().unwrap().as_bytes();
                let other = v["hmac_of_reserialized"].as_str().unwrap();
                let original = vectors
                    .iter()
                    .find(|o| {
                        o["secret"] == v["secret"] && o["expected_x_salla_signature"].is_string()
                    })
                    .unwrap();
                let raw = hex::decode(original["raw_body_hex"].as_str().unwrap()).unwrap();
                let expected = original["expected_x_salla_signature"].as_str().unwrap();
                let check = |body: &[u8], sig: &str| {
                    Spi::get_one_with_args::<bool>(
                        "SELECT storesync.verify_signature($1, $2, $3)",
                        &[secret.into(), body.into(), sig.into()],
                    )
                    .unwrap()
                    .unwrap()
                };
                assert_eq!(
                    crate::signature::signature_hex(secret.as_bytes(), reserialized),
                    other
                );
                assert!(!check(reserialized, expected));
                assert!(!check(&raw, other));
                assert!(check(reserialized, other));
            }
        }
        assert_eq!(positive, 3);
    }

    #[pg_test]
    fn verify_signature_refuses_wrong_signatures_of_any_length() {
        let body = b"{\"event\":\"x\"}";
        let good = crate::signature::signature_hex(b"k", body);
        let mut wrong = good.clone().into_bytes();
        wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
        let wrong = String::from_utf8(wrong).unwrap();
        for (sig, expected) in [
            (good.as_str(), true),
            (wrong.as_str(), false),
            (&good[..40], false),
            ("", false),
            ("not hex", false),
        ] {
            let got = Spi::get_one_with_args::<bool>(
                "SELECT storesync.verify_signature('k', $1, $2)",
                &[body.as_slice().into(), sig.into()],
            );
            assert_eq!(got.unwrap(), Some(expected), "signature {sig:?}");
        }
    }

    #[pg_test]
    fn order_created_lands_in_typed_columns() {
        shop();
        let out = deliver(ORDER_CREATED);
        assert_eq!(out["status"], "processed", "{out}");
        assert_eq!(out["http_status"], 200);
        assert!(out["event_id"].as_i64().unwrap() > 0);
        assert_eq!(
            row(
                "SELECT store_id IS NOT NULL AS has_store, order_id, reference_id, customer_id,
                        status_slug, status_name, currency, total::text, sub_total::text,
                        shipping_cost::text, tax::text, discount::text, payment_method, draft,
                        order_date, source_ts
                 FROM storesync.orders"
            ),
            json!({"has_store": true, "order_id": "2116149737", "reference_id": "41027662",
                   "customer_id": "225167971", "status_slug": "under_review",
                   "status_name": "بإنتظار المراجعة", "currency": "SAR", "total": "196",
                   "sub_total": "186", "shipping_cost": "15", "tax": "0", "discount": "5.00",
                   "payment_method": "bank", "draft": false,
                   "order_date": "2022-06-26T12:21:45+03:00",
                   "source_ts": "2022-06-26T12:21:48+03:00"})
        );
        assert_eq!(
            rows(
                "SELECT item_id, product_id, sku, name, quantity::text, currency, price::text,
                        discount::text, tax::text, total::text
                 FROM storesync.order_items ORDER BY item_id"
            ),
            json!([{"item_id": "70815337", "product_id": "720881993", "sku": "54534534",
                    "name": "بيتزا", "quantity": "1", "currency": "SAR", "price": "186",
                    "discount": "5", "tax": "0", "total": "186"}])
        );
        assert_eq!(
            row(
                "SELECT first_name, last_name, email, mobile, mobile_code, gender, birthday, city,
                        country_code, updated_at
                 FROM storesync.customers WHERE customer_id = '225167971'"
            ),
            json!({"first_name": "Mohammed", "last_name": "Ali", "email": "usertest@gmail.com",
                   "mobile": "501806978", "mobile_code": "+966", "gender": "female",
                   "birthday": "1997-06-03", "city": "جدة", "country_code": "SA",
                   "updated_at": "2022-06-22T10:20:14+03:00"})
        );
        // The product behind the line is known, without claiming to be current.
        assert_eq!(
            row("SELECT name, price::text, sale_price::text, source_ts
                 FROM storesync.products WHERE product_id = '720881993'"),
            json!({"name": "بيتزا", "price": "66", "sale_price": "45", "source_ts": "-infinity"})
        );
        // The event names its store (the join) and keeps the payload as sent.
        assert_eq!(
            row(
                "SELECT s.platform, s.merchant_id, e.event_name, e.status, e.error,
                        e.payload->'data'->>'id' AS data_id, e.event_created_at
                 FROM storesync.events e JOIN storesync.stores s USING (store_id)"
            ),
            json!({"platform": "salla", "merchant_id": "1305146709", "event_name": "order.created",
                   "status": "processed", "error": null, "data_id": "2116149737",
                   "event_created_at": "2022-06-26T12:21:48+03:00"})
        );
        let hashed = Spi::get_one_with_args::<bool>(
            "SELECT body_sha256 = sha256($1) FROM storesync.events",
            &[ORDER_CREATED.as_bytes().into()],
        );
        assert_eq!(hashed.unwrap(), Some(true));
        // Totals an analyst can sum.
        assert_eq!(
            text("SELECT sum(total)::text FROM storesync.orders").as_deref(),
            Some("196")
        );
    }

    #[pg_test]
    fn customer_events_map_the_customer_model() {
        shop();
        assert_eq!(deliver(CUSTOMER_CREATED)["status"], "processed");
        assert_eq!(
            row("SELECT first_name, last_name, email, mobile, mobile_code, city, currency, birthday,
                        last_login_at
                 FROM storesync.customers WHERE customer_id = '225167971'"),
            json!({"first_name": "User", "last_name": "Mohammed", "email": "test@gmail.com",
                   "mobile": "555555555", "mobile_code": "+966", "city": "الرياض",
                   "currency": "AED", "birthday": "1997-06-03", "last_login_at": null})
        );
        assert_eq!(deliver(CUSTOMER_LOGIN)["status"], "processed");
        assert_eq!(
            row("SELECT last_login_at FROM storesync.customers WHERE customer_id = '225167971'"),
            json!({"last_login_at": "2022-01-25T12:36:49+03:00"})
        );
        assert_eq!(count("SELECT count(*) FROM storesync.customers"), 1);
    }

    #[pg_test]
    fn mobile_as_a_string_is_the_same_customer_field() {
        shop();
        let body = CUSTOMER_CREATED.replace("\"mobile\": 555555555", "\"mobile\": \"0555555555\"");
        assert_ne!(body, CUSTOMER_CREATED);
        assert_eq!(deliver(&body)["status"], "processed");
        assert_eq!(
            text("SELECT mobile FROM storesync.customers").as_deref(),
            Some("0555555555")
        );
    }

    #[pg_test]
    fn product_created_maps_the_product_model() {
        shop();
        assert_eq!(deliver(PRODUCT_CREATED)["status"], "processed");
        assert_eq!(
            row(
                "SELECT product_id, name, sku, type, status, price::text, sale_price::text,
                        regular_price::text, currency, quantity, is_available, updated_at
                 FROM storesync.products"
            ),
            json!({"product_id": "1025569331", "name": "Product-Booking-API-Date-and-Time",
                   "sku": "", "type": "booking", "status": "hidden", "price": "299",
                   "sale_price": "0", "regular_price": "299", "currency": "SAR", "quantity": 20,
                   "is_available": false, "updated_at": "2023-04-17T12:14:21+03:00"})
        );
    }

    #[pg_test]
    fn identical_redelivery_is_a_duplicate_and_changes_nothing() {
        shop();
        let first = deliver(ORDER_CREATED);
        assert_eq!(first["status"], "processed");
        let before = rows_everywhere();
        let snapshot = text("SELECT string_agg(o::text, ',') FROM storesync.orders o");
        for _ in 0..2 {
            let again = deliver(ORDER_CREATED);
            assert_eq!(again["status"], "duplicate", "{again}");
            assert_eq!(again["http_status"], 200);
            assert_eq!(again["event_id"], first["event_id"]);
        }
        assert_eq!(rows_everywhere(), before);
        assert_eq!(
            text("SELECT string_agg(o::text, ',') FROM storesync.orders o"),
            snapshot
        );
        assert_eq!(count("SELECT count(*) FROM storesync.order_items"), 1);
    }

    #[pg_test]
    fn bad_or_missing_signatures_write_no_row_anywhere() {
        shop();
        let sig = sign(ORDER_CREATED);
        let flipped = format!(
            "{}{}",
            if sig.starts_with('0') { '1' } else { '0' },
            &sig[1..]
        );
        let cases = [
            (json!({"X-Salla-Signature": flipped}), "invalid_signature"),
            (
                json!({"X-Salla-Signature": &sig[..32]}),
                "invalid_signature",
            ),
            (
                json!({"X-Salla-Signature": sign("{}")}),
                "invalid_signature",
            ),
            (json!({}), "missing_signature"),
            // No downgrade: a Signature source ignores the strategy header and the token.
            (
                json!({"X-Salla-Security-Strategy": "Token", "Authorization": SECRET}),
                "missing_signature",
            ),
        ];
        for (headers, code) in cases {
            let out = ingest_raw("shop", headers.clone(), ORDER_CREATED.as_bytes());
            assert_eq!(out["http_status"], 401, "{headers}: {out}");
            assert_eq!(out["status"], "rejected");
            assert_eq!(out["error"], code);
            assert!(!out.to_string().contains(SECRET));
        }
        assert_eq!(rows_everywhere(), 0);
    }

    #[pg_test]
    fn token_sources_need_the_token_not_a_signature() {
        create_source("pos", "token", "tok-123456");
        let body = ORDER_CREATED.as_bytes();
        let sig = crate::signature::signature_hex(b"tok-123456", body);
        for (headers, code) in [
            (
                json!({"X-Salla-Signature": sig, "X-Salla-Security-Strategy": "Signature"}),
                "missing_token",
            ),
            (json!({"Authorization": "tok-12345"}), "invalid_token"),
            (
                json!({"Authorization": "Bearer tok-123456"}),
                "invalid_token",
            ),
        ] {
            let out = ingest_raw("pos", headers, body);
            assert_eq!(
                (out["http_status"].clone(), out["error"].clone()),
                (json!(401), json!(code))
            );
            assert!(!out.to_string().contains("tok-123456"));
        }
        assert_eq!(rows_everywhere(), 0);
        let out = ingest_raw("pos", json!({"authorization": "tok-123456"}), body);
        assert_eq!(out["status"], "processed", "{out}");
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 1);
    }

    #[pg_test]
    fn unknown_source_is_404() {
        let out = ingest_raw("nope", json!({}), ORDER_CREATED.as_bytes());
        assert_eq!(out["http_status"], 404);
        assert_eq!(out["error"], "unknown_source");
        assert_eq!(rows_everywhere(), 0);
    }

    #[pg_test]
    fn malformed_bodies_are_400_and_store_nothing() {
        shop();
        let deep = format!(
            "{{\"event\":\"order.created\",\"merchant\":1,\"data\":{}{}}}",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let bodies: Vec<&[u8]> = vec![
            b"",
            b"not json",
            b"{\"event\":\"order.created\",\"merchant\":1,\"data\":{\"id\":\"\xff\"}}",
            b"[1,2]",
            b"\"str\"",
            b"{}",
            b"{\"event\":\"order.created\"}",
            b"{\"event\":\"order.created\",\"merchant\":1,\"data\":[]}",
            b"{\"event\":42,\"merchant\":1,\"data\":{}}",
            b"{\"event\":\"order.created\",\"merchant\":1,\"data\":{\"id\":1,\"x\":\"a\\u0000b\"}}",
            deep.as_bytes(),
        ];
        for body in bodies {
            let sig = crate::signature::signature_hex(SECRET.as_bytes(), body);
            let out = ingest_raw("shop", json!({"x-salla-signature": sig}), body);
            let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).to_string();
            assert_eq!(out["http_status"], 400, "{shown}: {out}");
            assert!(
                out["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{shown}: {out}"
            );
            assert!(
                out["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{shown}: {out}"
            );
        }
        assert_eq!(rows_everywhere(), 0);
        // The backend is fine afterwards.
        assert_eq!(deliver(ORDER_CREATED)["status"], "processed");
    }

    #[pg_test]
    fn unmappable_payload_is_stored_as_failed_without_typed_rows() {
        shop();
        let body = ORDER_CREATED.replacen("\"id\": 2116149737,", "", 1);
        assert_ne!(body, ORDER_CREATED);
        let out = deliver(&body);
        assert_eq!(out["status"], "failed", "{out}");
        assert_eq!(out["http_status"], 200);
        assert!(out["message"]
            .as_str()
            .unwrap()
            .contains("order id is missing"));
        assert_eq!(
            row("SELECT status, error FROM storesync.events"),
            json!({"status": "failed", "error": "order id is missing"})
        );
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 0);
        assert_eq!(count("SELECT count(*) FROM storesync.order_items"), 0);
        assert_eq!(count("SELECT count(*) FROM storesync.customers"), 0);
    }

    #[pg_test]
    fn other_events_are_stored_as_ignored() {
        shop();
        let body = APP_INSTALLED.replacen("app.installed", "store.owner.changed", 1);
        let out = deliver(&body);
        assert_eq!(out["status"], "ignored", "{out}");
        assert_eq!(
            row("SELECT status, event_name FROM storesync.events"),
            json!({"status": "ignored", "event_name": "store.owner.changed"})
        );
    }

    #[pg_test]
    fn oauth_tokens_never_reach_the_inbox() {
        shop();
        assert_eq!(deliver(APP_AUTHORIZE)["status"], "processed");
        let payload = text("SELECT payload::text FROM storesync.events").unwrap();
        assert!(!payload.contains("KGsnBcNNkR2AgHnrd0U9lCIjrUiukF"));
        assert!(!payload.contains("fWcceFWF9eFH4yPVOCaYHy"));
        assert!(payload.contains("settings.read"));
    }

    #[pg_test]
    fn an_older_event_never_overwrites_a_newer_state() {
        shop();
        let newer = ORDER_CREATED
            .replacen(
                "\"event\": \"order.created\"",
                "\"event\": \"order.updated\"",
                1,
            )
            .replacen(
                "Sun Jun 26 2022 12:21:48 GMT+0300",
                "Mon Jun 27 2022 09:00:00 GMT+0300",
                1,
            )
            .replacen("\"slug\": \"under_review\"", "\"slug\": \"completed\"", 1)
            .replacen(
                "\"quantity\": 1,\n        \"currency\"",
                "\"quantity\": 2,\n        \"currency\"",
                1,
            );
        assert_eq!(newer.matches("completed").count(), 1);
        assert_eq!(deliver(&newer)["status"], "processed");
        assert_eq!(deliver(ORDER_CREATED)["status"], "processed");
        assert_eq!(
            row("SELECT status_slug, source_ts FROM storesync.orders"),
            json!({"status_slug": "completed", "source_ts": "2022-06-27T09:00:00+03:00"})
        );
        assert_eq!(count("SELECT quantity::int8 FROM storesync.order_items"), 2);
    }

    #[pg_test]
    fn create_source_errors_carry_sqlstates_and_never_the_secret() {
        shop();
        // plpgsql's handler runs the call in a subtransaction and reports what it raised.
        Spi::run(
            "CREATE FUNCTION pg_temp.error_of(a text, b text, c text, d text) RETURNS text
             LANGUAGE plpgsql AS $$
             DECLARE msg text; det text; hnt text;
             BEGIN
                 PERFORM storesync.create_source(a, b, c, d);
                 RETURN 'no error';
             EXCEPTION WHEN OTHERS THEN
                 GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
                 RETURN SQLSTATE || ' ' || msg || ' ' || coalesce(det, '') || ' ' || coalesce(hnt, '');
             END $$",
        )
        .unwrap();
        let secret = "another-secret-value";
        for (name, platform, strategy, secret, state) in [
            ("shop", "salla", "signature", secret, "42710"),
            ("bad name!", "salla", "signature", secret, "22023"),
            ("x", "shopify", "signature", secret, "22023"),
            ("x", "salla", "none", secret, "22023"),
            ("x", "salla", "token", "", "22023"),
        ] {
            let report = Spi::get_one_with_args::<String>(
                "SELECT pg_temp.error_of($1, $2, $3, $4)",
                &[name.into(), platform.into(), strategy.into(), secret.into()],
            )
            .unwrap()
            .unwrap();
            assert!(report.starts_with(state), "{name}: {report}");
            assert!(!report.contains(secret) || secret.is_empty(), "{report}");
        }
        assert_eq!(count("SELECT count(*) FROM storesync.sources"), 1);
    }

    #[pg_test]
    fn a_row_the_database_refuses_fails_the_event_and_keeps_none_of_its_rows() {
        shop();
        // A constraint the fixture's order breaks: the insert fails inside ingest, after the
        // order's customer was already written. Its DETAIL would quote the whole row.
        Spi::run("ALTER TABLE storesync.orders ADD CONSTRAINT small CHECK (total < 1)").unwrap();
        let out = deliver(ORDER_CREATED);
        assert_eq!(out["status"], "failed", "{out}");
        assert_eq!(out["http_status"], 200, "{out}");
        let message = out["message"].as_str().unwrap();
        assert!(message.contains("SQLSTATE 23514"), "{message}");
        let order: Value = serde_json::from_str(ORDER_CREATED).unwrap();
        let email = order["data"]["customer"]["email"].as_str().unwrap();
        assert!(!message.contains(email), "{message}");
        // The event is kept, as failed, with the same reason; none of its typed rows are.
        let event = row("SELECT event_id, status, error FROM storesync.events");
        assert_eq!(event["status"], "failed");
        assert_eq!(event["error"], message);
        for table in ["customers", "orders", "order_items", "products"] {
            assert_eq!(
                count(&format!("SELECT count(*) FROM storesync.{table}")),
                0,
                "{table}"
            );
        }
        // After a fix, replay maps it.
        Spi::run("ALTER TABLE storesync.orders DROP CONSTRAINT small").unwrap();
        let id = event["event_id"].as_i64().unwrap();
        let status = text(&format!("SELECT status FROM storesync.replay({id})"));
        assert_eq!(status.as_deref(), Some("processed"));
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 1);
    }
}
