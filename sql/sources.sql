-- Registering webhook senders.

CREATE FUNCTION create_source(source text, platform text, strategy text, secret text)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id int;
BEGIN
    -- Validate here, before the INSERT: a failing CHECK would echo the whole row, secret
    -- included, in its DETAIL.  SECURITY: no message below mentions the secret.
    IF source IS NULL OR source !~ '^[A-Za-z0-9_.-]{1,64}$' THEN
        RAISE EXCEPTION 'invalid source name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 64 letters, digits, ".", "_" or "-": the name appears in the webhook URL.';
    END IF;
    IF platform IS NULL OR lower(platform) NOT IN ('salla') THEN
        RAISE EXCEPTION 'unknown platform "%"', platform
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Supported platforms: salla.';
    END IF;
    IF strategy IS NULL OR lower(strategy) NOT IN ('signature', 'token') THEN
        RAISE EXCEPTION 'unknown security strategy "%"', strategy
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use signature or token.';
    END IF;
    IF secret IS NULL OR length(secret) = 0 THEN
        RAISE EXCEPTION 'the secret must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM storesync.sources s WHERE s.name = source) THEN
        RAISE EXCEPTION 'source "%" already exists', source USING ERRCODE = 'duplicate_object';
    END IF;

    INSERT INTO storesync.sources (name, platform, strategy, secret)
    VALUES (source, lower(platform), lower(strategy), secret)
    RETURNING source_id INTO new_id;
    RETURN new_id;
EXCEPTION
    -- A concurrent registration of the same name; reported without the row's contents.
    WHEN unique_violation THEN
        RAISE EXCEPTION 'source "%" already exists', source USING ERRCODE = 'duplicate_object';
END;
$$;
COMMENT ON FUNCTION create_source(text, text, text, text) IS
    'Registers a webhook sender: create_source(name, platform => ''salla'', strategy => ''signature''|''token'', secret). Returns its source_id. Webhooks are then posted to /webhooks/{name}.';
