//! Typed rows: one [`Record`] is what one event says about one row of one table.
//!
//! Platform mappers build records for every entity that has no dedicated struct in
//! [`crate::model`]; the writer turns each into a versioned upsert (see `sql/versions.sql`).
//! Values are JSON (numbers as decimal text, times as RFC 3339), typed by PostgreSQL through
//! `jsonb_populate_record`, so nothing is rounded or reformatted on the way.

use crate::values::{timestamp_text, Decimal, Timestamp};
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// A typed table the writer upserts generically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Customers,
    Products,
    Orders,
    OrderStatusHistory,
    Shipments,
    OrderShipmentCancellations,
    Categories,
    Brands,
    Branches,
    Taxes,
    SpecialOffers,
    ShippingZones,
    ShippingCompanies,
    Carts,
    Coupons,
    Invoices,
    Reviews,
    CustomerOtpRequests,
    /// The store's own row (app state): updated, never inserted.
    Stores,
    /// Owner-only secrets of a store (OAuth tokens, app settings).
    StoreCredentials,
}

/// Table name, key columns after `store_id`, and the columns events may write.
pub struct TableSpec {
    pub name: &'static str,
    pub key: &'static [&'static str],
    pub columns: &'static [&'static str],
}

impl Table {
    /// Every table, for checks that the specs match the schema.
    pub const ALL: [Table; 20] = [
        Table::Customers,
        Table::Products,
        Table::Orders,
        Table::OrderStatusHistory,
        Table::Shipments,
        Table::OrderShipmentCancellations,
        Table::Categories,
        Table::Brands,
        Table::Branches,
        Table::Taxes,
        Table::SpecialOffers,
        Table::ShippingZones,
        Table::ShippingCompanies,
        Table::Carts,
        Table::Coupons,
        Table::Invoices,
        Table::Reviews,
        Table::CustomerOtpRequests,
        Table::Stores,
        Table::StoreCredentials,
    ];

