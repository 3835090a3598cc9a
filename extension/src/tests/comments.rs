//! `\d+` documents the schema: every table, view, column, function and procedure in
//! storesync has a comment. A new object without one fails here, by name.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    use crate::tests::support::*;

    #[pg_test]
    fn every_table_view_column_and_function_is_commented() {
        let missing = text(
            "SELECT string_agg(what, E'\\n' ORDER BY what) FROM (
                 SELECT 'relation ' || c.relname AS what
                   FROM pg_class c
                  WHERE c.relnamespace = 'storesync'::regnamespace
                    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                    AND obj_description(c.oid, 'pg_class') IS NULL
                 UNION ALL
                 SELECT 'column ' || c.relname || '.' || a.attname
                   FROM pg_class c
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  WHERE c.relnamespace = 'storesync'::regnamespace
                    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                    AND col_description(c.oid, a.attnum) IS NULL
                 UNION ALL
                 SELECT 'function ' || p.oid::regprocedure::text
                   FROM pg_proc p
                  WHERE p.pronamespace = 'storesync'::regnamespace
                    AND obj_description(p.oid, 'pg_proc') IS NULL) AS x",
        );
        assert_eq!(
            missing,
            None,
            "uncommented in schema storesync:\n{}",
            missing.clone().unwrap_or_default()
        );
    }
}
