-- Typed state from every mapped event: columns added to the skeleton's tables, and one table per
-- entity the events carry. Every business table is keyed by (store_id, <entity>_id), store_id
-- first. Every table written from events has
--   source_ts  the newest source time any of its values reflects (-infinity: known only from a
--              condensed copy inside another entity's event), and
--   field_ts   per column, the source time of the value it holds (see versions.sql),
-- so deliveries in any order, any number of times, end in the same state.

-- ---------------------------------------------------------------------------------------------
-- The skeleton's tables
-- ---------------------------------------------------------------------------------------------
ALTER TABLE customers
    ADD COLUMN name     text,
    ADD COLUMN field_ts jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN customers.name IS 'Full name: first and last name joined (Salla), or the single name the platform sends (Flavours, condensed Salla customers).';
COMMENT ON COLUMN customers.field_ts IS 'Per column, the source time (epoch microseconds) of the value it holds; an older event never overwrites a newer value.';

ALTER TABLE products
    ADD COLUMN mpn           text,
    ADD COLUMN gtin          text,
    ADD COLUMN cost_price    numeric,
    ADD COLUMN taxed_price   numeric,
    ADD COLUMN main_image    text,
    ADD COLUMN brand_id      text,
    ADD COLUMN category_ids  text[],
    ADD COLUMN tags          text[],
    ADD COLUMN channels      text[],
    ADD COLUMN field_ts      jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN products.cost_price IS 'What the merchant pays for the product.';
COMMENT ON COLUMN products.taxed_price IS 'Price including tax.';
COMMENT ON COLUMN products.main_image IS 'URL of the main image.';
COMMENT ON COLUMN products.brand_id IS 'The brand (brands.brand_id).';
COMMENT ON COLUMN products.category_ids IS 'The categories (categories.category_id).';
COMMENT ON COLUMN products.tags IS 'Tag names.';
COMMENT ON COLUMN products.channels IS 'Sales channels the product is offered on.';
COMMENT ON COLUMN products.field_ts IS 'Per column, the source time (epoch microseconds) of the value it holds; partial events (product.price.updated, …) update only what they carry.';

ALTER TABLE orders
    ADD COLUMN source            text,
    ADD COLUMN shipping_company  text,
    ADD COLUMN shipping_city     text,
    ADD COLUMN shipping_country  text,
    ADD COLUMN field_ts          jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN orders.source IS 'Where the order was placed (store, dashboard, pos, …).';
COMMENT ON COLUMN orders.shipping_city IS 'City of the shipping address.';
COMMENT ON COLUMN orders.field_ts IS 'Per column, the source time (epoch microseconds) of the value it holds; the key "items" versions the set of order_items.';

-- The store's state as its app lifecycle events report it.
ALTER TABLE stores
    ADD COLUMN app_installed           boolean,
    ADD COLUMN app_installed_at        timestamptz,
    ADD COLUMN app_updated_at          timestamptz,
    ADD COLUMN app_uninstalled_at      timestamptz,
    ADD COLUMN app_scopes              text[],
    ADD COLUMN store_type              text,
    ADD COLUMN authorized_at           timestamptz,
    ADD COLUMN settings_updated_at     timestamptz,
    ADD COLUMN plan_name               text,
    ADD COLUMN plan_type               text,
    ADD COLUMN plan_period             text,
    ADD COLUMN trial_status            text,
    ADD COLUMN trial_starts_at         timestamptz,
    ADD COLUMN trial_ends_at           timestamptz,
    ADD COLUMN subscription_id         text,
    ADD COLUMN subscription_status     text,
    ADD COLUMN subscription_starts_at  timestamptz,
    ADD COLUMN subscription_ends_at    timestamptz,
    ADD COLUMN subscription_renewed_at timestamptz,
    ADD COLUMN app_rating              numeric,
    ADD COLUMN app_feedback            text,
    ADD COLUMN app_feedback_at         timestamptz,
    ADD COLUMN default_branch_id       text,
    ADD COLUMN field_ts                jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN source_ts               timestamptz;
COMMENT ON COLUMN stores.app_installed IS 'Whether the app is installed on the store (app.installed / app.updated: true, app.uninstalled: false); NULL if never reported.';
COMMENT ON COLUMN stores.store_type IS 'live, demo or development, as the app events say.';
COMMENT ON COLUMN stores.authorized_at IS 'Time of the latest app.store.authorize (the tokens themselves are in store_credentials, owner only).';
COMMENT ON COLUMN stores.trial_status IS 'started, expired or canceled (app.trial.*).';
COMMENT ON COLUMN stores.subscription_status IS 'started, renewed, expired or canceled (app.subscription.*).';
COMMENT ON COLUMN stores.subscription_ends_at IS 'End of the current subscription period.';
COMMENT ON COLUMN stores.app_rating IS 'The merchant''s rating of the app (app.feedback.created).';
COMMENT ON COLUMN stores.default_branch_id IS 'The default branch (store.branch.setDefault, or a branch event marking itself default).';
COMMENT ON COLUMN stores.source_ts IS 'Newest source time of the app state columns; NULL until an app event arrives.';

ALTER TABLE store_credentials
    ADD COLUMN app_settings jsonb,
    ADD COLUMN field_ts     jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN source_ts    timestamptz;
COMMENT ON COLUMN store_credentials.app_settings IS 'The app settings the merchant saved (app.settings.updated): may hold third-party keys, so kept here, owner only.';

-- ---------------------------------------------------------------------------------------------
-- Orders: status history, shipments
-- ---------------------------------------------------------------------------------------------
CREATE TABLE order_status_history (
    store_id      bigint NOT NULL REFERENCES stores,
    order_id      text NOT NULL,
    history_id    text NOT NULL,
    status_slug   text,
    status_name   text,
    note          text,
    changed_at    timestamptz,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, order_id, history_id),
    FOREIGN KEY (store_id, order_id) REFERENCES orders
);
COMMENT ON TABLE order_status_history IS 'Each status an order went through: Salla order.status.updated records, Flavours delivery status changes.';
COMMENT ON COLUMN order_status_history.history_id IS 'The platform''s id of the status change (Salla history record id, Flavours delivery xid).';
COMMENT ON COLUMN order_status_history.status_slug IS 'Machine status the order moved to (orders.status_slug vocabulary).';
COMMENT ON COLUMN order_status_history.status_name IS 'Display name of the status.';

