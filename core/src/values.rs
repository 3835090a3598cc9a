//! Tolerant readers for the loose JSON that webhook senders produce.
//!
//! Platforms send the same thing in many shapes: ids as numbers or strings, money as numbers,
//! numeric strings or `{amount, currency}` objects, dates as PHP `DateTime` objects, as
//! `"2022-12-31 12:31:25"`, as JavaScript `Date` strings, as ISO 8601 or as epoch numbers.
//! Each reader accepts every shape we have seen and rejects anything else with a reason, so a
//! payload is either mapped faithfully or stored as `failed` — never guessed at.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde_json::Value;

/// Why a field could not be read; becomes the `error` of a `failed` event.
pub type FieldError = String;

/// A decimal number kept as validated text, cast to `numeric` by PostgreSQL (no float rounding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal(String);

impl Decimal {
    /// The number as text, as PostgreSQL's `numeric` input accepts it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The exact sum of `list` (`0` for none), or `None` if it does not fit 38 digits.
    pub fn sum(list: &[Decimal]) -> Option<Decimal> {
        if let [one] = list {
            return Some(one.clone());
        }
        let frac_len = |d: &Decimal| d.0.split_once('.').map_or(0, |(_, f)| f.len());
        let scale = list.iter().map(frac_len).max().unwrap_or(0);
        let mut total: i128 = 0;
        for d in list {
            let (negative, digits) = match d.0.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, d.0.as_str()),
            };
            let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
            let padding = std::iter::repeat_n(b'0', scale - frac.len());
            let mut units: i128 = 0;
            for b in int.bytes().chain(frac.bytes()).chain(padding) {
                units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
            }
            total = if negative {
                total.checked_sub(units)?
            } else {
                total.checked_add(units)?
            };
        }
        let digits = format!("{:0>width$}", total.unsigned_abs(), width = scale + 1);
        let (int, frac) = digits.split_at(digits.len() - scale);
        let sign = if total < 0 { "-" } else { "" };
        Some(Decimal(if scale == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }))
    }

    fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let ok = !(int.is_empty() && frac.is_empty())
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            // numeric accepts up to 131072 digits before the point; refuse absurd inputs early.
            && digits.len() <= 1000;
        ok.then(|| Decimal(t.trim_start_matches('+').to_string()))
    }
}

/// A point in time, with the offset it was given in.
pub type Timestamp = DateTime<FixedOffset>;

/// Renders a timestamp as RFC 3339 text for a `::timestamptz` parameter.
pub fn timestamp_text(ts: &Timestamp) -> String {
    ts.to_rfc3339()
}

/// Looks up a member of an object, treating a JSON `null` like a missing member.
pub fn field<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// Text from a string, number or boolean; `None` for null, missing, objects and arrays.
pub fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The first of `keys` that `obj` has a non-null member for: the same field under the names
/// different senders (or versions) give it.
pub fn first<'a>(obj: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| field(obj, k))
}

/// A list read item by item with `item`; `None` when absent, an error when not a list.
pub fn list<T>(
    v: Option<&Value>,
    what: &str,
    item: impl Fn(&Value) -> Result<Option<T>, FieldError>,
) -> Result<Option<Vec<T>>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| item(i).transpose())
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("{what} is not a list")),
    }
}

/// An external id: a non-empty string or an integer.
pub fn id(v: Option<&Value>, what: &str) -> Result<Option<String>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 255 => {
            Ok(Some(s.trim().to_string()))
        }
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        Some(_) => Err(format!("{what} is not a valid id")),
    }
}

/// A required external id.
pub fn required_id(v: Option<&Value>, what: &str) -> Result<String, FieldError> {
    id(v, what)?.ok_or_else(|| format!("{what} is missing"))
}

/// Money or any decimal: a number, a numeric string, or an object whose `amount` is one.
pub fn decimal(v: Option<&Value>, what: &str) -> Result<Option<Decimal>, FieldError> {
    let bad = || format!("{what} is not a number");
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            // serde_json prints floats in their shortest round-trip form ("175.47") but with
            // an exponent when large or tiny ("1e300"); Rust's Display never uses one.
            match Decimal::parse(&n.to_string()) {
                Some(d) => Ok(Some(d)),
                None => n
                    .as_f64()
                    .and_then(|f| Decimal::parse(&f.to_string()))
                    .map(Some)
                    .ok_or_else(bad),
            }
        }
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Decimal::parse(s).map(Some).ok_or_else(bad),
        Some(Value::Object(o)) => decimal(o.get("amount"), what),
        Some(_) => Err(bad()),
    }
}

/// The currency of an `{amount, currency}` object, if it is one.
pub fn currency_of(v: Option<&Value>) -> Option<String> {
    text(v?.get("currency"))
}

/// A boolean: `true`/`false`, `1`/`0`, or those as strings.
pub fn boolean(v: Option<&Value>, what: &str) -> Result<Option<bool>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(format!("{what} is not a boolean")),
        },
        Some(_) => Err(format!("{what} is not a boolean")),
    }
}

