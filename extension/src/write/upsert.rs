//! The one versioned upsert behind every typed table (see `sql/versions.sql`).
//!
//! A [`Record`] becomes `INSERT … ON CONFLICT … DO UPDATE` (or, for the store's own row, an
//! `UPDATE`) over exactly the columns it carries. Values travel as one `jsonb` parameter typed by
//! `jsonb_populate_record`; each column then keeps the value of the newest event that carried
//! it (`storesync._pick`), and `field_ts` remembers that event's time per column.

use crate::rows::{Record, Table, Version};
use crate::statements;
use crate::values::{timestamp_text, Timestamp};
use pgrx::datum::DatumWithOid;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::JsonB;
use serde_json::{Map, Value};

/// Writes `record` for `store_id`; `event_ts` dates values of [`Version::Event`] records.
pub fn upsert(
    client: &mut SpiClient<'_>,
    store_id: i64,
    event_ts: &Timestamp,
    record: &Record,
) -> SpiResult<()> {
    let spec = record.table.spec();
    // SECURITY: only identifiers from the table's spec reach the SQL text (a record's own
    // column names are looked up in it, never copied); every value is a bound parameter.
    let columns: Vec<&'static str> = spec
        .columns
        .iter()
        .copied()
        .filter(|c| record.has(c))
        .collect();
    let (versions, source_ts) = versions(record, event_ts, &columns);
    let mut values = record.values.clone();
    for (name, value) in spec.key.iter().zip(&record.key) {
        values.insert((*name).to_string(), Value::String(value.clone()));
    }
    if spec.key.is_empty() && columns.is_empty() {
        // Store-level rows say nothing without a column (a redacted secret on replay).
        return Ok(());
    }
    let sql = if record.table == Table::Stores {
        update_sql(spec.name, &columns)
    } else {
        insert_sql(spec.name, spec.key, &columns)
    };
    let args: [DatumWithOid; 4] = [
        store_id.into(),
        JsonB(Value::Object(values)).into(),
        JsonB(Value::Object(versions)).into(),
        source_ts.into(),
    ];
    statements::update(client, &sql, &args)?;
    Ok(())
}

/// Per column, the time its value reflects (epoch microseconds), and the newest of them as
/// the row's `source_ts`. A hint versions nothing: it only fills empty columns.
fn versions(
    record: &Record,
    event_ts: &Timestamp,
    columns: &[&str],
) -> (Map<String, Value>, String) {
    let base = match record.version {
        Version::Event => Some(*event_ts),
        Version::At(t) => Some(t),
        Version::Hint => None,
    };
    let mut map = Map::new();
    let mut newest: Option<Timestamp> = None;
    for column in columns {
        let own = record
            .column_versions
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, t)| *t);
        if let Some(at) = own.or(base) {
            map.insert((*column).to_string(), Value::from(at.timestamp_micros()));
            newest = Some(newest.map_or(at, |n| n.max(at)));
        }
    }
    let source_ts = match newest.or(base) {
        Some(t) => timestamp_text(&t),
        None => "-infinity".to_string(),
    };
    (map, source_ts)
}

fn insert_sql(table: &str, key: &[&str], columns: &[&str]) -> String {
    let mut target = vec!["store_id"];
    target.extend_from_slice(key);
    target.extend_from_slice(columns);
    let selected: Vec<String> = key
        .iter()
        .chain(columns)
        .map(|c| format!("r.{c}"))
        .collect();
    let mut sets: Vec<String> = columns
        .iter()
        .map(|c| {
            format!(
                "{c} = storesync._pick(t.{c}, EXCLUDED.{c}, t.field_ts, EXCLUDED.field_ts, '{c}')"
            )
        })
        .collect();
    sets.push("field_ts = storesync._merge_versions(t.field_ts, EXCLUDED.field_ts)".into());
    sets.push("source_ts = GREATEST(t.source_ts, EXCLUDED.source_ts)".into());
    let conflict = std::iter::once("store_id")
        .chain(key.iter().copied())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO storesync.{table} AS t ({target}, field_ts, source_ts)
         SELECT $1, {selected}$3::jsonb, $4::timestamptz
         FROM jsonb_populate_record(NULL::storesync.{table}, $2::jsonb) AS r
         ON CONFLICT ({conflict}) DO UPDATE SET {sets}",
        target = target.join(", "),
        selected = selected
            .iter()
            .map(|s| format!("{s}, "))
            .collect::<String>(),
        sets = sets.join(", "),
    )
}

fn update_sql(table: &str, columns: &[&str]) -> String {
    let mut sets: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = storesync._pick(t.{c}, r.{c}, t.field_ts, $3::jsonb, '{c}')"))
        .collect();
    sets.push("field_ts = storesync._merge_versions(t.field_ts, $3::jsonb)".into());
    sets.push("source_ts = GREATEST(t.source_ts, $4::timestamptz)".into());
    format!(
        "UPDATE storesync.{table} AS t SET {sets}
         FROM jsonb_populate_record(NULL::storesync.{table}, $2::jsonb) AS r
         WHERE t.store_id = $1",
        sets = sets.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn at(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn each_column_is_versioned_by_its_own_time_or_the_record_time() {
        let login = at("2022-01-25T12:36:49+03:00");
        let r = Record::new(Table::Customers, vec!["1".into()])
            .with("email", Some("a@b.c"))
            .with("last_login_at", Some(login))
            .versioned(Version::At(at("2022-01-24T14:26:55+03:00")))
            .column_at("last_login_at", login);
        let (v, source_ts) = versions(&r, &at("2030-01-01T00:00:00Z"), &["email", "last_login_at"]);
        assert_eq!(
            v["email"],
            at("2022-01-24T14:26:55+03:00").timestamp_micros()
        );
        assert_eq!(v["last_login_at"], login.timestamp_micros());
        assert_eq!(source_ts, timestamp_text(&login));
    }

    #[test]
    fn hints_version_nothing() {
        let r = Record::new(Table::Products, vec!["1".into()])
            .with("name", Some("x"))
            .versioned(Version::Hint);
        let (v, source_ts) = versions(&r, &at("2030-01-01T00:00:00Z"), &["name"]);
        assert!(v.is_empty());
        assert_eq!(source_ts, "-infinity");
    }

    #[test]
    fn sql_names_only_spec_columns_in_spec_order() {
        let sql = insert_sql("taxes", &["tax_id"], &["rate", "country"]);
        assert!(sql.contains("(store_id, tax_id, rate, country, field_ts, source_ts)"));
        assert!(sql.contains("SELECT $1, r.tax_id, r.rate, r.country, $3::jsonb"));
        assert!(sql.contains("ON CONFLICT (store_id, tax_id)"));
        let sql = update_sql("stores", &["app_installed"]);
        assert!(sql.contains("app_installed = storesync._pick(t.app_installed, r.app_installed"));
    }
}
