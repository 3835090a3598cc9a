//! The writer's table specs against the installed schema, and the version helpers.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::rows::Table;
    use crate::tests::support::*;

    #[pg_test]
    fn every_spec_column_exists_and_every_written_table_is_versioned() {
        for table in Table::ALL {
            let spec = table.spec();
            let mut columns: Vec<&str> = vec!["store_id", "field_ts", "source_ts"];
            columns.extend(spec.key);
            columns.extend(spec.columns);
            for column in columns {
                let exists = Spi::get_one_with_args::<bool>(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = 'storesync' AND table_name = $1 AND column_name = $2)",
                    &[spec.name.into(), column.into()],
                );
                assert_eq!(exists.unwrap(), Some(true), "{}.{column}", spec.name);
            }
        }
    }

    #[pg_test]
    fn every_new_table_and_column_has_a_comment_or_belongs_to_a_commented_table() {
        // Tables: all commented.
        assert_eq!(
            text(
                "SELECT string_agg(c.relname, ',') FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'storesync' AND c.relkind = 'r'
                   AND obj_description(c.oid, 'pg_class') IS NULL"
            ),
            None
        );
    }

    #[pg_test]
    fn pick_takes_the_newer_value_and_fills_gaps_with_older_ones() {
        for (old, new, old_v, new_v, expected) in [
            // newer wins
            (
                Some("a"),
                Some("b"),
                r#"{"c": 1}"#,
                r#"{"c": 2}"#,
                Some("b"),
            ),
            // a tie: the later write wins
            (
                Some("a"),
                Some("b"),
                r#"{"c": 2}"#,
                r#"{"c": 2}"#,
                Some("b"),
            ),
            // older loses
            (
                Some("a"),
                Some("b"),
                r#"{"c": 3}"#,
                r#"{"c": 2}"#,
                Some("a"),
            ),
            // older fills a gap
            (None, Some("b"), r#"{}"#, r#"{"c": 2}"#, Some("b")),
            // a hint (no version) fills a gap only
            (None, Some("b"), r#"{}"#, r#"{}"#, Some("b")),
            (Some("a"), Some("b"), r#"{}"#, r#"{}"#, Some("a")),
            // not carried: unchanged
            (Some("a"), None, r#"{"c": 1}"#, r#"{}"#, Some("a")),
        ] {
            let got = Spi::get_one_with_args::<String>(
                "SELECT storesync._pick($1::text, $2::text, $3::jsonb, $4::jsonb, 'c')",
                &[old.into(), new.into(), old_v.into(), new_v.into()],
            )
            .unwrap();
            assert_eq!(got.as_deref(), expected, "{old:?} {new:?} {old_v} {new_v}");
        }
        assert_eq!(
            row(
                r#"SELECT storesync._merge_versions('{"a": 5, "b": 1}', '{"a": 3, "b": 4, "c": 2}')
                          AS merged"#
            ),
            json!({"merged": {"a": 5, "b": 4, "c": 2}})
        );
    }
}
