//! Salla app lifecycle events: the store's state, and secrets kept owner-only.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

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
        assert_eq!(
            row(
                "SELECT merchant_id, app_installed, app_installed_at, app_updated_at,
                        app_uninstalled_at, store_type, app_scopes
                 FROM storesync.stores"
            ),
            json!({"merchant_id": "1234509876", "app_installed": false,
                   "app_installed_at": "2021-09-28T06:06:56+03:00",
                   "app_updated_at": "2021-10-07T12:31:24+03:00",
                   "app_uninstalled_at": "2021-10-07T12:46:07+03:00", "store_type": "live",
                   "app_scopes": ["settings.read", "branches.read", "offline_access"]})
        );
        // Reinstalled later.
        processed(&at_time(INSTALLED, "2023-02-01 09:00:00"));
        assert_eq!(
            row("SELECT app_installed FROM storesync.stores"),
            json!({"app_installed": true})
        );
    }

    #[pg_test]
    fn trial_subscription_and_feedback() {
        shop();
        processed(TRIAL_STARTED);
        assert_eq!(
            row(
                "SELECT trial_status, plan_name, plan_type, trial_starts_at, trial_ends_at
                 FROM storesync.stores"
            ),
            json!({"trial_status": "started", "plan_name": "Diamond Plan", "plan_type": "one_time",
                   "trial_starts_at": "2023-07-27T00:00:00+03:00",
                   "trial_ends_at": "2023-07-28T00:00:00+03:00"})
        );
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
        // The payloads say 2021-10-09T21:00:00Z and 2021-11-09T21:00:00Z.
        assert_eq!(
            row(
                "SELECT subscription_id, plan_type, plan_period, subscription_starts_at,
                        subscription_ends_at, subscription_renewed_at
                 FROM storesync.stores"
            ),
            json!({"subscription_id": "1510766049", "plan_type": "recurring", "plan_period": "1",
                   "subscription_starts_at": "2021-10-10T00:00:00+03:00",
                   "subscription_ends_at": "2021-11-10T00:00:00+03:00",
                   "subscription_renewed_at": "2021-11-10T00:00:00+03:00"})
        );
        processed(FEEDBACK);
        assert_eq!(
            row("SELECT app_rating::text, app_feedback, app_feedback_at FROM storesync.stores"),
            json!({"app_rating": "5", "app_feedback": "No Comments",
                   "app_feedback_at": "2022-12-31T12:31:25+03:00"})
        );
        // A trial of another merchant is that store's.
        processed(TRIAL_CANCELED);
        assert_eq!(
            row("SELECT trial_status FROM storesync.stores WHERE merchant_id = '74955415'"),
            json!({"trial_status": "canceled"})
        );
    }

    #[pg_test]
    fn authorize_keeps_the_tokens_owner_only_and_out_of_the_inbox() {
        shop();
        processed(APP_AUTHORIZE);
        // expires 1634819484 (seconds since 1970).
        assert_eq!(
            row(
                "SELECT access_token, refresh_token, token_type, scope, expires_at
                 FROM storesync.store_credentials"
            ),
            json!({"access_token": ACCESS, "refresh_token": REFRESH, "token_type": "bearer",
                   "scope": "settings.read branches.read offline_access",
                   "expires_at": "2021-10-21T15:31:24+03:00"})
        );
        assert_eq!(
            row("SELECT authorized_at FROM storesync.stores"),
            json!({"authorized_at": "2022-12-31T12:31:25+03:00"})
        );
        let stored = text("SELECT payload::text FROM storesync.events").unwrap();
        assert!(!stored.contains(ACCESS) && !stored.contains(REFRESH));
        // SECURITY: no one but the owner may read the tokens.
        assert_eq!(
            row(
                "SELECT has_table_privilege('public', 'storesync.store_credentials', 'SELECT')
                        AS public_may_read"
            ),
            json!({"public_may_read": false})
        );
        // A newer authorization replaces the tokens; an older one arriving late does not.
        let newer = with(
            &at_time(APP_AUTHORIZE, "2023-01-01 00:00:00"),
            "/data/access_token",
            json!("newer-access-token"),
        );
        processed(&newer);
        processed(&with(
            &at_time(APP_AUTHORIZE, "2022-12-31 18:00:00"),
            "/data/access_token",
            json!("older-access-token"),
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
        assert_eq!(
            row(
                "SELECT app_settings->>'email' AS email, app_settings->'box_size' AS box_size
                 FROM storesync.store_credentials"
            ),
            json!({"email": "Mohammed@Gmail.com", "box_size": ["25x25", "10x10"]})
        );
        assert_eq!(
            row("SELECT settings_updated_at FROM storesync.stores"),
            json!({"settings_updated_at": "2022-12-31T12:31:25+03:00"})
        );
        assert_eq!(
            row("SELECT payload->'data'->'settings' AS settings FROM storesync.events"),
            json!({"settings": "[redacted]"})
        );
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