    /// SECURITY: these names are the only identifiers the writer puts into SQL text.
    pub fn spec(self) -> &'static TableSpec {
        match self {
            Table::Customers => &TableSpec {
                name: "customers",
                key: &["customer_id"],
                columns: &[
                    "name",
                    "first_name",
                    "last_name",
                    "email",
                    "mobile",
                    "mobile_code",
                    "gender",
                    "birthday",
                    "city",
                    "country",
                    "country_code",
                    "currency",
                    "updated_at",
                    "last_login_at",
                    "deleted_at",
                ],
            },
            Table::Products => &TableSpec {
                name: "products",
                key: &["product_id"],
                columns: &[
                    "name",
                    "sku",
                    "mpn",
                    "gtin",
                    "type",
                    "status",
                    "price",
                    "sale_price",
                    "regular_price",
                    "cost_price",
                    "taxed_price",
                    "currency",
                    "quantity",
                    "is_available",
                    "main_image",
                    "brand_id",
                    "category_ids",
                    "tags",
                    "channels",
                    "updated_at",
                    "deleted_at",
                ],
            },
            Table::Orders => &TableSpec {
                name: "orders",
                key: &["order_id"],
                columns: &[
                    "reference_id",
                    "customer_id",
                    "status_slug",
                    "status_name",
                    "order_date",
                    "currency",
                    "total",
                    "sub_total",
                    "shipping_cost",
                    "tax",
                    "discount",
                    "payment_method",
                    "draft",
                    "source",
                    "shipping_company",
                    "shipping_city",
                    "shipping_country",
                    "deleted_at",
                ],
            },
            Table::OrderStatusHistory => &TableSpec {
                name: "order_status_history",
                key: &["order_id", "history_id"],
                columns: &["status_slug", "status_name", "note", "changed_at"],
            },
            Table::Shipments => &TableSpec {
                name: "shipments",
                key: &["shipment_id"],
                columns: &[
                    "order_id",
                    "order_reference_id",
                    "type",
                    "status",
                    "courier_id",
                    "courier_name",
                    "shipping_number",
                    "tracking_number",
                    "tracking_link",
                    "payment_method",
                    "currency",
                    "total",
                    "cash_on_delivery",
                    "is_international",
                    "shipment_created_at",
                    "canceled_at",
                ],
            },
            Table::OrderShipmentCancellations => &TableSpec {
                name: "order_shipment_cancellations",
                key: &["order_id", "kind", "shipping_number"],
                columns: &["reference_id", "canceled_at"],
            },
            Table::Categories => &TableSpec {
                name: "categories",
                key: &["category_id"],
                columns: &[
                    "name",
                    "parent_id",
                    "status",
                    "sort_order",
                    "url",
                    "deleted_at",
                ],
            },
            Table::Brands => &TableSpec {
                name: "brands",
                key: &["brand_id"],
                columns: &[
                    "name",
                    "description",
                    "is_active",
                    "logo",
                    "banner",
                    "deleted_at",
                ],
            },
            Table::Branches => &TableSpec {
                name: "branches",
                key: &["branch_id"],
                columns: &[
                    "name",
                    "status",
                    "city",
                    "country",
                    "phone",
                    "whatsapp",
                    "telephone",
                    "latitude",
                    "longitude",
                    "preparation_time",
                    "is_cod_available",
                    "cod_cost",
                    "deleted_at",
                ],
            },
            Table::Taxes => &TableSpec {
                name: "taxes",
                key: &["tax_id"],
                columns: &["rate", "status", "country"],
            },
            Table::SpecialOffers => &TableSpec {
                name: "special_offers",
                key: &["offer_id"],
                columns: &["name", "message", "offer_type", "status", "expires_at"],
            },
            Table::ShippingZones => &TableSpec {
                name: "shipping_zones",
                key: &["zone_id"],
                columns: &[
                    "zone_code",
                    "company_id",
                    "country",
                    "city",
                    "fee",
                    "fee_type",
                    "currency",
                    "cod_available",
                    "cod_fee",
                    "duration",
                ],
            },
            Table::ShippingCompanies => &TableSpec {
                name: "shipping_companies",
                key: &["company_id"],
                columns: &["name", "is_active", "deleted_at"],
            },
            Table::Carts => &TableSpec {
                name: "carts",
                key: &["cart_id"],
                columns: &[
                    "customer_id",
                    "is_abandoned",
                    "status",
                    "currency",
                    "total",
                    "subtotal",
                    "total_discount",
                    "coupon_code",
                    "checkout_url",
                    "age_in_minutes",
                    "cart_created_at",
                    "cart_updated_at",
                    "purchased_at",
                ],
            },
            Table::Coupons => &TableSpec {
                name: "coupons",
                key: &["coupon_id"],
                columns: &[
                    "code",
                    "status",
                    "type",
                    "amount",
                    "minimum_amount",
                    "free_shipping",
                    "starts_at",
                    "expires_at",
                ],
            },
            Table::Invoices => &TableSpec {
                name: "invoices",
                key: &["invoice_id"],
                columns: &[
                    "order_id",
                    "invoice_number",
                    "type",
                    "invoice_date",
                    "payment_method",
                    "currency",
                    "sub_total",
                    "shipping_cost",
                    "cod_cost",
                    "discount",
                    "tax",
                    "total",
                ],
            },
            Table::Reviews => &TableSpec {
                name: "reviews",
                key: &["review_id"],
                columns: &[
                    "type",
                    "rating",
                    "content",
                    "customer_id",
                    "product_id",
                    "order_id",
                    "reviewed_at",
                ],
            },
            Table::CustomerOtpRequests => &TableSpec {
                name: "customer_otp_requests",
                key: &["contact", "requested_at"],
                columns: &["channel"],
            },
            Table::Stores => &TableSpec {
                name: "stores",
                key: &[],
                columns: &[
                    "app_installed",
                    "app_installed_at",
                    "app_updated_at",
                    "app_uninstalled_at",
                    "app_scopes",
                    "store_type",
                    "authorized_at",
                    "settings_updated_at",
                    "plan_name",
                    "plan_type",
                    "plan_period",
                    "trial_status",
                    "trial_starts_at",
                    "trial_ends_at",
                    "subscription_id",
                    "subscription_status",
                    "subscription_starts_at",
                    "subscription_ends_at",
                    "subscription_renewed_at",
                    "app_rating",
                    "app_feedback",
                    "app_feedback_at",
                    "default_branch_id",
                ],
            },
            Table::StoreCredentials => &TableSpec {
                name: "store_credentials",
                key: &[],
                columns: &[
                    "access_token",
                    "refresh_token",
                    "token_type",
                    "scope",
                    "expires_at",
                    "app_settings",
                ],
            },
        }
    }
}

/// When the values of a record were true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The event's own time (the envelope's `created_at`, else when it was received).
    Event,
    /// A time the payload gives for this entity (its `updated_at`).
    At(Timestamp),
    /// Unknown: a condensed copy inside another entity's event. Fills empty columns only.
    Hint,
}

