//! Backups: every table and sequence of the schema is in pg_dump's output (registered with
//! pg_extension_config_dump), and restore mode (setting storesync.restoring) loads a dump's
//! rows as they are: no trigger recomputes anything, the seeded tables take the dump's rows.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    use crate::tests::rfm_support::*;
    use crate::tests::support::*;
    use serde_json::json;

    fn restoring(on: bool) {
        Spi::run(&format!(
            "SET LOCAL storesync.restoring = {}",
            if on { "on" } else { "off" }
        ))
        .unwrap();
    }

    #[pg_test]
    fn every_table_and_sequence_is_in_a_dump() {
        let missing = text(
            "SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.relname)
               FROM pg_class AS c
              WHERE c.relnamespace = 'storesync'::regnamespace
                AND c.relkind IN ('r', 'p', 'S')
                AND c.oid <> ALL (SELECT unnest(e.extconfig) FROM pg_extension AS e
                                   WHERE e.extname = 'storesync')",
        );
        assert_eq!(
            missing,
            None,
            "not registered with pg_extension_config_dump: {}",
            missing.clone().unwrap_or_default()
        );
        // Whole tables: no filter leaves rows out.
        let filtered = count(
            "SELECT count(*) FROM pg_extension AS e, unnest(e.extcondition) AS w
              WHERE e.extname = 'storesync' AND w <> ''",
        );
        assert_eq!(filtered, 0);
        // The four identity sequences are among them (the check above saw sequences at all).
        assert_eq!(
            count(
                "SELECT count(*) FROM pg_extension AS e, unnest(e.extconfig) AS c
                  WHERE e.extname = 'storesync' AND c::regclass::text LIKE '%_seq'"
            ),
            4
        );
    }

    #[pg_test]
    fn restored_orders_rescore_nobody_and_restored_settings_keep_their_times() {
        let s = new_store("restore");
        restoring(true);
        order(s, "o1", "c1", 3, "100", "completed");
        assert_eq!(
            count("SELECT count(*) FROM storesync.rfm_customers"),
            0,
            "no figures recomputed while restoring"
        );
        // A settings row from a dump replaces the seed, times and flags untouched.
        Spi::run(
            "INSERT INTO storesync.rfm_settings
             VALUES (true, '{canceled}', true, 45, true, '2001-02-03 04:05:06+00')",
        )
        .unwrap();
        assert_eq!(
            text(
                "SELECT format('%s %s %s %s', excluded_statuses, default_rhythm_days, figures_stale,
                               updated_at = '2001-02-03 04:05:06+00')
                   FROM storesync.rfm_settings"
            )
            .as_deref(),
            Some("{canceled} 45 t t")
        );
        Spi::run("UPDATE storesync.rfm_settings SET excluded_statuses = '{}'").unwrap();
        assert_eq!(
            row("SELECT updated_at = '2001-02-03 04:05:06+00' AS kept FROM storesync.rfm_settings"),
            json!({"kept": true}),
            "an UPDATE while restoring keeps the dump's updated_at"
        );

        // Out of restore mode: the triggers are back.
        restoring(false);
        order(s, "o2", "c2", 1, "50", "completed");
        assert_eq!(count("SELECT count(*) FROM storesync.rfm_customers"), 1);
        Spi::run("UPDATE storesync.rfm_settings SET default_rhythm_days = 31").unwrap();
        assert_eq!(
            row("SELECT updated_at = now() AS restamped FROM storesync.rfm_settings"),
            json!({"restamped": true})
        );
    }

    #[pg_test(error = "storesync.rfm_settings already has its row")]
    fn a_second_settings_row_is_refused_with_the_restore_hint() {
        Spi::run("INSERT INTO storesync.rfm_settings DEFAULT VALUES").unwrap();
    }

    #[pg_test]
    fn a_restored_segment_map_replaces_the_seed_and_keeps_deletions() {
        let s = new_store("map");
        order(s, "o1", "c1", 3, "100", "completed");
        refresh(Some(s));
        let before = changes(s);
        restoring(true);
        // The dump's map: every seeded code but 111, and 112 renamed.
        Spi::run(
            "CREATE TEMP TABLE dumped AS
             SELECT rfm_code, CASE rfm_code WHEN '112' THEN 'Renamed' ELSE segment END AS segment
               FROM storesync.rfm_segment_map WHERE rfm_code <> '111'",
        )
        .unwrap();
        Spi::run(
            "INSERT INTO storesync.rfm_segment_map SELECT * FROM dumped ORDER BY rfm_code DESC",
        )
        .unwrap();
        assert_eq!(count("SELECT count(*) FROM storesync.rfm_segment_map"), 124);
        assert_eq!(segment_of("112"), "Renamed");
        assert_eq!(
            count("SELECT count(*) FROM storesync.rfm_segment_map WHERE rfm_code = '111'"),
            0,
            "a deleted code stays deleted"
        );
        // Loaded again over an edited map: each row replaces its code, nothing doubled.
        Spi::run("UPDATE dumped SET segment = 'Again' WHERE rfm_code = '113'").unwrap();
        Spi::run(
            "INSERT INTO storesync.rfm_segment_map SELECT * FROM dumped WHERE rfm_code = '113'",
        )
        .unwrap();
        assert_eq!(count("SELECT count(*) FROM storesync.rfm_segment_map"), 124);
        assert_eq!(segment_of("113"), "Again");
        assert_eq!(changes(s), before, "nobody re-segmented while restoring");
    }

    #[pg_test(error = "duplicate key value violates unique constraint \"rfm_segment_map_pkey\"")]
    fn out_of_restore_mode_a_seeded_code_is_a_duplicate() {
        Spi::run("INSERT INTO storesync.rfm_segment_map VALUES ('111', 'Twice')").unwrap();
    }
}
