//! App lifecycle events (app.*): the store's state — installed or not, plan, trial,
//! subscription, rating — and, owner only, its OAuth tokens and app settings.

use super::{super::REDACTED, LOCAL_TZ};
use crate::model::Change;
use crate::rows::{Record, Table};
use crate::values::{decimal, field, first, id, list, text, timestamp, FieldError, Timestamp};
use serde_json::Value;

/// The changes of an app event; `None` for an app event storesync does not map.
pub(super) fn changes(
    event: &str,
    d: &Value,
    at: Timestamp,
) -> Result<Option<Vec<Change>>, FieldError> {
    let time = |key: &str, what: &str| timestamp(field(d, key), LOCAL_TZ, what);
    let scopes = || list(field(d, "app_scopes"), "app scopes", |s| Ok(text(Some(s))));
    let store = Record::new(Table::Stores, vec![]).with("store_type", text(field(d, "store_type")));
    let store = match event {
        "app.installed" => store
            .with("app_installed", Some(true))
            .with(
                "app_installed_at",
                Some(time("installation_date", "app installation_date")?.unwrap_or(at)),
            )
            .with("app_scopes", scopes()?),
        "app.updated" => store
            .with("app_installed", Some(true))
            .with(
                "app_updated_at",
                Some(time("update_date", "app update_date")?.unwrap_or(at)),
            )
            .with("app_scopes", scopes()?),
        "app.uninstalled" => store.with("app_installed", Some(false)).with(
            "app_uninstalled_at",
            Some(time("uninstallation_date", "app uninstallation_date")?.unwrap_or(at)),
        ),
        "app.store.authorize" => return authorize(d, at).map(Some),
        "app.settings.updated" => return Ok(Some(settings(d, at))),
        "app.trial.started" | "app.trial.expired" | "app.trial.canceled" => plan(store, d)?
            .with("trial_status", event.rsplit('.').next())
            .with("trial_starts_at", time("start_date", "trial start_date")?)
            .with("trial_ends_at", time("end_date", "trial end_date")?),
        "app.subscription.started"
        | "app.subscription.renewed"
        | "app.subscription.expired"
        | "app.subscription.canceled" => plan(store, d)?
            .with("subscription_status", event.rsplit('.').next())
            .with(
                "subscription_id",
                id(field(d, "subscription_id"), "subscription_id")?,
            )
            .with(
                "subscription_starts_at",
                time("start_date", "subscription start_date")?,
            )
            .with(
                "subscription_ends_at",
                time("end_date", "subscription end_date")?,
            )
            .with(
                "subscription_renewed_at",
                time("renew_date", "subscription renew_date")?,
            ),
        "app.feedback.created" => store
            .with("app_rating", decimal(field(d, "rating"), "app rating")?)
            .with("app_feedback", text(field(d, "comment")))
            .with("app_feedback_at", Some(at)),
        _ => return Ok(None),
    };
    Ok(Some(vec![Change::Record(store)]))
}

fn plan(store: Record, d: &Value) -> Result<Record, FieldError> {
    Ok(store
        .with("plan_name", text(field(d, "plan_name")))
        .with("plan_type", text(field(d, "plan_type")))
        .with("plan_period", text(field(d, "plan_period"))))
}

/// A secret as sent; the redaction marker (a replayed payload) means "not sent".
fn secret(d: &Value, key: &str) -> Option<Value> {
    field(d, key)
        .filter(|v| v.as_str() != Some(REDACTED))
        .cloned()
}

/// app.store.authorize: the tokens go to store_credentials (owner only), the fact to stores.
fn authorize(d: &Value, at: Timestamp) -> Result<Vec<Change>, FieldError> {
    // SECURITY: token values are copied, never formatted into a message.
    let token = |key: &str| secret(d, key).and_then(|v| text(Some(&v)));
    let credentials = Record::new(Table::StoreCredentials, vec![])
        .with("access_token", token("access_token"))
        .with("refresh_token", token("refresh_token"))
        .with("token_type", text(field(d, "token_type")))
        .with("scope", text(field(d, "scope")))
        .with(
            "expires_at",
            timestamp(
                first(d, &["expires", "expires_at"]),
                LOCAL_TZ,
                "authorize expires",
            )?,
        );
    Ok(vec![
        Change::Record(credentials),
        Change::Record(Record::new(Table::Stores, vec![]).with("authorized_at", Some(at))),
    ])
}

/// app.settings.updated: the settings go to store_credentials (they may hold keys).
fn settings(d: &Value, at: Timestamp) -> Vec<Change> {
    let settings = secret(d, "settings").filter(Value::is_object);
    vec![
        Change::Record(Record::new(Table::StoreCredentials, vec![]).with("app_settings", settings)),
        Change::Record(Record::new(Table::Stores, vec![]).with("settings_updated_at", Some(at))),
    ]
}
