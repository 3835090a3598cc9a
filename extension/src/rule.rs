//! `storesync.rule_matches(rule, doc)`: Salla's conditional-rule language in SQL, for
//! subscription filters and for analysts (the language is in [`storesync_core::rule`]).

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;
use storesync_core::rule::{Rule, RuleErrorKind};

/// Whether the JSON document satisfies a rule such as
/// ``total > 100 AND customer.city = `Riyadh` ``. A rule that does not parse raises
/// `42601` (syntax) or `22023` (a value that cannot be used), with the character position.
#[pg_extern(immutable, strict, parallel_safe)]
fn rule_matches(rule: &str, doc: JsonB) -> bool {
    match Rule::parse(rule) {
        Ok(parsed) => parsed.matches(&doc.0),
        Err(e) => {
            let code = match e.kind {
                RuleErrorKind::Syntax => PgSqlErrorCode::ERRCODE_SYNTAX_ERROR,
                RuleErrorKind::Value => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            };
            ErrorReport::new(code, format!("invalid rule: {e}"), "rule_matches")
                .set_hint(
                    "Write conditions as field operator value (=, !=, <, >, <=, >=), joined by AND \
                     or OR; quote text values in backticks: status = `active` OR total > 100.",
                )
                .report(PgLogLevel::ERROR);
            unreachable!("an ERROR report does not return")
        }
    }
}
