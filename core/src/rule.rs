//! Salla's conditional-rule language ("Salla Rules"): `total > 100`,
//! ``status = `active` OR applied_to = `first_order` ``, parsed once into a [`Rule`] and
//! evaluated against a JSON document.
//!
//! # What Salla documents
//!
//! Source: Salla's "Conditional Webhooks" page (docs.salla.dev, doc 421120), as mirrored in
//! MAshrafAi/salla-docs `skills/salla-docs/references/docs--Conditional-Webhooks-Merchant-API-Salla-Docs.md`,
//! summarised in SallaApp/salla-partners-agent-kit `.agents/skills/salla-webhooks/SKILL.md`
//! (step 4):
//!
//! - A rule is one or more `attribute operator value` conditions joined with `AND` / `OR`.
//! - Operators: `=`, `!=`, `<`, `>` in the summary; the page adds `<=`/`>=` in prose
//!   ("`=,!=,AND,OR` etc") and its examples are `total > 100`, `payment_method = mada OR
//!   price < 50`, ``status = `active` OR applied_to = `first_order` `` and
//!   ``city = `الرياض` AND location != `حي اليرموك` `` (with a tab before the `=`).
//! - String (and Arabic) values are quoted in backticks; numbers are bare; a bare word
//!   (`mada`) is a value too.
//! - Each event category lists the attributes a rule may name (order: `total`,
//!   `payment_method`, `status_id`, …; product: `price`, `sku`, `is_available`, …); "an
//!   unsupported attribute won't match".
//! - Precedence: a commented-out example on the same page reads
//!   `status = hidden AND unlimited_quantity = true OR is_available = true` as "(status and
//!   unlimited_quantity) or is_available", i.e. `AND` binds tighter than `OR`.
//!
//! # What storesync decided where the page is silent
//!
//! - **Fields** are dotted paths from the root of the document (`customer.city`,
//!   `amounts.total.amount`); a segment of digits indexes an array (`items.0.sku`). A segment
//!   is letters, digits, `_` or `-`. Salla's own attribute names are its flattened names for
//!   its payloads; here a name means exactly the key path in the document evaluated.
//! - **Keywords** `AND` and `OR` are case-insensitive (the page's prose writes `And`) and
//!   cannot be field names or bare values (quote them: `` `and` ``).
//! - **Parentheses** group conditions, `a = 1 AND (b = 2 OR c = 3)`. Salla documents none:
//!   a rule meant for Salla itself should not use them. At most 32 levels deep.
//! - **Values**: backticks quote a string with no escapes (a value cannot contain a
//!   backtick); `'…'` and `"…"` are rejected, so a rule means the same here and at Salla. A
//!   bare value is a number if it reads as one (`-12`, `100.5`, `1e3`), else a string
//!   (`mada`, `true`). Whitespace (spaces, tabs, newlines) separates tokens and is otherwise
//!   ignored.
//! - **Comparisons** by the JSON type of the field:
//!   - number: compared with a numeric value (bare, or backticked like `` `827301` ``), as
//!     64-bit floats; against a non-numeric value the condition is false;
//!   - string: with a bare number, compared numerically if the string holds a number (Salla
//!     sends some amounts as strings), else false; with a string value, `=`/`!=` are exact
//!     and case-sensitive, `<`/`>`/`<=`/`>=` compare by code point (ISO dates order rightly);
//!   - boolean: `=`/`!=` against the words `true`/`false` (bare or backticked); ordering is
//!     false;
//!   - missing, `null`, an array or an object: every condition on it is false, `!=`
//!     included ("an unsupported attribute won't match").
//! - **Errors** carry the 1-based character position: [`RuleErrorKind::Syntax`] for the form,
//!   [`RuleErrorKind::Value`] for a value that cannot be used (a number out of range).

use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;

/// Deepest parenthesis nesting accepted: evaluation recurses once per level.
pub const MAX_DEPTH: usize = 32;

/// A parsed rule, ready to be evaluated against many documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Compare {
        path: Vec<String>,
        op: Op,
        value: Literal,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    /// A bare number; `text` is the number as written (for display).
    Number { value: f64, text: String },
    /// A backticked value or a bare word.
    Text(String),
}

/// What kind of mistake a rule has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleErrorKind {
    /// The rule is not in the language (SQLSTATE 42601 in the extension).
    Syntax,
    /// The rule is well-formed but holds a value that cannot be used (SQLSTATE 22023).
    Value,
}