/// A whole number (a count or a quantity) that fits in 64 bits.
pub fn integer(v: Option<&Value>, what: &str) -> Result<Option<i64>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| format!("{what} is not a whole number")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("{what} is not a whole number")),
        Some(_) => Err(format!("{what} is not a whole number")),
    }
}

/// A date and time in any shape a platform sends. `local` is the zone of times without one.
pub fn timestamp(
    v: Option<&Value>,
    local: Tz,
    what: &str,
) -> Result<Option<Timestamp>, FieldError> {
    let bad = || format!("{what} is not a date");
    let ts = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => parse_time_text(s.trim(), local).ok_or_else(bad)?,
        Some(Value::Number(n)) => {
            let n = n.as_i64().ok_or_else(bad)?;
            // Epoch milliseconds from about March 1973 on; smaller values are seconds.
            let (secs, millis) = if n.abs() >= 100_000_000_000 {
                (n / 1000, n % 1000)
            } else {
                (n, 0)
            };
            let utc = DateTime::from_timestamp(secs, (millis.unsigned_abs() * 1_000_000) as u32)
                .ok_or_else(bad)?;
            utc.fixed_offset()
        }
        // PHP DateTime as JSON: {"date": "2022-06-26 12:21:45.000000", "timezone_type": 3,
        // "timezone": "Asia/Riyadh"} (type 1 is an offset like "+03:00", type 2 an abbreviation).
        Some(Value::Object(o)) => {
            let date = o.get("date").and_then(Value::as_str).ok_or_else(bad)?;
            let zone = o.get("timezone").and_then(Value::as_str).unwrap_or("UTC");
            let naive = parse_naive(date.trim()).ok_or_else(bad)?;
            in_zone(naive, zone).ok_or_else(|| format!("{what} has an unknown time zone"))?
        }
        Some(_) => return Err(bad()),
    };
    // PostgreSQL's timestamptz and our text rendering agree on years 1..=9999.
    use chrono::Datelike;
    if !(1..=9999).contains(&ts.year()) {
        return Err(format!("{what} is out of range"));
    }
    Ok(Some(ts))
}

/// A calendar date (a birthday): any timestamp shape, keeping its local date.
pub fn date(v: Option<&Value>, local: Tz, what: &str) -> Result<Option<NaiveDate>, FieldError> {
    Ok(timestamp(v, local, what)?.map(|ts| ts.date_naive()))
}

fn parse_time_text(s: &str, local: Tz) -> Option<Timestamp> {
    if let Ok(ts) = DateTime::parse_from_rfc3339(s) {
        return Some(ts);
    }
    // JavaScript's Date.toString(): "Sun Jun 26 2022 12:21:48 GMT+0300 (Arabia Standard Time)".
    let js = s.split(" (").next().unwrap_or(s);
    if let Ok(ts) = DateTime::parse_from_str(js, "%a %b %d %Y %H:%M:%S GMT%z") {
        return Some(ts);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(ts) = DateTime::parse_from_str(s, fmt) {
            return Some(ts);
        }
    }
    if let Some(naive) = parse_naive(s) {
        return local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.fixed_offset());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let naive = d.and_hms_opt(0, 0, 0)?;
        return local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.fixed_offset());
    }
    s.parse::<i64>()
        .ok()
        .and_then(|n| timestamp(Some(&Value::from(n)), local, "").ok().flatten())
}

fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
}

