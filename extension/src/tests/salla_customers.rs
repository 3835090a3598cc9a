//! Salla customer events: profile, login, one-time-password requests.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    const OTP: &str = fixture!("salla/customer.otp.request.docs.json");

    #[pg_test]
    fn customer_updated_maps_the_profile_and_joins_the_name() {
        shop();
        let out = deliver(&as_event(CUSTOMER_CREATED, "customer.updated"));
        assert_eq!(out["status"], "processed");
        assert_eq!(
            row("SELECT name, first_name, country_code, updated_at,
                        source_ts = updated_at AS versioned_by_updated_at
                 FROM storesync.customers"),
            json!({"name": "User Mohammed", "first_name": "User", "country_code": "SA",
                   "updated_at": "2022-01-24T14:26:55+03:00", "versioned_by_updated_at": true})
        );
    }

    #[pg_test]
    fn the_latest_login_wins_whatever_the_arrival_order() {
        shop();
        let later = at_time(CUSTOMER_LOGIN, "Wed Jan 26 2022 08:00:00 GMT+0300");
        assert_eq!(deliver(&later)["status"], "processed");
        assert_eq!(deliver(CUSTOMER_LOGIN)["status"], "processed");
        assert_eq!(
            row("SELECT last_login_at FROM storesync.customers"),
            json!({"last_login_at": "2022-01-26T08:00:00+03:00"})
        );
    }

    #[pg_test]
    fn otp_requests_keep_who_when_and_how_but_never_the_code() {
        shop();
        let out = deliver(OTP);
        assert_eq!(out["status"], "processed", "{out}");
        assert_eq!(
            row("SELECT contact, channel, requested_at FROM storesync.customer_otp_requests"),
            json!({"contact": "+96652318526", "channel": "sms",
                   "requested_at": "2021-06-30T12:09:11+03:00"})
        );
        let by_mail = with(
            &at_time(OTP, "Wed Jun 30 2021 12:10:00 GMT+0300"),
            "/data/contact",
            json!("someone@example.com"),
        );
        assert_eq!(deliver(&by_mail)["status"], "processed");
        assert_eq!(
            text("SELECT channel FROM storesync.customer_otp_requests WHERE contact LIKE '%@%'")
                .as_deref(),
            Some("email")
        );
        // SECURITY: the code is in no table, the inbox included.
        assert_eq!(
            rows("SELECT payload->'data'->'code' AS code FROM storesync.events ORDER BY event_id"),
            json!([{"code": "[redacted]"}, {"code": "[redacted]"}])
        );
        assert!(
            !text("SELECT string_agg(payload::text, '') FROM storesync.events")
                .unwrap()
                .contains("5331")
        );
        assert!(
            !text("SELECT string_agg(r::text, '') FROM storesync.customer_otp_requests r")
                .unwrap()
                .contains("5331")
        );
    }

    #[pg_test]
    fn an_otp_request_without_a_contact_fails() {
        shop();
        let out = deliver(&with(OTP, "/data/contact", json!(null)));
        assert_eq!(out["status"], "failed");
        assert_eq!(out["message"], "otp request contact is missing");
    }
}
