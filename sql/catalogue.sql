-- The catalogue: products, their categories and brands, special offers. Typed state from
-- events: see versions.sql for source_ts and field_ts.

CREATE TABLE products (
    store_id       bigint NOT NULL REFERENCES stores,
    product_id     text NOT NULL,
    name           text,
    sku            text,
    mpn            text,
    gtin           text,
    type           text,
    status         text,
    price          numeric,
    sale_price     numeric,
    regular_price  numeric,
    cost_price     numeric,
    taxed_price    numeric,
    currency       text,
    quantity       bigint,
    is_available   boolean,
    main_image     text,
    brand_id       text,
    category_ids   text[],
    tags           text[],
    channels       text[],
    updated_at     timestamptz,
    deleted_at     timestamptz,
    field_ts       jsonb NOT NULL DEFAULT '{}',
    source_ts      timestamptz NOT NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, product_id)
);
SELECT pg_catalog.pg_extension_config_dump('storesync.products', '');
COMMENT ON TABLE products IS 'Products of each store, from product events; a product first seen in an order item is added with what the item tells.';
COMMENT ON COLUMN products.product_id IS 'The platform''s product id.';
COMMENT ON COLUMN products.name IS 'Product name.';
COMMENT ON COLUMN products.sku IS 'Stock keeping unit.';
COMMENT ON COLUMN products.mpn IS 'Manufacturer part number.';
COMMENT ON COLUMN products.gtin IS 'Global trade item number (barcode).';
COMMENT ON COLUMN products.type IS 'Product type (e.g. product, service, digital).';
COMMENT ON COLUMN products.status IS 'Product status (e.g. sale, out, hidden).';
COMMENT ON COLUMN products.price IS 'Current price.';
COMMENT ON COLUMN products.sale_price IS 'Sale price while on sale.';
COMMENT ON COLUMN products.regular_price IS 'Price before any sale.';
COMMENT ON COLUMN products.cost_price IS 'What the merchant pays for the product.';
COMMENT ON COLUMN products.taxed_price IS 'Price including tax.';
COMMENT ON COLUMN products.currency IS 'Currency of the prices.';
COMMENT ON COLUMN products.quantity IS 'Units in stock.';
COMMENT ON COLUMN products.is_available IS 'Whether customers can buy it now.';
COMMENT ON COLUMN products.main_image IS 'URL of the main image.';
COMMENT ON COLUMN products.brand_id IS 'The brand (brands.brand_id).';
COMMENT ON COLUMN products.category_ids IS 'The categories (categories.category_id).';
COMMENT ON COLUMN products.tags IS 'Tag names.';
COMMENT ON COLUMN products.channels IS 'Sales channels the product is offered on.';
COMMENT ON COLUMN products.updated_at IS 'The platform''s last-modified time of the product.';
COMMENT ON COLUMN products.deleted_at IS 'When the platform deleted the product (soft delete); NULL while it exists.';
COMMENT ON COLUMN products.field_ts IS 'Per column, the source time (epoch microseconds) of the value it holds; partial events (product.price.updated, …) update only what they carry.';
COMMENT ON COLUMN products.source_ts IS 'Time of the event this row reflects (-infinity for a row known only from an order item).';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.categories', '');
COMMENT ON TABLE categories IS 'Product categories (category.* events).';
COMMENT ON COLUMN categories.category_id IS 'The platform''s category id.';
COMMENT ON COLUMN categories.name IS 'Category name.';
COMMENT ON COLUMN categories.parent_id IS 'The parent category (categories.category_id); NULL at the top.';
COMMENT ON COLUMN categories.status IS 'Category status (e.g. active, hidden).';
COMMENT ON COLUMN categories.sort_order IS 'Position among its siblings.';
COMMENT ON COLUMN categories.url IS 'Public URL of the category page.';
COMMENT ON COLUMN categories.deleted_at IS 'When the category was deleted (category.deleted); NULL while it exists.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.brands', '');
COMMENT ON TABLE brands IS 'Brands (brand.* events); deleted_at set by brand.deleted.';
COMMENT ON COLUMN brands.brand_id IS 'The platform''s brand id.';
COMMENT ON COLUMN brands.name IS 'Brand name.';
COMMENT ON COLUMN brands.description IS 'Brand description.';
COMMENT ON COLUMN brands.is_active IS 'Whether the brand is active.';
COMMENT ON COLUMN brands.logo IS 'URL of the brand logo.';
COMMENT ON COLUMN brands.banner IS 'URL of the brand banner.';
COMMENT ON COLUMN brands.deleted_at IS 'When the brand was deleted (brand.deleted); NULL while it exists.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.special_offers', '');
COMMENT ON TABLE special_offers IS 'Special offers (specialoffer.* events).';
COMMENT ON COLUMN special_offers.offer_id IS 'The platform''s offer id.';
COMMENT ON COLUMN special_offers.name IS 'Offer name.';
COMMENT ON COLUMN special_offers.message IS 'Message shown to customers.';
COMMENT ON COLUMN special_offers.offer_type IS 'Kind of offer (e.g. buy_x_get_y, percentage).';
COMMENT ON COLUMN special_offers.status IS 'Offer status (e.g. active, inactive).';
COMMENT ON COLUMN special_offers.expires_at IS 'When the offer ends.';
