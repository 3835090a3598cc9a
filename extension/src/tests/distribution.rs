//! The schema is ready to be distributed by `store_id` (Citus), checked over the catalog: every
//! table is either distributed (one store's rows live together, on one shard) or a reference
//! table (shared by every store, copied to every node), and the keys respect that split. A new
//! table fails here until it is put in one of the two lists.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use pgrx::JsonB;
    use serde_json::{json, Value};

    /// Tables distributed by `store_id`, all in one co-location group.
    const DISTRIBUTED: &[&str] = &[
        "branches",
        "brands",
        "cart_items",
        "carts",
        "categories",
        "coupons",
        "customer_otp_requests",
        "customers",
        "events",
        "invoices",
        "order_items",
        "order_shipment_cancellations",
        "order_status_history",
        "orders",
        "products",
        "reviews",
        "rfm_customers",
        "rfm_cut_points",
        "rfm_segment_changes",
        "shipments",
        "shipping_companies",
        "shipping_zones",
        "special_offers",
        "store_credentials",
        "taxes",
    ];

    /// Tables every store shares. `stores` is one: it is the directory that maps a platform's
    /// merchant to its `store_id`, looked up by `(platform, merchant_id)` before the store is
    /// known, and that uniqueness can only be enforced on a table that is not split by store.
    const REFERENCE: &[&str] = &["rfm_segment_map", "rfm_settings", "sources", "stores"];

    /// Every ordinary or partitioned table of the schema (partitions excluded), sorted.
    const TABLES: &str = "
        SELECT coalesce(jsonb_agg(c.relname ORDER BY c.relname), '[]')
          FROM pg_class c
         WHERE c.relnamespace = 'storesync'::regnamespace
           AND c.relkind IN ('r', 'p') AND NOT c.relispartition";

    /// Distributed tables ($1) whose distribution column is missing, nullable (Citus refuses a
    /// NULL distribution value) or not bigint (co-located tables share one column type), or
    /// that have no primary key.
    const BAD_DISTRIBUTION_COLUMN: &str = "
        SELECT coalesce(jsonb_agg(problem ORDER BY problem), '[]') FROM (
            SELECT c.relname || ': store_id is ' || CASE
                       WHEN a.attname IS NULL THEN 'missing'
                       WHEN NOT a.attnotnull THEN 'nullable'
                       ELSE format_type(a.atttypid, a.atttypmod) END AS problem
              FROM pg_class c
              LEFT JOIN pg_attribute a
                ON a.attrelid = c.oid AND a.attname = 'store_id' AND NOT a.attisdropped
             WHERE c.relnamespace = 'storesync'::regnamespace AND c.relname = ANY ($1)
               AND (a.attname IS NULL OR NOT a.attnotnull OR a.atttypid <> 'bigint'::regtype)
            UNION ALL
            SELECT c.relname || ': no primary key'
              FROM pg_class c
             WHERE c.relnamespace = 'storesync'::regnamespace AND c.relname = ANY ($1)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                                WHERE k.conrelid = c.oid AND k.contype = 'p')) AS x";

    /// Unique indexes (primary keys and unique constraints included) of distributed tables ($1)
    /// whose first column is not `store_id`: Citus can enforce them only within a shard.
    const UNIQUE_NOT_LED_BY_STORE: &str = "
        SELECT coalesce(jsonb_agg(t.relname || ': ' || pg_get_indexdef(x.indexrelid)
                                  ORDER BY t.relname, i.relname), '[]')
          FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_class t ON t.oid = x.indrelid
         WHERE t.relnamespace = 'storesync'::regnamespace AND t.relname = ANY ($1)
           AND x.indisunique
           AND x.indkey[0] IS DISTINCT FROM (
                   SELECT a.attnum FROM pg_attribute a
                    WHERE a.attrelid = t.oid AND a.attname = 'store_id')";

    /// Foreign keys from table to table of the schema, `child -> parent: definition`, for
    /// children in $1 and parents in $2.
    const FOREIGN_KEYS: &str = "
        SELECT t.relname || ' -> ' || f.relname || ': ' || pg_get_constraintdef(k.oid) AS fk,
               k.oid, k.conkey, k.confkey, t.oid AS child, f.oid AS parent
          FROM pg_constraint k
          JOIN pg_class t ON t.oid = k.conrelid
          JOIN pg_class f ON f.oid = k.confrelid
         WHERE k.contype = 'f'
           AND t.relnamespace = 'storesync'::regnamespace AND t.relname = ANY ($1)
           AND f.relnamespace = 'storesync'::regnamespace AND f.relname = ANY ($2)";

    /// Foreign keys between distributed tables ($1) that do not pair `store_id` with
    /// `store_id`: such a key could join rows of two stores, on two shards.
    fn fks_across_stores() -> String {
        format!(
            "SELECT coalesce(jsonb_agg(fk ORDER BY fk), '[]') FROM ({FOREIGN_KEYS}) AS k
              WHERE NOT EXISTS (
                    SELECT 1 FROM unnest(k.conkey, k.confkey) AS p(child_col, parent_col)
                      JOIN pg_attribute ca ON ca.attrelid = k.child AND ca.attnum = p.child_col
                      JOIN pg_attribute pa ON pa.attrelid = k.parent AND pa.attnum = p.parent_col
                     WHERE ca.attname = 'store_id' AND pa.attname = 'store_id')"
        )
    }

    /// Every foreign key from tables $1 to tables $2, as `child -> parent: definition`.
    fn fks_between() -> String {
        format!("SELECT coalesce(jsonb_agg(fk ORDER BY fk), '[]') FROM ({FOREIGN_KEYS}) AS k")
    }

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    /// `sql` run with `$1` and `$2` bound to the two text arrays; its one jsonb value.
    fn json_of(sql: &str, first: &[&str], second: &[&str]) -> Value {
        Spi::get_one_with_args::<JsonB>(sql, &[list(first).into(), list(second).into()])
            .unwrap()
            .expect("the query returns a value")
            .0
    }

    #[pg_test]
    fn every_table_is_either_distributed_or_a_reference_table() {
        let both: Vec<&&str> = DISTRIBUTED
            .iter()
            .filter(|t| REFERENCE.contains(t))
            .collect();
        assert!(both.is_empty(), "in both lists: {both:?}");
        let mut classified = list(DISTRIBUTED);
        classified.extend(list(REFERENCE));
        classified.sort();
        let tables = Spi::get_one::<JsonB>(TABLES).unwrap().unwrap().0;
        assert_eq!(
            tables,
            json!(classified),
            "the schema's tables (left) against the distributed and reference lists (right): \
             put a new table in one of them"
        );
    }

    #[pg_test]
    fn distributed_tables_have_a_bigint_store_id_and_a_primary_key() {
        assert_eq!(
            json_of(BAD_DISTRIBUTION_COLUMN, DISTRIBUTED, &[]),
            json!([])
        );
    }

    #[pg_test]
    fn every_unique_key_of_a_distributed_table_leads_with_store_id() {
        assert_eq!(
            json_of(UNIQUE_NOT_LED_BY_STORE, DISTRIBUTED, &[]),
            json!([])
        );
    }

    #[pg_test]
    fn no_foreign_key_between_distributed_tables_crosses_stores() {
        // The check sees the keys it is about (a query that matched nothing would pass).
        let checked = json_of(&fks_between(), DISTRIBUTED, DISTRIBUTED);
        for child in ["cart_items -> carts", "order_items -> orders"] {
            assert!(
                checked
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|fk| fk.as_str().unwrap().starts_with(child)),
                "{child} is among the checked keys: {checked}"
            );
        }
        assert_eq!(
            json_of(&fks_across_stores(), DISTRIBUTED, DISTRIBUTED),
            json!([])
        );
    }

    #[pg_test]
    fn no_reference_table_references_a_distributed_table() {
        assert_eq!(json_of(&fks_between(), REFERENCE, DISTRIBUTED), json!([]));
    }
}
