//! `storesync.rule_matches`: Salla's documented rules against real payloads, errors with their
//! SQLSTATE and position, volatility and who may run it.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use pgrx::JsonB;
    use serde_json::{json, Value};

    use crate::tests::support::*;

    fn matches(rule: &str, doc: Value) -> Option<bool> {
        Spi::get_one_with_args::<bool>(
            "SELECT storesync.rule_matches($1, $2)",
            &[rule.into(), JsonB(doc).into()],
        )
        .unwrap()
    }

    /// `SQLSTATE message` of the error `rule` raises, or `ok`.
    fn error_of(rule: &str) -> String {
        Spi::run(
            "CREATE OR REPLACE FUNCTION pg_temp.error_of(rule text) RETURNS text LANGUAGE plpgsql AS $$
             BEGIN PERFORM storesync.rule_matches(rule, '{}'); RETURN 'ok';
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$",
        )
        .unwrap();
        Spi::get_one_with_args::<String>("SELECT pg_temp.error_of($1)", &[rule.into()])
            .unwrap()
            .unwrap()
    }

    #[pg_test]
    fn documented_rules_on_the_documented_order_payload() {
        // Salla's order.created example: 196 SAR paid by bank transfer, a customer in Jeddah.
        let order: Value = serde_json::from_str(ORDER_CREATED).unwrap();
        let data = order["data"].clone();
        assert_eq!(
            (&data["payment_method"], &data["amounts"]["total"]["amount"]),
            (&json!("bank"), &json!(196)),
            "the fixture this test reads"
        );
        for (rule, want) in [
            ("payment_method = bank OR amounts.total.amount < 50", true),
            ("payment_method = mada OR amounts.total.amount < 50", false),
            (
                "amounts.total.amount > 100 AND amounts.total.currency = SAR",
                true,
            ),
            ("amounts.total.amount > 196", false),
            ("amounts.total.amount >= 196", true),
            ("customer.city = `جدة` AND customer.city != `الرياض`", true),
            ("no_such_field != x", false),
        ] {
            assert_eq!(matches(rule, data.clone()), Some(want), "{rule}");
        }
        // STRICT: a NULL rule or document gives NULL, not an error.
        assert_eq!(
            Spi::get_one::<bool>("SELECT storesync.rule_matches(NULL, '{}')").unwrap(),
            None
        );
        assert_eq!(
            Spi::get_one::<bool>("SELECT storesync.rule_matches('a = 1', NULL)").unwrap(),
            None
        );
    }

    #[pg_test]
    fn filters_rows_in_plain_sql() {
        let n = count(
            "SELECT count(*) FROM (VALUES ('{\"status\":\"active\",\"applied_to\":\"x\"}'::jsonb),
                                          ('{\"status\":\"x\",\"applied_to\":\"first_order\"}'),
                                          ('{\"status\":\"x\",\"applied_to\":\"order\"}')) AS t(doc)
              WHERE storesync.rule_matches('status = `active` OR applied_to = `first_order`', doc)",
        );
        assert_eq!(n, 2);
    }

    #[pg_test]
    fn bad_rules_raise_their_sqlstate_with_the_position() {
        for (rule, expected) in [
            (
                "total >",
                "42601 invalid rule: expected a value after \">\" (a number, a word or `a quoted value`), found end of rule at character 8",
            ),
            ("total == 1", "42601 invalid rule: unknown operator \"==\"; use =, !=, <, >, <= or >= at character 7"),
            ("status = 'active'", "42601 invalid rule: values are quoted in backticks (`like this`), not with ' at character 10"),
            ("total > 1e999", "22023 invalid rule: number 1e999 is out of range at character 9"),
            ("total > 1", "ok"),
        ] {
            assert_eq!(error_of(rule), expected, "{rule}");
        }
    }

    #[pg_test]
    fn declared_immutable_strict_parallel_safe_and_run_by_both_roles() {
        assert_eq!(
            row(
                "SELECT p.provolatile::text AS volatile, p.proisstrict AS strict,
                        p.proparallel::text AS parallel,
                        has_function_privilege('storesync_analyst', p.oid, 'EXECUTE') AS analyst,
                        has_function_privilege('storesync_ingest', p.oid, 'EXECUTE') AS ingest
                   FROM pg_proc p
                  WHERE p.oid = 'storesync.rule_matches(text, jsonb)'::regprocedure"
            ),
            json!({"volatile": "i", "strict": true, "parallel": "s", "analyst": true, "ingest": true})
        );
        // Granted to the roles themselves, so it holds even where PUBLIC lost EXECUTE.
        Spi::run("REVOKE EXECUTE ON FUNCTION storesync.rule_matches(text, jsonb) FROM PUBLIC")
            .unwrap();
        Spi::run("SET LOCAL ROLE storesync_analyst").unwrap();
        assert_eq!(matches("a = 1", json!({"a": 1})), Some(true));
        Spi::run("RESET ROLE").unwrap();
    }
}
