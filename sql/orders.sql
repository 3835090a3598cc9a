-- Orders and what follows them: line items, status history, shipments, cancelled shipments,
-- invoices. Typed state from events: see versions.sql for source_ts and field_ts.

CREATE TABLE orders (
    store_id          bigint NOT NULL REFERENCES stores,
    order_id          text NOT NULL,
    reference_id      text,
    customer_id       text,
    status_slug       text,
    status_name       text,
    order_date        timestamptz,
    source            text,
    currency          text,
    total             numeric,
    sub_total         numeric,
    shipping_cost     numeric,
    tax               numeric,
    discount          numeric,
    payment_method    text,
    shipping_company  text,
    shipping_city     text,
    shipping_country  text,
    draft             boolean NOT NULL DEFAULT false,
    deleted_at        timestamptz,
    field_ts          jsonb NOT NULL DEFAULT '{}',
    source_ts         timestamptz NOT NULL,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, order_id)
);
CREATE INDEX orders_customer_idx ON orders (store_id, customer_id);
SELECT pg_catalog.pg_extension_config_dump('storesync.orders', '');
COMMENT ON TABLE orders IS 'Orders of each store, latest known state.';
COMMENT ON COLUMN orders.order_id IS 'The platform''s order id.';
COMMENT ON COLUMN orders.reference_id IS 'Order number shown to the customer.';
COMMENT ON COLUMN orders.customer_id IS 'The customer (customers.customer_id); NULL for a guest order with no customer.';
COMMENT ON COLUMN orders.status_slug IS 'Machine status, e.g. under_review, completed, canceled.';
COMMENT ON COLUMN orders.status_name IS 'Display name of the status.';
COMMENT ON COLUMN orders.order_date IS 'When the customer placed the order.';
COMMENT ON COLUMN orders.source IS 'Where the order was placed (store, dashboard, pos, …).';
COMMENT ON COLUMN orders.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN orders.total IS 'Order total in currency, including shipping and tax.';
COMMENT ON COLUMN orders.sub_total IS 'Total of the items before shipping, tax and discounts.';
COMMENT ON COLUMN orders.shipping_cost IS 'Shipping cost.';
COMMENT ON COLUMN orders.tax IS 'Tax.';
COMMENT ON COLUMN orders.discount IS 'Sum of the order''s discounts.';
COMMENT ON COLUMN orders.payment_method IS 'How the order was paid.';
COMMENT ON COLUMN orders.shipping_company IS 'Name of the shipping company.';
COMMENT ON COLUMN orders.shipping_city IS 'City of the shipping address.';
COMMENT ON COLUMN orders.shipping_country IS 'Country of the shipping address.';
COMMENT ON COLUMN orders.draft IS 'True while the order is a draft; draft orders do not count for RFM.';
COMMENT ON COLUMN orders.deleted_at IS 'When the platform deleted the order (soft delete); NULL while it exists. Deleted orders do not count for RFM.';
COMMENT ON COLUMN orders.field_ts IS 'Per column, the source time (epoch microseconds) of the value it holds; the key "items" versions the set of order_items.';
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
SELECT pg_catalog.pg_extension_config_dump('storesync.order_items', '');
COMMENT ON TABLE order_items IS 'Line items of each order, replaced as a set whenever a newer order state arrives.';
COMMENT ON COLUMN order_items.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN order_items.item_id IS 'The platform''s order item id.';
COMMENT ON COLUMN order_items.product_id IS 'The product (products.product_id).';
COMMENT ON COLUMN order_items.name IS 'Product name as ordered.';
COMMENT ON COLUMN order_items.sku IS 'Stock keeping unit as ordered.';
COMMENT ON COLUMN order_items.quantity IS 'Quantity ordered.';
COMMENT ON COLUMN order_items.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN order_items.price IS 'Unit price without tax.';
COMMENT ON COLUMN order_items.discount IS 'Discount on the line.';
COMMENT ON COLUMN order_items.tax IS 'Tax on the line.';
COMMENT ON COLUMN order_items.total IS 'Line total.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.order_status_history', '');
COMMENT ON TABLE order_status_history IS 'Each status an order went through: Salla order.status.updated records, Flavours delivery status changes.';
COMMENT ON COLUMN order_status_history.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN order_status_history.history_id IS 'The platform''s id of the status change (Salla history record id, Flavours delivery xid).';
COMMENT ON COLUMN order_status_history.status_slug IS 'Machine status the order moved to (orders.status_slug vocabulary).';
COMMENT ON COLUMN order_status_history.status_name IS 'Display name of the status.';
COMMENT ON COLUMN order_status_history.note IS 'Note the merchant attached to the status change.';
COMMENT ON COLUMN order_status_history.changed_at IS 'When the order entered this status.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.shipments', '');
COMMENT ON TABLE shipments IS 'Shipments and return shipments, from shipment.* events and the shipments listed in orders.';
COMMENT ON COLUMN shipments.shipment_id IS 'The platform''s shipment id.';
COMMENT ON COLUMN shipments.order_id IS 'The order shipped (orders.order_id).';
COMMENT ON COLUMN shipments.order_reference_id IS 'Order number shown to the customer.';
COMMENT ON COLUMN shipments.type IS 'shipment or return.';
COMMENT ON COLUMN shipments.status IS 'Shipment status as the courier reports it.';
COMMENT ON COLUMN shipments.courier_id IS 'The shipping company (shipping_companies.company_id).';
COMMENT ON COLUMN shipments.courier_name IS 'Name of the courier.';
COMMENT ON COLUMN shipments.shipping_number IS 'The courier''s shipment number.';
COMMENT ON COLUMN shipments.tracking_number IS 'Tracking number.';
COMMENT ON COLUMN shipments.tracking_link IS 'Tracking URL.';
COMMENT ON COLUMN shipments.payment_method IS 'How the order was paid.';
COMMENT ON COLUMN shipments.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN shipments.total IS 'Value of the shipment.';
COMMENT ON COLUMN shipments.cash_on_delivery IS 'Amount to collect on delivery.';
COMMENT ON COLUMN shipments.is_international IS 'Whether the shipment crosses a border.';
COMMENT ON COLUMN shipments.shipment_created_at IS 'When the shipment was created.';
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
SELECT pg_catalog.pg_extension_config_dump('storesync.order_shipment_cancellations', '');
COMMENT ON TABLE order_shipment_cancellations IS 'order.shipment.cancelled and order.shipment.return.cancelled: which shipment of which order was cancelled (the event names the shipping number, not the shipment).';
COMMENT ON COLUMN order_shipment_cancellations.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN order_shipment_cancellations.kind IS 'shipment (order.shipment.cancelled) or return (order.shipment.return.cancelled).';
COMMENT ON COLUMN order_shipment_cancellations.shipping_number IS 'The cancelled shipment''s shipping number; empty if the event gave none.';
COMMENT ON COLUMN order_shipment_cancellations.reference_id IS 'The order''s reference number as the event gives it.';
COMMENT ON COLUMN order_shipment_cancellations.canceled_at IS 'When the shipment was cancelled.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.invoices', '');
COMMENT ON TABLE invoices IS 'Invoices (invoice.created).';
COMMENT ON COLUMN invoices.invoice_id IS 'The platform''s invoice id.';
COMMENT ON COLUMN invoices.order_id IS 'The invoiced order (orders.order_id).';
COMMENT ON COLUMN invoices.invoice_number IS 'Invoice number shown to the customer.';
COMMENT ON COLUMN invoices.type IS 'Invoice type (e.g. invoice, credit note).';
COMMENT ON COLUMN invoices.invoice_date IS 'Date of the invoice.';
COMMENT ON COLUMN invoices.payment_method IS 'How the order was paid.';
COMMENT ON COLUMN invoices.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN invoices.sub_total IS 'Total before shipping, fees, discount and tax.';
COMMENT ON COLUMN invoices.shipping_cost IS 'Shipping cost.';
COMMENT ON COLUMN invoices.cod_cost IS 'Cash-on-delivery fee.';
COMMENT ON COLUMN invoices.discount IS 'Discount.';
COMMENT ON COLUMN invoices.tax IS 'Tax.';
COMMENT ON COLUMN invoices.total IS 'Invoice total.';
