//! Salla app lifecycle events: the store's state, and secrets kept owner-only.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    use crate::tests::support::*;

    const INSTALLED: &str = fixture!("salla/app.installed.docs.json");
    const UPDATED: &str = fixture!("salla/app.updated.docs.json");
    const UNINSTALLED: &str = fixture!("salla/app.uninstalled.docs.json");
    const TRIAL_STARTED: &str = fixture!("salla/app.trial.started.docs.json");
    const TRIAL_EXPIRED: &str = fixture!("salla/app.trial.expired.docs.json");
    const TRIAL_CANCELED: &str = fixture!("salla/app.trial.canceled.docs.json");
    const SUB_STARTED: &str = fixture!("salla/app.subscription.started.docs.json");
    const SUB_RENEWED: &str = fixture!("salla/app.subscription.renewed.docs.json");
    const SUB_EXPIRED: &str = fixture!("salla/app.subscription.expired.docs.json");
    const SUB_CANCELED: &str = fixture!("salla/app.subscription.canceled.docs.json");
    const FEEDBACK: &str = fixture!("salla/app.feedback.created.docs.json");
    const SETTINGS: &str = fixture!("salla/app.settings.updated.docs.json");

    const ACCESS: &str = "KGsnBcNNkR2AgHnrd0U9lCIjrUiukF_-Fb8OjRiEcog.NuZv_mJaB46jA2OHaxxxx";
    const REFRESH: &str = "fWcceFWF9eFH4yPVOCaYHy-UolnU7iJNDH-dnZwakUE.bpSNQCNjbNg6hTxxxx";

    fn processed(body: &str) {
        let out = deliver(body);
        assert_eq!(out["status"], "processed", "{out}");
    }

    #[pg_test]
    fn install_update_uninstall_in_any_order() {
        shop();
        let uninstalled = at_time(UNINSTALLED, "2023-01-02 09:00:00");
        let updated = at_time(UPDATED, "2023-01-01 09:00:00");
        // Newest first: the older install and update arrive late.
        processed(&uninstalled);
        processed(&updated);
        processed(INSTALLED);
        assert!(truth(
            "SELECT merchant_id = '1234509876' AND app_installed = false
                AND app_installed_at = '2021-09-28 06:06:56+03'
                AND app_updated_at = '2021-10-07 12:31:24+03'
                AND app_uninstalled_at = '2021-10-07 12:46:07+03'
                AND store_type = 'live' AND app_scopes = '{settings.read,branches.read,offline_access}'
             FROM storesync.stores"
        ));
        // Reinstalled later.
        processed(&at_time(INSTALLED, "2023-02-01 09:00:00"));
        assert!(truth("SELECT app_installed FROM storesync.stores"));
    }

    #[pg_test]
    fn trial_subscription_and_feedback() {
        shop();
        processed(TRIAL_STARTED);
        assert!(truth(
            "SELECT trial_status = 'started' AND plan_name = 'Diamond Plan' AND plan_type = 'one_time'
                AND trial_starts_at = '2023-07-27 00:00:00+03' AND trial_ends_at = '2023-07-28 00:00:00+03'
             FROM storesync.stores"
        ));
        processed(&at_time(TRIAL_EXPIRED, "2023-07-28 00:00:01"));
        assert_eq!(
            text("SELECT trial_status FROM storesync.stores").as_deref(),
            Some("expired")
        );
        for (body, at, status) in [
            (SUB_STARTED, "2023-08-01 00:00:00", "started"),
            (SUB_RENEWED, "2023-09-01 00:00:00", "renewed"),
            (SUB_EXPIRED, "2023-10-01 00:00:00", "expired"),
            (SUB_CANCELED, "2023-11-01 00:00:00", "canceled"),
        ] {
            processed(&at_time(body, at));
            assert_eq!(
                text("SELECT subscription_status FROM storesync.stores").as_deref(),
                Some(status)
            );
        }
        assert!(truth(
            "SELECT subscription_id = '1510766049' AND plan_type = 'recurring' AND plan_period = '1'
                AND subscription_starts_at = '2021-10-09 21:00:00+00'
                AND subscription_ends_at = '2021-11-09 21:00:00+00'
                AND subscription_renewed_at = '2021-11-09 21:00:00+00'
             FROM storesync.stores"
        ));
        processed(FEEDBACK);
        assert!(truth(
            "SELECT app_rating = 5 AND app_feedback = 'No Comments' AND app_feedback_at = '2022-12-31 12:31:25+03'
             FROM storesync.stores"
        ));
        // A trial of another merchant is that store's.
        processed(TRIAL_CANCELED);
        assert!(truth(
            "SELECT trial_status = 'canceled' FROM storesync.stores WHERE merchant_id = '74955415'"
        ));
    }

    #[pg_test]
    fn authorize_keeps_the_tokens_owner_only_and_out_of_the_inbox() {
        shop();
        processed(APP_AUTHORIZE);
        assert!(truth(&format!(
            "SELECT access_token = '{ACCESS}' AND refresh_token = '{REFRESH}' AND token_type = 'bearer'
                AND scope = 'settings.read branches.read offline_access'
                AND expires_at = to_timestamp(1634819484)
             FROM storesync.store_credentials"
        )));
        assert!(truth(
            "SELECT authorized_at = '2022-12-31 12:31:25+03' FROM storesync.stores"
        ));
        let stored = text("SELECT payload::text FROM storesync.events").unwrap();
        assert!(!stored.contains(ACCESS) && !stored.contains(REFRESH));
        // SECURITY: no one but the owner may read the tokens.
        assert!(truth(
            "SELECT NOT has_table_privilege('public', 'storesync.store_credentials', 'SELECT')"
        ));
        // A newer authorization replaces the tokens; an older one arriving late does not.
        let newer = with(
            &at_time(APP_AUTHORIZE, "2023-01-01 00:00:00"),
            "/data/access_token",
            serde_json::json!("newer-access-token"),
        );
        processed(&newer);
        processed(&with(
            &at_time(APP_AUTHORIZE, "2022-12-31 18:00:00"),
            "/data/access_token",
            serde_json::json!("older-access-token"),
        ));
        assert_eq!(
            text("SELECT access_token FROM storesync.store_credentials").as_deref(),
            Some("newer-access-token")
        );
        assert_eq!(
            text("SELECT refresh_token FROM storesync.store_credentials").as_deref(),
            Some(REFRESH)
        );
    }

    #[pg_test]
    fn app_settings_stay_owner_only() {
        shop();
        processed(SETTINGS);
        assert!(truth(
            "SELECT app_settings->>'email' = 'Mohammed@Gmail.com' AND app_settings->'box_size' = '[\"25x25\", \"10x10\"]'
             FROM storesync.store_credentials"
        ));
        assert!(truth(
            "SELECT settings_updated_at = '2022-12-31 12:31:25+03' FROM storesync.stores"
        ));
        assert!(truth(
            "SELECT payload->'data'->>'settings' = '[redacted]' FROM storesync.events"
        ));
    }

    #[pg_test]
    fn unknown_app_events_are_ignored() {
        shop();
        let out = deliver(&as_event(INSTALLED, "app.rated"));
        assert_eq!(out["status"], "ignored");
        assert_eq!(
            text("SELECT app_installed::text FROM storesync.stores"),
            None
        );
    }
}