CREATE TABLE shipments (
    store_id            bigint NOT NULL REFERENCES stores,
    shipment_id         text NOT NULL,
    order_id            text,
    order_reference_id  text,
    type                text,
    status              text,
    courier_id          text,
    courier_name        text,
    shipping_number     text,
    tracking_number     text,
    tracking_link       text,
    payment_method      text,
    currency            text,
    total               numeric,
    cash_on_delivery    numeric,
    is_international    boolean,
    shipment_created_at timestamptz,
    canceled_at         timestamptz,
    field_ts            jsonb NOT NULL DEFAULT '{}',
    source_ts           timestamptz NOT NULL,
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, shipment_id)
);
CREATE INDEX shipments_order_idx ON shipments (store_id, order_id);
COMMENT ON TABLE shipments IS 'Shipments and return shipments, from shipment.* events and the shipments listed in orders.';
COMMENT ON COLUMN shipments.type IS 'shipment or return.';
COMMENT ON COLUMN shipments.canceled_at IS 'Time of the shipment.cancelled event.';

CREATE TABLE order_shipment_cancellations (
    store_id        bigint NOT NULL REFERENCES stores,
    order_id        text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('shipment', 'return')),
    shipping_number text NOT NULL,
    reference_id    text,
    canceled_at     timestamptz,
    field_ts        jsonb NOT NULL DEFAULT '{}',
    source_ts       timestamptz NOT NULL,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, order_id, kind, shipping_number)
);
COMMENT ON TABLE order_shipment_cancellations IS 'order.shipment.cancelled and order.shipment.return.cancelled: which shipment of which order was cancelled (the event names the shipping number, not the shipment).';
COMMENT ON COLUMN order_shipment_cancellations.shipping_number IS 'The cancelled shipment''s shipping number; empty if the event gave none.';

