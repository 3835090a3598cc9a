-- storesync schema, v0.1: sources, stores, the event inbox and the typed tables.
-- Every business table is keyed by (store_id, <entity>_id), store_id first, so tenants stay
-- apart and the tables can be distributed by store_id.

-- ---------------------------------------------------------------------------------------------
-- Webhook senders
-- ---------------------------------------------------------------------------------------------
CREATE TABLE sources (
    source_id   int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    platform    text NOT NULL CHECK (platform IN ('salla', 'flavours')),
    strategy    text NOT NULL CHECK (strategy IN ('signature', 'token')),
    -- SECURITY: the webhook secret (Signature) or token (Token). Only the owner reads this table.
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON sources FROM PUBLIC;
COMMENT ON TABLE sources IS 'Webhook senders: one row per configuration a worker URL /webhooks/{name} points at. Holds secrets: readable by the owner only.';
COMMENT ON COLUMN sources.name IS 'The {source} part of the webhook URL.';
COMMENT ON COLUMN sources.platform IS 'Payload dialect: salla or flavours.';
COMMENT ON COLUMN sources.strategy IS 'How deliveries are authenticated: signature (X-Salla-Signature HMAC-SHA256 of the raw body) or token (Authorization header equals the secret). Pinned here: a request header cannot change it.';
COMMENT ON COLUMN sources.secret IS 'Webhook secret or token. Never shown in errors or logs.';

-- ---------------------------------------------------------------------------------------------
-- Stores (tenants)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE stores (
    store_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform       text NOT NULL,
    merchant_id    text NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, merchant_id)
);
COMMENT ON TABLE stores IS 'One row per (platform, external merchant id), created the first time a webhook names it.';
COMMENT ON COLUMN stores.store_id IS 'Internal store key; the first column of every business table key.';
COMMENT ON COLUMN stores.merchant_id IS 'The platform''s merchant id, as text.';

-- SECURITY: OAuth tokens a platform hands over (Salla app.store.authorize). Owner only: no
-- grant to any role, never copied into events.payload, never in a message.
CREATE TABLE store_credentials (
    store_id       bigint PRIMARY KEY REFERENCES stores,
    access_token   text,
    refresh_token  text,
    token_type     text,
    scope          text,
    expires_at     timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON store_credentials FROM PUBLIC;
COMMENT ON TABLE store_credentials IS 'OAuth tokens of each store (from app.store.authorize). Secret: readable by the owner only.';

-- ---------------------------------------------------------------------------------------------
-- The inbox: every accepted delivery
-- ---------------------------------------------------------------------------------------------
CREATE TABLE events (
    event_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id         int NOT NULL REFERENCES sources,
    store_id          bigint REFERENCES stores,
    event_name        text NOT NULL,
    event_created_at  timestamptz,
    body_sha256       bytea NOT NULL CHECK (length(body_sha256) = 32),
    payload           jsonb NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    status            text NOT NULL CHECK (status IN ('processed', 'duplicate', 'ignored', 'failed')),
    error             text,
    UNIQUE (source_id, body_sha256)
);
CREATE INDEX events_store_received_idx ON events (store_id, received_at);
CREATE INDEX events_failed_idx ON events (received_at) WHERE status = 'failed';
COMMENT ON TABLE events IS 'Inbox: every accepted (authenticated, well-formed) delivery, once. An identical redelivery (same source, same body) is answered duplicate and stores nothing new.';
COMMENT ON COLUMN events.event_created_at IS 'The sender''s created_at for the event, when it carries one; orders the typed rows (an older event never overwrites a newer state).';
COMMENT ON COLUMN events.body_sha256 IS 'SHA-256 of the raw request body: the dedupe key within a source.';
COMMENT ON COLUMN events.payload IS 'The delivery as jsonb. OAuth tokens (app.store.authorize) are redacted before storing.';
COMMENT ON COLUMN events.status IS 'processed: mapped into typed rows; ignored: an event storesync does not map; failed: could not be mapped, see error.';
COMMENT ON COLUMN events.error IS 'Why a failed event could not be mapped.';

-- ---------------------------------------------------------------------------------------------
-- Typed tables. source_ts is the event time a row reflects: an upsert from an older event is
-- skipped, so out-of-order deliveries end in the same state as in-order ones.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE customers (
    store_id       bigint NOT NULL REFERENCES stores,
    customer_id    text NOT NULL,
    first_name     text,
    last_name      text,
    email          text,
    mobile         text,
    mobile_code    text,
    gender         text,
    birthday       date,
    city           text,
    country        text,
    country_code   text,
    currency       text,
    updated_at     timestamptz,
    last_login_at  timestamptz,
    deleted_at     timestamptz,
    source_ts      timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, customer_id)
);
COMMENT ON TABLE customers IS 'Customers of each store, from customer events and the customer embedded in orders.';
COMMENT ON COLUMN customers.mobile IS 'Mobile number without the country code, as text (the platform sends a number or a string).';
COMMENT ON COLUMN customers.updated_at IS 'The platform''s last-modified time of the customer.';
COMMENT ON COLUMN customers.last_login_at IS 'Latest customer.login event time.';
COMMENT ON COLUMN customers.deleted_at IS 'When the platform deleted the customer (soft delete); NULL while it exists.';
COMMENT ON COLUMN customers.source_ts IS 'Time of the event this row reflects; older events do not overwrite it.';

