-- Webhook senders: one row per configuration a worker URL /webhooks/{name} points at, and the
-- functions that register them.

CREATE TABLE sources (
    source_id     int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    platform      text NOT NULL CHECK (platform IN ('salla', 'flavours')),
    strategy      text NOT NULL CHECK (strategy IN ('signature', 'token', 'standard-webhooks')),
    -- SECURITY: the webhook secret (Signature, Standard Webhooks) or token (Token). Only the
    -- owner reads this table.
    secret        text NOT NULL,
    token_header  text,
    merchant_id   text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- No CHECK: a failing CHECK quotes the row, secret included; the loader refuses values <= 0.
    tolerance_seconds int
);
REVOKE ALL ON sources FROM PUBLIC;
-- SECURITY: in every dump too (see stores.sql).
SELECT pg_catalog.pg_extension_config_dump('storesync.sources', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('storesync.sources', 'source_id')::pg_catalog.regclass, '');
COMMENT ON TABLE sources IS 'Webhook senders: one row per configuration a worker URL /webhooks/{name} points at. Holds secrets: readable by the owner only.';
COMMENT ON COLUMN sources.source_id IS 'Internal key of the source.';
COMMENT ON COLUMN sources.name IS 'The {source} part of the webhook URL.';
COMMENT ON COLUMN sources.platform IS 'Payload dialect: salla or flavours.';
COMMENT ON COLUMN sources.strategy IS 'How deliveries are authenticated: signature (X-Salla-Signature HMAC-SHA256 of the raw body), token (Authorization header equals the secret) or standard-webhooks (webhook-signature over webhook-id.webhook-timestamp.body, whsec_ secret). Pinned here: a request header cannot change it.';
COMMENT ON COLUMN sources.secret IS 'Webhook secret, token, or whsec_ secret (standard-webhooks). Never shown in errors or logs.';
COMMENT ON COLUMN sources.token_header IS 'Token strategy: the request header that carries the token (matched case-insensitively). NULL means Authorization.';
COMMENT ON COLUMN sources.merchant_id IS 'For platforms whose webhooks name no merchant (flavours): the merchant id deliveries are filed under. NULL means the source name.';
COMMENT ON COLUMN sources.created_at IS 'When the source was registered.';
COMMENT ON COLUMN sources.tolerance_seconds IS 'standard-webhooks: the largest accepted distance in seconds between webhook-timestamp and the time of receipt (older or later deliveries are refused as stale_timestamp). NULL means 300 (5 minutes); must be positive.';

CREATE FUNCTION create_source(
    source text, platform text, strategy text, secret text, token_header text,
    merchant text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id int;
    kind text := lower(platform);
    how text := lower(strategy);
BEGIN
    -- Validate here, before the INSERT: a failing CHECK would echo the whole row, secret
    -- included, in its DETAIL.  SECURITY: no message below mentions the secret.
    IF source IS NULL OR source !~ '^[A-Za-z0-9_.-]{1,64}$' THEN
        RAISE EXCEPTION 'invalid source name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 64 letters, digits, ".", "_" or "-": the name appears in the webhook URL.';
    END IF;
    IF kind IS NULL OR kind NOT IN ('salla', 'flavours') THEN
        RAISE EXCEPTION 'unknown platform "%"', platform
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Supported platforms: salla, flavours.';
    END IF;
    IF how IS NULL OR how NOT IN ('signature', 'token', 'standard-webhooks') THEN
        RAISE EXCEPTION 'unknown security strategy "%"', strategy
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use signature, token or standard-webhooks.';
    END IF;
    -- Salla's signature is Salla's own; a gateway re-signing with the standard may front either.
    IF kind = 'flavours' AND how = 'signature' THEN
        RAISE EXCEPTION 'flavours sources use the token strategy'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Flavours signs nothing: configure a token and the header it is sent in, or standard-webhooks behind a gateway that signs.';
    END IF;
    IF token_header IS NOT NULL AND how <> 'token' THEN
        RAISE EXCEPTION 'a token header applies to the token strategy only'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF token_header IS NOT NULL AND token_header !~ '^[A-Za-z0-9-]{1,64}$' THEN
        RAISE EXCEPTION 'invalid token header name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use an HTTP header name: 1 to 64 letters, digits or "-".';
    END IF;
    IF merchant IS NOT NULL AND kind <> 'flavours' THEN
        RAISE EXCEPTION '% webhooks name their merchant; a source merchant applies to flavours only', kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF merchant IS NOT NULL AND (length(merchant) = 0 OR length(merchant) > 255) THEN
        RAISE EXCEPTION 'the merchant id must have 1 to 255 characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF secret IS NULL OR length(secret) = 0 THEN
        RAISE EXCEPTION 'the secret must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Standard Webhooks: whsec_ + the base64 (padding optional, as the standard's libraries
    -- read it) of a 16 to 64 byte key. SECURITY: decode() would quote an offending character,
    -- so its errors are replaced by a fixed message.
    IF how = 'standard-webhooks' THEN
        BEGIN
            IF secret !~ '^whsec_[A-Za-z0-9+/]+={0,2}$'
               OR length(rtrim(substr(secret, 7), '=')) % 4 = 1
               OR length(decode(rtrim(substr(secret, 7), '=')
                                || repeat('=', (4 - length(rtrim(substr(secret, 7), '=')) % 4) % 4),
                                'base64')) NOT BETWEEN 16 AND 64 THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value';
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'a standard-webhooks secret is whsec_ followed by the base64 of a 16 to 64 byte key'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Copy the signing secret from the sender (Svix, Hookdeck, …) as it shows it, whsec_ included.';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM storesync.sources s WHERE s.name = source) THEN
        RAISE EXCEPTION 'source "%" already exists', source USING ERRCODE = 'duplicate_object';
    END IF;

    INSERT INTO storesync.sources (name, platform, strategy, secret, token_header, merchant_id)
    VALUES (source, kind, how, secret, token_header, merchant)
    RETURNING source_id INTO new_id;
    RETURN new_id;
EXCEPTION
    -- A concurrent registration of the same name; reported without the row's contents.
    WHEN unique_violation THEN
        RAISE EXCEPTION 'source "%" already exists', source USING ERRCODE = 'duplicate_object';
END;
$$;
COMMENT ON FUNCTION create_source(text, text, text, text, text, text) IS
    'Registers a webhook sender with all options: create_source(name, platform => ''salla''|''flavours'', strategy => ''signature''|''token''|''standard-webhooks'', secret (whsec_… for standard-webhooks), token_header => NULL (Authorization), merchant => NULL (flavours only; default the source name)). Returns its source_id.';

CREATE FUNCTION create_source(source text, platform text, strategy text, secret text)
RETURNS int
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT storesync.create_source(source, platform, strategy, secret, NULL::text, NULL::text)
$$;
COMMENT ON FUNCTION create_source(text, text, text, text) IS
    'Registers a webhook sender: create_source(name, platform => ''salla''|''flavours'', strategy => ''signature''|''token''|''standard-webhooks'', secret (whsec_… for standard-webhooks)). Returns its source_id. Webhooks are then posted to /webhooks/{name}.';