fn in_zone(naive: NaiveDateTime, zone: &str) -> Option<Timestamp> {
    if let Ok(tz) = zone.parse::<Tz>() {
        return tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.fixed_offset());
    }
    // An offset such as "+03:00" (PHP timezone_type 1).
    let offset = DateTime::parse_from_str(
        &format!("2000-01-01 00:00:00 {zone}"),
        "%Y-%m-%d %H:%M:%S %:z",
    )
    .ok()?
    .offset()
    .to_owned();
    offset.from_local_datetime(&naive).single()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RIYADH: Tz = chrono_tz::Asia::Riyadh;

    fn ts(v: Value) -> String {
        timestamp(Some(&v), RIYADH, "t")
            .unwrap()
            .unwrap()
            .to_rfc3339()
    }

    #[test]
    fn every_date_shape_lands_on_the_same_instant() {
        let expected = "2022-06-26T12:21:45+03:00";
        assert_eq!(
            ts(
                json!({"date": "2022-06-26 12:21:45.000000", "timezone_type": 3, "timezone": "Asia/Riyadh"})
            ),
            expected
        );
        assert_eq!(
            ts(
                json!({"date": "2022-06-26 09:21:45.000000", "timezone_type": 3, "timezone": "UTC"})
            ),
            "2022-06-26T09:21:45+00:00"
        );
        assert_eq!(
            ts(
                json!({"date": "2022-06-26 12:21:45.000000", "timezone_type": 1, "timezone": "+03:00"})
            ),
            expected
        );
        assert_eq!(ts(json!("2022-06-26 12:21:45")), expected);
        assert_eq!(ts(json!("Sun Jun 26 2022 12:21:45 GMT+0300")), expected);
        assert_eq!(
            ts(json!(
                "Sun Jun 26 2022 12:21:45 GMT+0300 (Arabia Standard Time)"
            )),
            expected
        );
        assert_eq!(ts(json!("2022-06-26T12:21:45+03:00")), expected);
        assert_eq!(ts(json!(1656235305)), "2022-06-26T09:21:45+00:00");
        assert_eq!(ts(json!(1656235305000_i64)), "2022-06-26T09:21:45+00:00");
    }

    #[test]
    fn bad_dates_are_refused_not_guessed() {
        for v in [
            json!("yesterday"),
            json!({"timezone": "UTC"}),
            json!([1]),
            json!("99999-01-01 00:00:00"),
            json!({"date": "2022-06-26 12:21:45", "timezone": "Mars/Olympus"}),
        ] {
            assert!(timestamp(Some(&v), RIYADH, "t").is_err(), "{v} accepted");
        }
        assert_eq!(timestamp(Some(&Value::Null), RIYADH, "t"), Ok(None));
    }

    #[test]
    fn money_in_every_shape() {
        let d = |v: Value| {
            decimal(Some(&v), "m")
                .unwrap()
                .map(|d| d.as_str().to_string())
        };
        assert_eq!(d(json!(196)), Some("196".into()));
        assert_eq!(d(json!(175.47)), Some("175.47".into()));
        assert_eq!(d(json!("0.00")), Some("0.00".into()));
        assert_eq!(
            d(json!({"amount": 15, "currency": "SAR"})),
            Some("15".into())
        );
        assert_eq!(
            d(json!({"amount": "5.50", "currency": "SAR"})),
            Some("5.50".into())
        );
        assert_eq!(d(json!("")), None);
        for v in [
            json!("NaN"),
            json!("1e5"),
            json!("12abc"),
            json!(true),
            json!("-"),
            json!("."),
        ] {
            assert!(decimal(Some(&v), "m").is_err(), "{v} accepted");
        }
    }

    #[test]
    fn decimal_sums_are_exact() {
        let d = |s: &str| Decimal::parse(s).unwrap();
        let sum =
            |l: &[&str]| Decimal::sum(&l.iter().map(|s| d(s)).collect::<Vec<_>>()).map(|d| d.0);
        assert_eq!(sum(&[]), Some("0".into()));
        assert_eq!(sum(&["5.00"]), Some("5.00".into()));
        assert_eq!(sum(&["5.00", "0.5", "3"]), Some("8.50".into()));
        assert_eq!(sum(&["0.1", "0.2"]), Some("0.3".into()));
        assert_eq!(sum(&["-1.25", "1"]), Some("-0.25".into()));
        assert_eq!(sum(&["-3", "1"]), Some("-2".into()));
        assert_eq!(sum(&[".5", "1"]), Some("1.5".into()));
        let huge = "9".repeat(39);
        assert_eq!(sum(&[&huge, "1"]), None);
    }

    #[test]
    fn lists_and_aliases() {
        let v = json!({"a": null, "b": 2, "l": [{"id": 1}, {"id": "x"}, {}]});
        assert_eq!(first(&v, &["a", "b"]), Some(&json!(2)));
        let ids = list(v.get("l"), "l", |i| id(i.get("id"), "l id")).unwrap();
        assert_eq!(ids, Some(vec!["1".to_string(), "x".to_string()]));
        assert!(list(v.get("b"), "b", |i| Ok(text(Some(i)))).is_err());
        assert_eq!(list(None, "x", |i| Ok(text(Some(i)))), Ok(None));
    }

    #[test]
    fn ids_are_text_whatever_they_came_as() {
        assert_eq!(
            id(Some(&json!(2116149737)), "id"),
            Ok(Some("2116149737".into()))
        );
        assert_eq!(id(Some(&json!(" abc ")), "id"), Ok(Some("abc".into())));
        assert!(id(Some(&json!(1.5)), "id").is_err());
        assert!(id(Some(&json!("")), "id").is_err());
        assert!(required_id(None, "id").is_err());
    }

    #[test]
    fn booleans_and_integers() {
        assert_eq!(boolean(Some(&json!("1")), "b"), Ok(Some(true)));
        assert_eq!(boolean(Some(&json!(0)), "b"), Ok(Some(false)));
        assert!(boolean(Some(&json!("maybe")), "b").is_err());
        assert_eq!(integer(Some(&json!("20")), "i"), Ok(Some(20)));
        assert_eq!(integer(Some(&json!(3.0)), "i"), Ok(Some(3)));
        assert!(integer(Some(&json!(3.5)), "i").is_err());
        assert!(integer(Some(&json!(1e300)), "i").is_err());
    }
}
