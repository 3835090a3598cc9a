-- How each store is set up: branches, taxes, shipping zones and companies. Typed state from
-- events: see versions.sql for source_ts and field_ts.

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
SELECT pg_catalog.pg_extension_config_dump('storesync.branches', '');
COMMENT ON TABLE branches IS 'Store branches (store.branch.* events). The default branch is stores.default_branch_id.';
COMMENT ON COLUMN branches.branch_id IS 'The platform''s branch id.';
COMMENT ON COLUMN branches.name IS 'Branch name.';
COMMENT ON COLUMN branches.status IS 'Branch status as the platform reports it (e.g. active).';
COMMENT ON COLUMN branches.city IS 'City of the branch.';
COMMENT ON COLUMN branches.country IS 'Country of the branch.';
COMMENT ON COLUMN branches.phone IS 'Phone number.';
COMMENT ON COLUMN branches.whatsapp IS 'WhatsApp number.';
COMMENT ON COLUMN branches.telephone IS 'Landline number.';
COMMENT ON COLUMN branches.latitude IS 'Latitude of the branch location.';
COMMENT ON COLUMN branches.longitude IS 'Longitude of the branch location.';
COMMENT ON COLUMN branches.preparation_time IS 'Order preparation time as the platform states it (text, e.g. "30 minutes").';
COMMENT ON COLUMN branches.is_cod_available IS 'Whether cash on delivery is offered from this branch.';
COMMENT ON COLUMN branches.cod_cost IS 'Cash-on-delivery fee.';
COMMENT ON COLUMN branches.deleted_at IS 'When the branch was deleted (store.branch.deleted); NULL while it exists.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.taxes', '');
COMMENT ON TABLE taxes IS 'Store taxes (storetax.created).';
COMMENT ON COLUMN taxes.tax_id IS 'The platform''s tax id.';
COMMENT ON COLUMN taxes.rate IS 'Tax rate in percent.';
COMMENT ON COLUMN taxes.status IS 'Tax status (e.g. active).';
COMMENT ON COLUMN taxes.country IS 'Country the tax applies in.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.shipping_zones', '');
COMMENT ON TABLE shipping_zones IS 'Shipping zones (shipping.zone.* events).';
COMMENT ON COLUMN shipping_zones.zone_id IS 'The platform''s zone id.';
COMMENT ON COLUMN shipping_zones.zone_code IS 'Zone code.';
COMMENT ON COLUMN shipping_zones.company_id IS 'The shipping company (shipping_companies.company_id).';
COMMENT ON COLUMN shipping_zones.country IS 'Country the zone covers.';
COMMENT ON COLUMN shipping_zones.city IS 'City the zone covers.';
COMMENT ON COLUMN shipping_zones.fee IS 'Shipping fee.';
COMMENT ON COLUMN shipping_zones.fee_type IS 'How the fee applies (e.g. fixed, by weight).';
COMMENT ON COLUMN shipping_zones.currency IS 'Currency of the fees.';
COMMENT ON COLUMN shipping_zones.cod_available IS 'Whether cash on delivery is offered in the zone.';
COMMENT ON COLUMN shipping_zones.cod_fee IS 'Cash-on-delivery fee.';
COMMENT ON COLUMN shipping_zones.duration IS 'Delivery time as the platform states it.';

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
SELECT pg_catalog.pg_extension_config_dump('storesync.shipping_companies', '');
COMMENT ON TABLE shipping_companies IS 'Shipping companies (shipping.company.* events).';
COMMENT ON COLUMN shipping_companies.company_id IS 'The platform''s shipping company id.';
COMMENT ON COLUMN shipping_companies.name IS 'Company name.';
COMMENT ON COLUMN shipping_companies.is_active IS 'Whether the store uses the company.';
COMMENT ON COLUMN shipping_companies.deleted_at IS 'When the company was removed (shipping.company.deleted); NULL while it exists.';
