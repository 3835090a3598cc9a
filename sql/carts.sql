-- Shopping carts, their items, and the coupons seen in them. Typed state from events: see
-- versions.sql for source_ts and field_ts.

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
SELECT pg_catalog.pg_extension_config_dump('storesync.carts', '');
COMMENT ON TABLE carts IS 'Shopping carts: abandoned carts (abandoned.cart*) and carts a coupon was applied to (coupon.applied).';
COMMENT ON COLUMN carts.cart_id IS 'The platform''s cart id.';
COMMENT ON COLUMN carts.customer_id IS 'The customer (customers.customer_id), when known.';
COMMENT ON COLUMN carts.is_abandoned IS 'True once an abandoned.cart event named the cart.';
COMMENT ON COLUMN carts.status IS 'As abandoned.cart.status.changed reports it, e.g. purchased.';
COMMENT ON COLUMN carts.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN carts.total IS 'Cart total.';
COMMENT ON COLUMN carts.subtotal IS 'Cart total before discounts.';
COMMENT ON COLUMN carts.total_discount IS 'Sum of the cart''s discounts.';
COMMENT ON COLUMN carts.coupon_code IS 'Code of the coupon applied to the cart.';
COMMENT ON COLUMN carts.checkout_url IS 'Link that resumes the checkout.';
COMMENT ON COLUMN carts.age_in_minutes IS 'How old the cart was when the event was sent, in minutes.';
COMMENT ON COLUMN carts.cart_created_at IS 'When the customer created the cart.';
COMMENT ON COLUMN carts.cart_updated_at IS 'When the cart last changed, as the platform reports it.';
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
SELECT pg_catalog.pg_extension_config_dump('storesync.cart_items', '');
COMMENT ON TABLE cart_items IS 'Items of each cart, replaced as a set whenever a newer cart state arrives.';
COMMENT ON COLUMN cart_items.cart_id IS 'The cart (carts.cart_id).';
COMMENT ON COLUMN cart_items.item_id IS 'The platform''s cart item id.';
COMMENT ON COLUMN cart_items.product_id IS 'The product (products.product_id).';
COMMENT ON COLUMN cart_items.quantity IS 'Quantity in the cart.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.coupons', '');
COMMENT ON TABLE coupons IS 'Coupons seen in carts (coupon.applied, abandoned.cart).';
COMMENT ON COLUMN coupons.coupon_id IS 'The platform''s coupon id.';
COMMENT ON COLUMN coupons.code IS 'The code customers enter.';
COMMENT ON COLUMN coupons.status IS 'Coupon status (e.g. active, expired).';
COMMENT ON COLUMN coupons.type IS 'How amount applies: percentage or fixed.';
COMMENT ON COLUMN coupons.amount IS 'Discount: a percentage or an amount, as type says.';
COMMENT ON COLUMN coupons.minimum_amount IS 'Smallest cart total the coupon applies to.';
COMMENT ON COLUMN coupons.free_shipping IS 'Whether the coupon also waives shipping.';
COMMENT ON COLUMN coupons.starts_at IS 'Start of validity.';
COMMENT ON COLUMN coupons.expires_at IS 'End of validity.';