CREATE TABLE products (
    store_id       bigint NOT NULL REFERENCES stores,
    product_id     text NOT NULL,
    name           text,
    sku            text,
    type           text,
    status         text,
    price          numeric,
    sale_price     numeric,
    regular_price  numeric,
    currency       text,
    quantity       bigint,
    is_available   boolean,
    updated_at     timestamptz,
    deleted_at     timestamptz,
    source_ts      timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, product_id)
);
COMMENT ON TABLE products IS 'Products of each store, from product events; a product first seen in an order item is added with what the item tells.';
COMMENT ON COLUMN products.deleted_at IS 'When the platform deleted the product (soft delete); NULL while it exists.';
COMMENT ON COLUMN products.source_ts IS 'Time of the event this row reflects (-infinity for a row known only from an order item).';

CREATE TABLE orders (
    store_id         bigint NOT NULL REFERENCES stores,
    order_id         text NOT NULL,
    reference_id     text,
    customer_id      text,
    status_slug      text,
    status_name      text,
    order_date       timestamptz,
    currency         text,
    total            numeric,
    sub_total        numeric,
    shipping_cost    numeric,
    tax              numeric,
    discount         numeric,
    payment_method   text,
    draft            boolean NOT NULL DEFAULT false,
    deleted_at       timestamptz,
    source_ts        timestamptz NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, order_id)
);
CREATE INDEX orders_customer_idx ON orders (store_id, customer_id);
COMMENT ON TABLE orders IS 'Orders of each store, latest known state.';
COMMENT ON COLUMN orders.status_slug IS 'Machine status, e.g. under_review, completed, canceled.';
COMMENT ON COLUMN orders.order_date IS 'When the customer placed the order.';
COMMENT ON COLUMN orders.total IS 'Order total in currency, including shipping and tax.';
COMMENT ON COLUMN orders.discount IS 'Sum of the order''s discounts.';
COMMENT ON COLUMN orders.deleted_at IS 'When the platform deleted the order (soft delete); NULL while it exists. Deleted orders do not count for RFM.';
COMMENT ON COLUMN orders.source_ts IS 'Time of the event this row reflects; older events do not overwrite it.';

CREATE TABLE order_items (
    store_id      bigint NOT NULL REFERENCES stores,
    order_id      text NOT NULL,
    item_id       text NOT NULL,
    product_id    text,
    name          text,
    sku           text,
    quantity      numeric,
    currency      text,
    price         numeric,
    discount      numeric,
    tax           numeric,
    total         numeric,
    PRIMARY KEY (store_id, order_id, item_id),
    FOREIGN KEY (store_id, order_id) REFERENCES orders ON DELETE CASCADE
);
COMMENT ON TABLE order_items IS 'Line items of each order, replaced as a set whenever a newer order state arrives.';
COMMENT ON COLUMN order_items.price IS 'Unit price without tax.';
COMMENT ON COLUMN order_items.total IS 'Line total.';