-- ---------------------------------------------------------------------------------------------
-- Catalogue and store set-up
-- ---------------------------------------------------------------------------------------------
CREATE TABLE categories (
    store_id      bigint NOT NULL REFERENCES stores,
    category_id   text NOT NULL,
    name          text,
    parent_id     text,
    status        text,
    sort_order    bigint,
    url           text,
    deleted_at    timestamptz,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, category_id)
);
COMMENT ON TABLE categories IS 'Product categories (category.* events).';

CREATE TABLE brands (
    store_id      bigint NOT NULL REFERENCES stores,
    brand_id      text NOT NULL,
    name          text,
    description   text,
    is_active     boolean,
    logo          text,
    banner        text,
    deleted_at    timestamptz,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, brand_id)
);
COMMENT ON TABLE brands IS 'Brands (brand.* events); deleted_at set by brand.deleted.';

CREATE TABLE branches (
    store_id         bigint NOT NULL REFERENCES stores,
    branch_id        text NOT NULL,
    name             text,
    status           text,
    city             text,
    country          text,
    phone            text,
    whatsapp         text,
    telephone        text,
    latitude         numeric,
    longitude        numeric,
    preparation_time text,
    is_cod_available boolean,
    cod_cost         numeric,
    deleted_at       timestamptz,
    field_ts         jsonb NOT NULL DEFAULT '{}',
    source_ts        timestamptz NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, branch_id)
);
COMMENT ON TABLE branches IS 'Store branches (store.branch.* events). The default branch is stores.default_branch_id.';

CREATE TABLE taxes (
    store_id      bigint NOT NULL REFERENCES stores,
    tax_id        text NOT NULL,
    rate          numeric,
    status        text,
    country       text,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, tax_id)
);
COMMENT ON TABLE taxes IS 'Store taxes (storetax.created).';
COMMENT ON COLUMN taxes.rate IS 'Tax rate in percent.';

CREATE TABLE special_offers (
    store_id      bigint NOT NULL REFERENCES stores,
    offer_id      text NOT NULL,
    name          text,
    message       text,
    offer_type    text,
    status        text,
    expires_at    timestamptz,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, offer_id)
);
COMMENT ON TABLE special_offers IS 'Special offers (specialoffer.* events).';

CREATE TABLE shipping_zones (
    store_id        bigint NOT NULL REFERENCES stores,
    zone_id         text NOT NULL,
    zone_code       text,
    company_id      text,
    country         text,
    city            text,
    fee             numeric,
    fee_type        text,
    currency        text,
    cod_available   boolean,
    cod_fee         numeric,
    duration        text,
    field_ts        jsonb NOT NULL DEFAULT '{}',
    source_ts       timestamptz NOT NULL,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, zone_id)
);
COMMENT ON TABLE shipping_zones IS 'Shipping zones (shipping.zone.* events).';

CREATE TABLE shipping_companies (
    store_id      bigint NOT NULL REFERENCES stores,
    company_id    text NOT NULL,
    name          text,
    is_active     boolean,
    deleted_at    timestamptz,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, company_id)
);
COMMENT ON TABLE shipping_companies IS 'Shipping companies (shipping.company.* events).';

