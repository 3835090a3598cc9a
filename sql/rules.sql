-- Salla's conditional-rule language: the comment of storesync.rule_matches (defined in Rust,
-- extension/src/rule.rs; the language in core/src/rule.rs).

COMMENT ON FUNCTION rule_matches(text, jsonb) IS
    'Whether a JSON document satisfies a rule in Salla''s conditional-webhook language: conditions field op value (=, !=, <, >, <=, >=; fields are dotted paths such as customer.city or amounts.total.amount; text values in backticks), joined by AND (binds first) and OR, grouped with parentheses. A missing field matches nothing. Errors: 42601 syntax, 22023 invalid value, both with the character position.';
