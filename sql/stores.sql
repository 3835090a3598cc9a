-- Stores (tenants) and the secrets a platform hands over for them.
--
-- Every business table is keyed by (store_id, <entity>_id), store_id first, so tenants stay
-- apart and the tables can be distributed by store_id. The columns field_ts and source_ts of
-- the tables written from events are explained in versions.sql; store_id, field_ts, source_ts
-- and first_seen_at are commented by name (comments.sql) where a table says nothing more.
--
-- Every table and sequence is registered with pg_extension_config_dump beside its CREATE, so
-- pg_dump writes its rows (README, Backups): without that a dump of an extension's tables
-- holds CREATE EXTENSION and no data. A test fails on any table or sequence left out.

CREATE TABLE stores (
    store_id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform                text NOT NULL,
    merchant_id             text NOT NULL,
    -- The store's state as its app lifecycle events report it.
    app_installed           boolean,
    app_installed_at        timestamptz,
    app_updated_at          timestamptz,
    app_uninstalled_at      timestamptz,
    app_scopes              text[],
    store_type              text,
    authorized_at           timestamptz,
    settings_updated_at     timestamptz,
    plan_name               text,
    plan_type               text,
    plan_period             text,
    trial_status            text,
    trial_starts_at         timestamptz,
    trial_ends_at           timestamptz,
    subscription_id         text,
    subscription_status     text,
    subscription_starts_at  timestamptz,
    subscription_ends_at    timestamptz,
    subscription_renewed_at timestamptz,
    app_rating              numeric,
    app_feedback            text,
    app_feedback_at         timestamptz,
    default_branch_id       text,
    field_ts                jsonb NOT NULL DEFAULT '{}',
    source_ts               timestamptz,
    first_seen_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, merchant_id)
);
SELECT pg_catalog.pg_extension_config_dump('storesync.stores', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.stores', 'store_id')::pg_catalog.regclass, '');
COMMENT ON TABLE stores IS 'One row per (platform, external merchant id), created the first time a webhook names it.';
COMMENT ON COLUMN stores.store_id IS 'Internal store key; the first column of every business table key.';
COMMENT ON COLUMN stores.platform IS 'The platform the store is on: salla or flavours.';
COMMENT ON COLUMN stores.merchant_id IS 'The platform''s merchant id, as text.';
COMMENT ON COLUMN stores.app_installed IS 'Whether the app is installed on the store (app.installed / app.updated: true, app.uninstalled: false); NULL if never reported.';
COMMENT ON COLUMN stores.app_installed_at IS 'Time of the latest app.installed.';
COMMENT ON COLUMN stores.app_updated_at IS 'Time of the latest app.updated.';
COMMENT ON COLUMN stores.app_uninstalled_at IS 'Time of the latest app.uninstalled.';
COMMENT ON COLUMN stores.app_scopes IS 'Permissions the merchant granted the app.';
COMMENT ON COLUMN stores.store_type IS 'live, demo or development, as the app events say.';
COMMENT ON COLUMN stores.authorized_at IS 'Time of the latest app.store.authorize (the tokens themselves are in store_credentials, owner only).';
COMMENT ON COLUMN stores.settings_updated_at IS 'Time of the latest app.settings.updated (the settings are in store_credentials).';
COMMENT ON COLUMN stores.plan_name IS 'Name of the merchant''s subscription plan.';
COMMENT ON COLUMN stores.plan_type IS 'Plan type (e.g. recurring, once).';
COMMENT ON COLUMN stores.plan_period IS 'Plan period in months.';
COMMENT ON COLUMN stores.trial_status IS 'started, expired or canceled (app.trial.*).';
COMMENT ON COLUMN stores.trial_starts_at IS 'Start of the trial.';
COMMENT ON COLUMN stores.trial_ends_at IS 'End of the trial.';
COMMENT ON COLUMN stores.subscription_id IS 'The platform''s subscription id.';
COMMENT ON COLUMN stores.subscription_status IS 'started, renewed, expired or canceled (app.subscription.*).';
COMMENT ON COLUMN stores.subscription_starts_at IS 'Start of the current subscription.';
COMMENT ON COLUMN stores.subscription_ends_at IS 'End of the current subscription period.';
COMMENT ON COLUMN stores.subscription_renewed_at IS 'Time of the latest renewal.';
COMMENT ON COLUMN stores.app_rating IS 'The merchant''s rating of the app (app.feedback.created).';
COMMENT ON COLUMN stores.app_feedback IS 'The merchant''s written feedback on the app.';
COMMENT ON COLUMN stores.app_feedback_at IS 'When the feedback was given.';
COMMENT ON COLUMN stores.default_branch_id IS 'The default branch (store.branch.setDefault, or a branch event marking itself default).';
COMMENT ON COLUMN stores.source_ts IS 'Newest source time of the app state columns; NULL until an app event arrives.';

-- SECURITY: OAuth tokens a platform hands over (Salla app.store.authorize) and the app
-- settings. Owner only: no grant to any role, never copied into events.payload, never in a
-- message.
CREATE TABLE store_credentials (
    store_id       bigint PRIMARY KEY REFERENCES stores,
    access_token   text,
    refresh_token  text,
    token_type     text,
    scope          text,
    expires_at     timestamptz,
    app_settings   jsonb,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    field_ts       jsonb NOT NULL DEFAULT '{}',
    source_ts      timestamptz
);
REVOKE ALL ON store_credentials FROM PUBLIC;
-- SECURITY: in every dump too: a dump file is as secret as the database.
SELECT pg_catalog.pg_extension_config_dump('storesync.store_credentials', '');
COMMENT ON TABLE store_credentials IS 'OAuth tokens of each store (from app.store.authorize). Secret: readable by the owner only.';
COMMENT ON COLUMN store_credentials.access_token IS 'OAuth access token. Secret.';
COMMENT ON COLUMN store_credentials.refresh_token IS 'OAuth refresh token. Secret.';
COMMENT ON COLUMN store_credentials.token_type IS 'OAuth token type (e.g. bearer).';
COMMENT ON COLUMN store_credentials.scope IS 'OAuth scopes granted.';
COMMENT ON COLUMN store_credentials.expires_at IS 'When the access token expires.';
COMMENT ON COLUMN store_credentials.app_settings IS 'The app settings the merchant saved (app.settings.updated): may hold third-party keys, so kept here, owner only.';
COMMENT ON COLUMN store_credentials.updated_at IS 'When the tokens were last written.';