/// Why a rule was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub kind: RuleErrorKind,
    /// 1-based character (not byte) position; one past the end for "unexpected end".
    pub position: usize,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}", self.message, self.position)
    }
}

impl std::error::Error for RuleError {}

impl Rule {
    /// Parses a rule; see the module documentation for the language.
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let tokens = lex(text)?;
        let mut parser = Parser {
            tokens: &tokens,
            at: 0,
        };
        let expr = parser.or(0)?;
        match parser.peek() {
            (Tok::End, _) => Ok(Rule { expr }),
            (Tok::RParen, pos) => Err(syntax(pos, "unmatched \")\"")),
            (tok, pos) => Err(syntax(
                pos,
                format!(
                    "unexpected {} after a complete condition; join conditions with AND or OR",
                    tok.describe()
                ),
            )),
        }
    }

    /// Whether `doc` satisfies the rule.
    pub fn matches(&self, doc: &Value) -> bool {
        self.expr.eval(doc)
    }
}

/// The rule in canonical form: keywords in capitals, strings in backticks, parentheses only
/// where grouping needs them. Parsing it gives back the same rule.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.write(f, false)
    }
}

impl Expr {
    fn eval(&self, doc: &Value) -> bool {
        match self {
            Expr::Or(all) => all.iter().any(|e| e.eval(doc)),
            Expr::And(all) => all.iter().all(|e| e.eval(doc)),
            Expr::Compare { path, op, value } => match resolve(doc, path) {
                Some(field) => compare(field, *op, value),
                None => false,
            },
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, inside_and: bool) -> fmt::Result {
        match self {
            Expr::Or(all) => {
                if inside_and {
                    f.write_str("(")?;
                }
                for (i, e) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    e.write(f, false)?;
                }
                if inside_and {
                    f.write_str(")")?;
                }
                Ok(())
            }
            Expr::And(all) => {
                for (i, e) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    e.write(f, true)?;
                }
                Ok(())
            }
            Expr::Compare { path, op, value } => {
                let value = match value {
                    Literal::Number { text, .. } => text.clone(),
                    Literal::Text(text) => format!("`{text}`"),
                };
                write!(f, "{} {} {}", path.join("."), op.symbol(), value)
            }
        }
    }
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
        }
    }

    fn from_symbol(s: &str) -> Option<Self> {
        Some(match s {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            ">" => Op::Gt,
            "<=" => Op::Le,
            ">=" => Op::Ge,
            _ => return None,
        })
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Lt => ord == Ordering::Less,
            Op::Gt => ord == Ordering::Greater,
            Op::Le => ord != Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
        }
    }
}

/// The value at `path`, if there is one that is not `null`.
fn resolve<'a>(doc: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut at = doc;
    for segment in path {
        at = match at {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    (!at.is_null()).then_some(at)
}

fn compare(field: &Value, op: Op, literal: &Literal) -> bool {
    match (field, literal) {
        (Value::Number(n), _) => match (n.as_f64(), literal_number(literal)) {
            (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| op.holds(o)),
            _ => false,
        },
        (Value::String(s), Literal::Number { value, .. }) => match number(s.trim()) {
            Some(a) => a.partial_cmp(value).is_some_and(|o| op.holds(o)),
            None => false,
        },
        (Value::String(s), Literal::Text(t)) => op.holds(s.as_str().cmp(t.as_str())),
        (Value::Bool(b), _) => {
            let text = match literal {
                Literal::Number { text, .. } | Literal::Text(text) => text.as_str(),
            };
            let word = if *b { "true" } else { "false" };
            match op {
                Op::Eq => text == word,
                Op::Ne => (text == "true" || text == "false") && text != word,
                _ => false,
            }
        }
        _ => false,
    }
}

fn literal_number(literal: &Literal) -> Option<f64> {
    match literal {
        Literal::Number { value, .. } => Some(*value),
        Literal::Text(t) => number(t.trim()),
    }
}

/// `s` as a number if it is written as one (JSON's number form), finite.
fn number(s: &str) -> Option<f64> {
    if !looks_numeric(s) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// JSON's number syntax: `-?digits(.digits)?([eE][+-]?digits)?` (leading zeros allowed).
fn looks_numeric(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

// --- lexing ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    /// A run of `=`, `!`, `<`, `>`; checked against the operators by the parser.
    Op(String),
    /// A backticked value, without its backticks.
    Quoted(String),
    /// Anything else up to whitespace, a parenthesis, a backtick or an operator character:
    /// a field, a keyword or a bare value, told apart by the parser.
    Word(String),
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LParen => "\"(\"".into(),
            Tok::RParen => "\")\"".into(),
            Tok::Op(s) => format!("operator \"{s}\""),
            Tok::Quoted(s) => format!("value `{}`", excerpt(s)),
            Tok::Word(w) if keyword(w).is_some() => format!("keyword {}", w.to_uppercase()),
            Tok::Word(w) => format!("\"{}\"", excerpt(w)),
            Tok::End => "end of rule".into(),
        }
    }
}

