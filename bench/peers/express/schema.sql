-- Tables of the Express + pg benchmark peer: what a careful developer would create for the
-- same job as storesync (raw event inbox deduplicated by body hash; customers, orders and
-- order lines kept up to date, an older event never overwriting a newer state).
CREATE SCHEMA IF NOT EXISTS peer_express;

CREATE TABLE peer_express.events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body_sha256  bytea NOT NULL UNIQUE,
    event_name   text NOT NULL,
    merchant     text NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE peer_express.customers (
    merchant     text NOT NULL,
    customer_id  text NOT NULL,
    first_name   text,
    last_name    text,
    email        text,
    mobile       text,
    city         text,
    country      text,
    updated_at   timestamptz,
    source_ts    timestamptz NOT NULL,
    PRIMARY KEY (merchant, customer_id)
);

CREATE TABLE peer_express.orders (
    merchant        text NOT NULL,
    order_id        text NOT NULL,
    reference_id    text,
    customer_id     text,
    status_slug     text,
    order_date      timestamptz,
    currency        text,
    total           numeric,
    sub_total       numeric,
    shipping_cost   numeric,
    tax             numeric,
    discount        numeric,
    payment_method  text,
    source_ts       timestamptz NOT NULL,
    PRIMARY KEY (merchant, order_id)
);
CREATE INDEX ON peer_express.orders (merchant, customer_id);

CREATE TABLE peer_express.order_items (
    merchant    text NOT NULL,
    order_id    text NOT NULL,
    item_id     text NOT NULL,
    product_id  text,
    name        text,
    sku         text,
    quantity    numeric,
    price       numeric,
    discount    numeric,
    tax         numeric,
    total       numeric,
    PRIMARY KEY (merchant, order_id, item_id),
    FOREIGN KEY (merchant, order_id) REFERENCES peer_express.orders ON DELETE CASCADE
);
