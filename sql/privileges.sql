-- Roles and privileges. Runs last in the extension script (finalize), after every other object.
--
--   storesync_ingest   the worker's role: may execute storesync.ingest (and
--                      storesync.refresh_rfm where it exists), nothing else; reads no table.
--                      Also storesync.prune_events (inbox retention), where it exists.
--   storesync_analyst  reads every table and view of the schema except the secret ones.
--   both               may execute storesync.rule_matches.
--   the owner          the extension's owner (a superuser, or whoever created a trusted
--                      install): everything, secrets included.
--
-- storesync.grant_roles() (re)applies all of it. A DBA re-runs it after adding objects to the
-- schema (new views, tables, an upgrade): SELECT storesync.grant_roles();

CREATE FUNCTION grant_roles()
RETURNS void
LANGUAGE plpgsql
-- SECURITY: runs as the extension's owner so that the owner of a trusted install (not a
-- superuser) can re-apply grants on objects the install script created; it takes no input
-- and only ever grants the fixed privileges below.
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- SECURITY: the one list of tables that hold secrets (webhook secrets, OAuth tokens, app
    -- settings). No role but the owner may read them.
    secret_tables  CONSTANT text[] := ARRAY['sources', 'store_credentials'];
    -- Routines only the owner may run (they register senders, rewrite rows, or grant).
    owner_only     CONSTANT text[] := ARRAY['create_source', 'replay', 'replay_failed', 'grant_roles',
                                            'prune_events_in_batches'];
    -- Routines the worker's role runs (prune_events: its retention timer); each is granted
    -- only where it exists.
    ingest_only    CONSTANT text[] := ARRAY['ingest', 'refresh_rfm',
                                            'prune_events'];
    -- Pure functions both roles may run: analysts in their queries, the worker for filters.
    both_roles     CONSTANT text[] := ARRAY['rule_matches'];
    schema_oid     oid := 'storesync'::regnamespace;
    owner_name     name;
    owner_is_super boolean;
    role_name      text;
    r              record;
BEGIN
    -- Roles are shared by every database of the cluster: create them once, and tolerate a
    -- concurrent install in another database creating them at the same moment.
    FOREACH role_name IN ARRAY ARRAY['storesync_ingest', 'storesync_analyst'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;

    SELECT a.rolname, a.rolsuper INTO owner_name, owner_is_super
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_roles a ON a.oid = e.extowner
    WHERE e.extname = 'storesync';

    EXECUTE 'GRANT USAGE ON SCHEMA storesync TO storesync_ingest, storesync_analyst';

    FOR r IN
        SELECT c.oid::regclass AS rel, c.relname = ANY (secret_tables) AS secret
        FROM pg_catalog.pg_class c
        WHERE c.relnamespace = schema_oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        IF r.secret THEN
            EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, storesync_ingest, storesync_analyst', r.rel);
        ELSE
            EXECUTE format('REVOKE ALL ON %s FROM storesync_ingest', r.rel);
            EXECUTE format('GRANT SELECT ON %s TO storesync_analyst', r.rel);
        END IF;
        IF NOT owner_is_super THEN
            EXECUTE format('GRANT ALL ON %s TO %I', r.rel, owner_name);
        END IF;
    END LOOP;

    FOR r IN
        SELECT p.oid::regprocedure AS routine, p.proname = ANY (ingest_only) AS for_ingest
        FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = schema_oid AND p.proname = ANY (owner_only || ingest_only)
    LOOP
        EXECUTE format('REVOKE ALL ON ROUTINE %s FROM PUBLIC, storesync_analyst', r.routine);
        IF r.for_ingest THEN
            EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO storesync_ingest', r.routine);
        ELSE
            EXECUTE format('REVOKE ALL ON ROUTINE %s FROM storesync_ingest', r.routine);
        END IF;
        IF NOT owner_is_super THEN
            EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %I', r.routine, owner_name);
        END IF;
    END LOOP;

    FOR r IN
        SELECT p.oid::regprocedure AS routine
        FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = schema_oid AND p.proname = ANY (both_roles)
    LOOP
        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO storesync_ingest, storesync_analyst', r.routine);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION grant_roles() IS
    'Creates the roles storesync_ingest and storesync_analyst if missing and (re)applies every grant of the schema: analysts read all tables and views except sources and store_credentials; the ingest role may only execute storesync.ingest (and storesync.refresh_rfm, storesync.prune_events); both may execute storesync.rule_matches. Re-run it after adding objects to the schema.';

SELECT grant_roles();