/// At most 40 characters of a value, for messages.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

fn is_op_char(c: char) -> bool {
    matches!(c, '=' | '!' | '<' | '>')
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '`') || is_op_char(c)
}

/// Tokens with their 1-based character positions, ending with [`Tok::End`].
fn lex(text: &str) -> Result<Vec<(Tok, usize)>, RuleError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            tokens.push((if c == '(' { Tok::LParen } else { Tok::RParen }, pos));
            i += 1;
        } else if c == '`' {
            let Some(len) = chars[i + 1..].iter().position(|&c| c == '`') else {
                return Err(syntax(
                    pos,
                    "unterminated value: a backtick opens it and none closes it",
                ));
            };
            let value = chars[i + 1..i + 1 + len].iter().collect();
            tokens.push((Tok::Quoted(value), pos));
            i += len + 2;
        } else if is_op_char(c) {
            let len = chars[i..].iter().take_while(|&&c| is_op_char(c)).count();
            tokens.push((Tok::Op(chars[i..i + len].iter().collect()), pos));
            i += len;
        } else {
            if c == '\'' || c == '"' {
                return Err(syntax(
                    pos,
                    format!("values are quoted in backticks (`like this`), not with {c}"),
                ));
            }
            let len = chars[i..].iter().take_while(|&&c| !ends_word(c)).count();
            tokens.push((Tok::Word(chars[i..i + len].iter().collect()), pos));
            i += len;
        }
    }
    tokens.push((Tok::End, chars.len() + 1));
    Ok(tokens)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyword {
    And,
    Or,
}

fn keyword(word: &str) -> Option<Keyword> {
    if word.eq_ignore_ascii_case("and") {
        Some(Keyword::And)
    } else if word.eq_ignore_ascii_case("or") {
        Some(Keyword::Or)
    } else {
        None
    }
}

fn syntax(position: usize, message: impl Into<String>) -> RuleError {
    RuleError {
        kind: RuleErrorKind::Syntax,
        position,
        message: message.into(),
    }
}

// --- parsing: or := and (OR and)* ; and := primary (AND primary)* ;
//              primary := "(" or ")" | field op value -----------------------------------------

