-- Customers of each store and what they do besides ordering: one-time-password requests and
-- reviews. Typed state from events: see versions.sql for source_ts and field_ts.

CREATE TABLE customers (
    store_id       bigint NOT NULL REFERENCES stores,
    customer_id    text NOT NULL,
    name           text,
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
    field_ts       jsonb NOT NULL DEFAULT '{}',
    source_ts      timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, customer_id)
);
SELECT pg_catalog.pg_extension_config_dump('storesync.customers', '');
COMMENT ON TABLE customers IS 'Customers of each store, from customer events and the customer embedded in orders.';
COMMENT ON COLUMN customers.customer_id IS 'The platform''s customer id.';
COMMENT ON COLUMN customers.name IS 'Full name: first and last name joined (Salla), or the single name the platform sends (Flavours, condensed Salla customers).';
COMMENT ON COLUMN customers.first_name IS 'First name.';
COMMENT ON COLUMN customers.last_name IS 'Last name.';
COMMENT ON COLUMN customers.email IS 'Email address.';
COMMENT ON COLUMN customers.mobile IS 'Mobile number without the country code, as text (the platform sends a number or a string).';
COMMENT ON COLUMN customers.mobile_code IS 'Country calling code of the mobile number (e.g. +966).';
COMMENT ON COLUMN customers.gender IS 'Gender as the platform reports it.';
COMMENT ON COLUMN customers.birthday IS 'Date of birth.';
COMMENT ON COLUMN customers.city IS 'City.';
COMMENT ON COLUMN customers.country IS 'Country name.';
COMMENT ON COLUMN customers.country_code IS 'ISO country code.';
COMMENT ON COLUMN customers.currency IS 'The customer''s preferred currency.';
COMMENT ON COLUMN customers.updated_at IS 'The platform''s last-modified time of the customer.';
COMMENT ON COLUMN customers.last_login_at IS 'Latest customer.login event time.';
COMMENT ON COLUMN customers.deleted_at IS 'When the platform deleted the customer (soft delete); NULL while it exists.';
COMMENT ON COLUMN customers.field_ts IS 'Per column, the source time (epoch microseconds) of the value it holds; an older event never overwrites a newer value.';
COMMENT ON COLUMN customers.source_ts IS 'Time of the event this row reflects; older events do not overwrite it.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.customer_otp_requests', '');
COMMENT ON TABLE customer_otp_requests IS 'One-time-password requests (customer.otp.request): who asked, when, over which channel. The code itself is never stored.';
COMMENT ON COLUMN customer_otp_requests.contact IS 'The phone number or email the code was sent to.';
COMMENT ON COLUMN customer_otp_requests.requested_at IS 'When the code was requested.';
COMMENT ON COLUMN customer_otp_requests.channel IS 'sms (a phone number) or email.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.reviews', '');
COMMENT ON TABLE reviews IS 'Reviews (review.added).';
COMMENT ON COLUMN reviews.review_id IS 'The platform''s id, or order:product:customer when the event carries none.';
COMMENT ON COLUMN reviews.type IS 'What is reviewed: product, store or shipping.';
COMMENT ON COLUMN reviews.rating IS 'Rating given (1 to 5).';
COMMENT ON COLUMN reviews.content IS 'Review text.';
COMMENT ON COLUMN reviews.customer_id IS 'The reviewer (customers.customer_id).';
COMMENT ON COLUMN reviews.product_id IS 'The product reviewed (products.product_id), if any.';
COMMENT ON COLUMN reviews.order_id IS 'The order reviewed (orders.order_id), if any.';
COMMENT ON COLUMN reviews.reviewed_at IS 'When the review was written.';