-- ---------------------------------------------------------------------------------------------
-- Carts, coupons, invoices, reviews, OTP requests
-- ---------------------------------------------------------------------------------------------
CREATE TABLE carts (
    store_id        bigint NOT NULL REFERENCES stores,
    cart_id         text NOT NULL,
    customer_id     text,
    is_abandoned    boolean,
    status          text,
    currency        text,
    total           numeric,
    subtotal        numeric,
    total_discount  numeric,
    coupon_code     text,
    checkout_url    text,
    age_in_minutes  bigint,
    cart_created_at timestamptz,
    cart_updated_at timestamptz,
    purchased_at    timestamptz,
    field_ts        jsonb NOT NULL DEFAULT '{}',
    source_ts       timestamptz NOT NULL,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, cart_id)
);
COMMENT ON TABLE carts IS 'Shopping carts: abandoned carts (abandoned.cart*) and carts a coupon was applied to (coupon.applied).';
COMMENT ON COLUMN carts.is_abandoned IS 'True once an abandoned.cart event named the cart.';
COMMENT ON COLUMN carts.status IS 'As abandoned.cart.status.changed reports it, e.g. purchased.';
COMMENT ON COLUMN carts.purchased_at IS 'Time of the abandoned.cart.purchased event.';

CREATE TABLE cart_items (
    store_id    bigint NOT NULL REFERENCES stores,
    cart_id     text NOT NULL,
    item_id     text NOT NULL,
    product_id  text,
    quantity    numeric,
    PRIMARY KEY (store_id, cart_id, item_id),
    FOREIGN KEY (store_id, cart_id) REFERENCES carts ON DELETE CASCADE
);
COMMENT ON TABLE cart_items IS 'Items of each cart, replaced as a set whenever a newer cart state arrives.';

CREATE TABLE coupons (
    store_id       bigint NOT NULL REFERENCES stores,
    coupon_id      text NOT NULL,
    code           text,
    status         text,
    type           text,
    amount         numeric,
    minimum_amount numeric,
    free_shipping  boolean,
    starts_at      timestamptz,
    expires_at     timestamptz,
    field_ts       jsonb NOT NULL DEFAULT '{}',
    source_ts      timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, coupon_id)
);
COMMENT ON TABLE coupons IS 'Coupons seen in carts (coupon.applied, abandoned.cart).';
COMMENT ON COLUMN coupons.amount IS 'Discount: a percentage or an amount, as type says.';

CREATE TABLE invoices (
    store_id       bigint NOT NULL REFERENCES stores,
    invoice_id     text NOT NULL,
    order_id       text,
    invoice_number text,
    type           text,
    invoice_date   timestamptz,
    payment_method text,
    currency       text,
    sub_total      numeric,
    shipping_cost  numeric,
    cod_cost       numeric,
    discount       numeric,
    tax            numeric,
    total          numeric,
    field_ts       jsonb NOT NULL DEFAULT '{}',
    source_ts      timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, invoice_id)
);
CREATE INDEX invoices_order_idx ON invoices (store_id, order_id);
COMMENT ON TABLE invoices IS 'Invoices (invoice.created).';

CREATE TABLE reviews (
    store_id      bigint NOT NULL REFERENCES stores,
    review_id     text NOT NULL,
    type          text,
    rating        numeric,
    content       text,
    customer_id   text,
    product_id    text,
    order_id      text,
    reviewed_at   timestamptz,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, review_id)
);
COMMENT ON TABLE reviews IS 'Reviews (review.added).';
COMMENT ON COLUMN reviews.review_id IS 'The platform''s id, or order:product:customer when the event carries none.';

CREATE TABLE customer_otp_requests (
    store_id      bigint NOT NULL REFERENCES stores,
    contact       text NOT NULL,
    requested_at  timestamptz NOT NULL,
    channel       text,
    field_ts      jsonb NOT NULL DEFAULT '{}',
    source_ts     timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, contact, requested_at)
);
COMMENT ON TABLE customer_otp_requests IS 'One-time-password requests (customer.otp.request): who asked, when, over which channel. The code itself is never stored.';
COMMENT ON COLUMN customer_otp_requests.channel IS 'sms (a phone number) or email.';