struct Parser<'a> {
    tokens: &'a [(Tok, usize)],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> (&Tok, usize) {
        let (tok, pos) = &self.tokens[self.at];
        (tok, *pos)
    }

    fn next(&mut self) -> (&Tok, usize) {
        let (tok, pos) = &self.tokens[self.at];
        if *tok != Tok::End {
            self.at += 1;
        }
        (tok, *pos)
    }

    fn at_keyword(&self, want: Keyword) -> bool {
        matches!(self.peek().0, Tok::Word(w) if keyword(w) == Some(want))
    }

    fn or(&mut self, depth: usize) -> Result<Expr, RuleError> {
        let mut all = vec![self.and(depth)?];
        while self.at_keyword(Keyword::Or) {
            self.next();
            all.push(self.and(depth)?);
        }
        Ok(if all.len() == 1 {
            all.pop().unwrap()
        } else {
            Expr::Or(all)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, RuleError> {
        let mut all = vec![self.primary(depth)?];
        while self.at_keyword(Keyword::And) {
            self.next();
            all.push(self.primary(depth)?);
        }
        Ok(if all.len() == 1 {
            all.pop().unwrap()
        } else {
            Expr::And(all)
        })
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, RuleError> {
        let (tok, pos) = self.next();
        match tok {
            Tok::LParen => {
                if depth >= MAX_DEPTH {
                    return Err(syntax(
                        pos,
                        format!("parentheses nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let inner = self.or(depth + 1)?;
                match self.next() {
                    (Tok::RParen, _) => Ok(inner),
                    (tok, at) => Err(syntax(
                        at,
                        format!(
                            "expected \")\" to close the \"(\" at character {pos}, found {}",
                            tok.describe()
                        ),
                    )),
                }
            }
            Tok::Word(w) if keyword(w).is_none() => {
                let path = field_path(w, pos)?;
                self.comparison(path)
            }
            tok => Err(syntax(
                pos,
                format!("expected a field name or \"(\", found {}", tok.describe()),
            )),
        }
    }

    fn comparison(&mut self, path: Vec<String>) -> Result<Expr, RuleError> {
        let op = match self.next() {
            (Tok::Op(s), pos) => Op::from_symbol(s).ok_or_else(|| {
                syntax(
                    pos,
                    format!("unknown operator \"{s}\"; use =, !=, <, >, <= or >="),
                )
            })?,
            (tok, pos) => {
                return Err(syntax(
                    pos,
                    format!(
                        "expected an operator (=, !=, <, >, <=, >=) after \"{}\", found {}",
                        path.join("."),
                        tok.describe()
                    ),
                ))
            }
        };
        let value = match self.next() {
            (Tok::Quoted(s), _) => Literal::Text(s.clone()),
            (Tok::Word(w), pos) if keyword(w).is_none() => bare_value(w, pos)?,
            (tok, pos) => {
                return Err(syntax(
                    pos,
                    format!(
                        "expected a value after \"{}\" (a number, a word or `a quoted value`), found {}",
                        op.symbol(),
                        tok.describe()
                    ),
                ))
            }
        };
        Ok(Expr::Compare { path, op, value })
    }
}

fn field_path(word: &str, pos: usize) -> Result<Vec<String>, RuleError> {
    let mut path = Vec::new();
    let mut offset = 0;
    for segment in word.split('.') {
        let at = pos + offset;
        if segment.is_empty() {
            return Err(syntax(
                at,
                format!("empty segment in field name \"{}\"", excerpt(word)),
            ));
        }
        if let Some((i, c)) = segment
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(syntax(
                at + i,
                format!(
                    "character {c:?} cannot be part of a field name (letters, digits, \"_\", \"-\", with \".\" between segments)"
                ),
            ));
        }
        offset += segment.chars().count() + 1;
        path.push(segment.to_string());
    }
    Ok(path)
}

fn bare_value(word: &str, pos: usize) -> Result<Literal, RuleError> {
    if !looks_numeric(word) {
        return Ok(Literal::Text(word.to_string()));
    }
    match number(word) {
        Some(value) => Ok(Literal::Number {
            value,
            text: word.to_string(),
        }),
        None => Err(RuleError {
            kind: RuleErrorKind::Value,
            position: pos,
            message: format!("number {} is out of range", excerpt(word)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matches(rule: &str, doc: &Value) -> bool {
        Rule::parse(rule)
            .unwrap_or_else(|e| panic!("{rule:?}: {e}"))
            .matches(doc)
    }

    #[test]
    fn documented_examples() {
        let order = json!({"total": 150, "payment_method": "mada", "price": 80});
        let cases: &[(&str, Value, bool)] = &[
            ("total > 100", order.clone(), true),
            ("total > 100", json!({"total": 100}), false),
            ("total > 100", json!({"total": 100.01}), true),
            ("payment_method = mada OR price < 50", order.clone(), true),
            (
                "payment_method = mada OR price < 50",
                json!({"payment_method": "visa", "price": 49.5}),
                true,
            ),
            (
                "payment_method = mada OR price < 50",
                json!({"payment_method": "visa", "price": 50}),
                false,
            ),
            (
                "status = `active` OR applied_to = `first_order`",
                json!({"status": "inactive", "applied_to": "first_order"}),
                true,
            ),
            (
                "status = `active` OR applied_to = `first_order`",
                json!({"status": "inactive", "applied_to": "order"}),
                false,
            ),
            (
                "city\t = `الرياض` AND location != `حي اليرموك`",
                json!({"city": "الرياض", "location": "حي النخيل"}),
                true,
            ),
            (
                "city\t = `الرياض` AND location != `حي اليرموك`",
                json!({"city": "الرياض", "location": "حي اليرموك"}),
                false,
            ),
            (
                "city\t = `الرياض` AND location != `حي اليرموك`",
                json!({"city": "جدة", "location": "حي النخيل"}),
                false,
            ),
            // The page's own reading: (status AND unlimited_quantity) OR is_available.
            (
                "status = hidden AND unlimited_quantity = true OR is_available = true",
                json!({"status": "sale", "unlimited_quantity": true, "is_available": true}),
                true,
            ),
            (
                "status = hidden AND unlimited_quantity = true OR is_available = true",
                json!({"status": "hidden", "unlimited_quantity": true, "is_available": false}),
                true,
            ),
            (
                "status = hidden AND unlimited_quantity = true OR is_available = true",
                json!({"status": "hidden", "unlimited_quantity": false, "is_available": false}),
                false,
            ),
        ];
        for (rule, doc, want) in cases {
            assert_eq!(matches(rule, doc), *want, "{rule} on {doc}");
        }
    }

    #[test]
    fn comparisons_by_field_type() {
        let doc = json!({
            "n": 10, "s": "abc", "num_text": " 99.5 ", "date": "2024-05-01 10:00:00",
            "yes": true, "no": false, "nothing": null, "list": [1, 2], "obj": {"a": 1},
            "big": 827301, "zip": "01234"
        });
        let cases: &[(&str, bool)] = &[
            ("n = 10", true),
            ("n = 10.0", true),
            ("n = 1e1", true),
            ("n != 10", false),
            ("n < 11", true),
            ("n <= 10", true),
            ("n >= 10.5", false),
            ("n > -3", true),
            ("n = `10`", true),
            ("big = `827301`", true),
            ("n = ten", false),
            ("n != ten", false),
            ("s = abc", true),
            ("s = `abc`", true),
            ("s = ABC", false),
            ("s != `abd`", true),
            ("s < abd", true),
            ("s > abd", false),
            ("s = 1", false),
            ("s != 1", false),
            ("num_text > 99", true),
            ("num_text = 99.5", true),
            ("num_text = `99.5`", false),
            ("zip = 1234", true),
            ("zip = `01234`", true),
            ("date >= `2024-05-01`", true),
            ("date < `2024-04-30 23:59:59`", false),
            ("yes = true", true),
            ("yes = `true`", true),
            ("yes != false", true),
            ("yes = false", false),
            ("no = false", true),
            ("yes != maybe", false),
            ("yes > false", false),
            ("yes = 1", false),
            ("nothing = null", false),
            ("nothing != x", false),
            ("missing != x", false),
            ("missing = x", false),
            ("list = 1", false),
            ("obj != 1", false),
        ];
        for (rule, want) in cases {
            assert_eq!(matches(rule, &doc), *want, "{rule}");
        }
    }

    #[test]
    fn fields_are_dotted_paths_with_array_indexes() {
        let doc = json!({
            "customer": {"city": "Riyadh"},
            "amounts": {"total": {"amount": 1200.5, "currency": "SAR"}},
            "items": [{"sku": "A-1"}, {"sku": "B-2"}]
        });
        let cases: &[(&str, bool)] = &[
            ("customer.city = Riyadh", true),
            (
                "amounts.total.amount > 1000 AND amounts.total.currency = SAR",
                true,
            ),
            ("items.1.sku = `B-2`", true),
            ("items.2.sku = `B-2`", false),
            ("items.x.sku = `A-1`", false),
            ("customer.city.name = Riyadh", false),
            ("customer = Riyadh", false),
        ];
        for (rule, want) in cases {
            assert_eq!(matches(rule, &doc), *want, "{rule}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        // a OR b AND c  ==  a OR (b AND c)
        let doc = json!({"a": 1, "b": 0, "c": 0});
        assert!(matches("a = 1 OR b = 1 AND c = 1", &doc));
        assert!(!matches("(a = 1 OR b = 1) AND c = 1", &doc));
        assert!(matches("((a = 1))", &doc));
        assert!(matches("a = 1 and b = 0 Or c = 5", &doc));
        assert!(!matches("a=2 OR b=1", &doc));
        assert!(matches("a=1 AND(b=0)", &doc));
    }

    #[test]
    fn display_is_canonical_and_parses_back() {
        let cases = [
            (
                "a=1 or b = x and (c != `y z` OR d>=-2.5e3)",
                "a = 1 OR b = `x` AND (c != `y z` OR d >= -2.5e3)",
            ),
            ("((a = 1))", "a = 1"),
            ("(a = 1 AND b = 2) AND c = 3", "a = 1 AND b = 2 AND c = 3"),
        ];
        for (rule, canonical) in cases {
            let parsed = Rule::parse(rule).unwrap();
            assert_eq!(parsed.to_string(), canonical);
            // Nested ANDs flatten on print; the meaning is kept.
            let reparsed = Rule::parse(canonical).unwrap();
            assert_eq!(reparsed.to_string(), canonical);
        }
    }

    #[test]
    fn errors_name_the_position() {
        let cases: &[(&str, RuleErrorKind, usize, &str)] = &[
            ("", RuleErrorKind::Syntax, 1, "expected a field name"),
            ("   ", RuleErrorKind::Syntax, 4, "found end of rule"),
            ("total", RuleErrorKind::Syntax, 6, "expected an operator"),
            ("total >", RuleErrorKind::Syntax, 8, "expected a value"),
            (
                "total == 1",
                RuleErrorKind::Syntax,
                7,
                "unknown operator \"==\"",
            ),
            (
                "total <> 1",
                RuleErrorKind::Syntax,
                7,
                "unknown operator \"<>\"",
            ),
            (
                "total > 1 total < 2",
                RuleErrorKind::Syntax,
                11,
                "join conditions with AND or OR",
            ),
            (
                "total > 1 AND",
                RuleErrorKind::Syntax,
                14,
                "expected a field name",
            ),
            (
                "total > 1 AND OR a = 1",
                RuleErrorKind::Syntax,
                15,
                "keyword OR",
            ),
            (
                "status = AND",
                RuleErrorKind::Syntax,
                10,
                "expected a value",
            ),
            (
                "status = `active",
                RuleErrorKind::Syntax,
                10,
                "unterminated value",
            ),
            ("status = 'active'", RuleErrorKind::Syntax, 10, "backticks"),
            (
                "status = \"active\"",
                RuleErrorKind::Syntax,
                10,
                "backticks",
            ),
            (
                "(a = 1",
                RuleErrorKind::Syntax,
                7,
                "to close the \"(\" at character 1",
            ),
            ("a = 1)", RuleErrorKind::Syntax, 6, "unmatched \")\""),
            ("a..b = 1", RuleErrorKind::Syntax, 3, "empty segment"),
            (
                "a.b$ = 1",
                RuleErrorKind::Syntax,
                4,
                "cannot be part of a field name",
            ),
            ("`a` = 1", RuleErrorKind::Syntax, 1, "expected a field name"),
            (
                "مدينة = 1",
                RuleErrorKind::Syntax,
                1,
                "cannot be part of a field name",
            ),
            (
                "city = `الرياض` AND x",
                RuleErrorKind::Syntax,
                22,
                "expected an operator",
            ),
            ("total > 1e999", RuleErrorKind::Value, 9, "out of range"),
            (
                "total > -1e400 OR a = 1",
                RuleErrorKind::Value,
                9,
                "out of range",
            ),
        ];
        for (rule, kind, position, needle) in cases {
            let err = Rule::parse(rule).expect_err(rule);
            assert_eq!(
                (err.kind, err.position),
                (*kind, *position),
                "{rule:?}: {err}"
            );
            assert!(err.message.contains(needle), "{rule:?}: {err}");
            assert!(err
                .to_string()
                .ends_with(&format!("at character {position}")));
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!("{}a = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(matches(&ok, &json!({"a": 1})));
        let deep = format!(
            "{}a = 1{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        let err = Rule::parse(&deep).unwrap_err();
        assert_eq!(
            (err.kind, err.position),
            (RuleErrorKind::Syntax, MAX_DEPTH + 1)
        );
        // Long flat chains are not nesting: no recursion per condition.
        let long = vec!["a = 1"; 10_000].join(" OR ");
        assert!(matches(&long, &json!({"a": 1})));
    }

    #[test]
    fn bare_values_that_are_not_numbers_are_words() {
        let doc = json!({"email": "a@b.sa", "v": "1.2.3", "neg": "-x", "w": "10abc"});
        assert!(matches("email = a@b.sa", &doc));
        assert!(matches("v = 1.2.3", &doc));
        assert!(matches("neg = -x", &doc));
        assert!(matches("w = 10abc", &doc));
        assert!(!matches("w > 9", &doc));
    }
}