/// What one event says about one row: the key, and the values it carries (never nulls).
#[derive(Clone, PartialEq)]
pub struct Record {
    pub table: Table,
    /// Values of `table.spec().key`, in order.
    pub key: Vec<String>,
    /// Column → value, only for columns the event carries.
    pub values: Map<String, Value>,
    pub version: Version,
    /// Columns whose value is true at another time than the rest (e.g. a login time).
    pub column_versions: Vec<(&'static str, Timestamp)>,
}

// SECURITY: records may hold secrets (store_credentials): Debug shows column names only.
impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("table", &self.table.spec().name)
            .field("columns", &self.values.keys().collect::<Vec<_>>())
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A value for one column.
pub enum Cell {
    Text(String),
    Num(Decimal),
    Int(i64),
    Bool(bool),
    Time(Timestamp),
    Date(NaiveDate),
    List(Vec<String>),
    Json(Value),
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_string())
    }
}
impl From<Decimal> for Cell {
    fn from(v: Decimal) -> Self {
        Cell::Num(v)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}
impl From<Timestamp> for Cell {
    fn from(v: Timestamp) -> Self {
        Cell::Time(v)
    }
}
impl From<NaiveDate> for Cell {
    fn from(v: NaiveDate) -> Self {
        Cell::Date(v)
    }
}
impl From<Vec<String>> for Cell {
    fn from(v: Vec<String>) -> Self {
        Cell::List(v)
    }
}
impl From<Value> for Cell {
    fn from(v: Value) -> Self {
        Cell::Json(v)
    }
}

impl Cell {
    fn into_json(self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s),
            // As text: numeric's input reads it exactly, without a float in between.
            Cell::Num(d) => Value::String(d.as_str().to_string()),
            Cell::Int(i) => Value::from(i),
            Cell::Bool(b) => Value::Bool(b),
            Cell::Time(t) => Value::String(timestamp_text(&t)),
            Cell::Date(d) => Value::String(d.to_string()),
            Cell::List(l) => Value::from(l),
            Cell::Json(v) => v,
        }
    }
}

impl Record {
    /// A record of `table` for the row with `key` (the key columns after `store_id`).
    pub fn new(table: Table, key: Vec<String>) -> Self {
        debug_assert_eq!(key.len(), table.spec().key.len(), "{:?} key", table);
        Record {
            table,
            key,
            values: Map::new(),
            version: Version::Event,
            column_versions: Vec::new(),
        }
    }

    /// Sets `column` when the event carries a value for it.
    pub fn set(&mut self, column: &'static str, value: Option<impl Into<Cell>>) -> &mut Self {
        debug_assert!(
            self.table.spec().columns.contains(&column),
            "{column} is not a column of {}",
            self.table.spec().name
        );
        if let Some(v) = value {
            self.values.insert(column.to_string(), v.into().into_json());
        }
        self
    }

    /// Builder form of [`Record::set`].
    pub fn with(mut self, column: &'static str, value: Option<impl Into<Cell>>) -> Self {
        self.set(column, value);
        self
    }

    /// Dates the record's values (default: the event's time).
    pub fn versioned(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Gives `column` its own version, e.g. a login time on a customer profile.
    pub fn column_at(mut self, column: &'static str, at: Timestamp) -> Self {
        self.column_versions.push((column, at));
        self
    }

    /// Whether the record sets `column`.
    pub fn has(&self, column: &str) -> bool {
        self.values.contains_key(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_identifiers_are_plain_lowercase_words() {
        for table in Table::ALL {
            let spec = table.spec();
            for ident in std::iter::once(&spec.name)
                .chain(spec.key.iter())
                .chain(spec.columns.iter())
            {
                assert!(
                    !ident.is_empty() && ident.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{ident:?}"
                );
            }
        }
    }

    #[test]
    fn debug_never_shows_values() {
        let r = Record::new(Table::StoreCredentials, vec![])
            .with("access_token", Some("very-secret-token"));
        let shown = format!("{r:?}");
        assert!(shown.contains("access_token") && !shown.contains("very-secret"));
    }

    #[test]
    fn absent_values_are_not_set() {
        let r = Record::new(Table::Taxes, vec!["1".into()])
            .with("status", None::<String>)
            .with("country", Some("SA"));
        assert!(!r.has("status") && r.has("country"));
    }
}
