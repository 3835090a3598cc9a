//! Platform-neutral rows: what every platform's mapping produces and `write` stores.
//!
//! `None` always means "this event did not say"; the writer never lets a missing value erase a
//! known one.

use crate::rows::{Record, Table, Version};
use crate::values::{Decimal, Timestamp};
use chrono::NaiveDate;

/// A customer as one event describes them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Customer {
    pub id: String,
    /// Full name, when the platform sends one name rather than first and last.
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub mobile_code: Option<String>,
    pub gender: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub country_code: Option<String>,
    pub currency: Option<String>,
    /// The platform's last-modified time of the customer.
    pub updated_at: Option<Timestamp>,
    /// Set by login events.
    pub logged_in_at: Option<Timestamp>,
    /// Set by deletion events.
    pub deleted_at: Option<Timestamp>,
    /// A condensed copy inside another entity's event (no `updated_at`): it only fills
    /// columns that are still empty, never overwrites.
    pub condensed: bool,
}

/// A product as one event describes it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    pub name: Option<String>,
    pub sku: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub price: Option<Decimal>,
    pub sale_price: Option<Decimal>,
    pub regular_price: Option<Decimal>,
    pub currency: Option<String>,
    pub quantity: Option<i64>,
    pub is_available: Option<bool>,
    pub updated_at: Option<Timestamp>,
    pub mpn: Option<String>,
    pub gtin: Option<String>,
    pub cost_price: Option<Decimal>,
    pub taxed_price: Option<Decimal>,
    /// URL of the main image.
    pub main_image: Option<String>,
    pub brand_id: Option<String>,
    pub category_ids: Option<Vec<String>>,
    /// Tag names.
    pub tags: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    /// Set by deletion events.
    pub deleted_at: Option<Timestamp>,
}

/// One line of an order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OrderItem {
    pub id: String,
    pub product: Option<Product>,
    pub name: Option<String>,
    pub sku: Option<String>,
    pub quantity: Option<Decimal>,
    pub currency: Option<String>,
    pub price: Option<Decimal>,
    pub discount: Option<Decimal>,
    pub tax: Option<Decimal>,
    pub total: Option<Decimal>,
}

/// An order as one event describes it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Order {
    pub id: String,
    pub reference_id: Option<String>,
    pub customer: Option<Customer>,
    pub status_slug: Option<String>,
    pub status_name: Option<String>,
    pub order_date: Option<Timestamp>,
    pub currency: Option<String>,
    pub total: Option<Decimal>,
    pub sub_total: Option<Decimal>,
    pub shipping_cost: Option<Decimal>,
    pub tax: Option<Decimal>,
    /// The order's whole discount (the mapper sums the discounts a platform lists); `None`
    /// when the event does not say.
    pub discount: Option<Decimal>,
    pub payment_method: Option<String>,
    pub draft: Option<bool>,
    /// The complete set of lines, when the event carries it.
    pub items: Option<Vec<OrderItem>>,
    /// Where the order was placed (store, dashboard, pos, …).
    pub source: Option<String>,
    pub shipping_company: Option<String>,
    pub shipping_city: Option<String>,
    pub shipping_country: Option<String>,
    /// The platform's last-modified time of the order, when it sends one.
    pub updated_at: Option<Timestamp>,
    /// Set by deletion events.
    pub deleted_at: Option<Timestamp>,
}

/// What one event changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Customer(Customer),
    Product(Product),
    Order(Box<Order>),
    /// A row of any other typed table (catalogue, carts, store state, status history…).
    Record(Record),
    /// A cart's complete set of items, replaced when the cart record it follows wins.
    CartItems {
        cart_id: String,
        items: Vec<CartItem>,
        /// When the cart had these items (its `updated_at`), if the event says.
        at: Option<Timestamp>,
    },
}

/// One item of a cart.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CartItem {
    pub id: String,
    pub product_id: Option<String>,
    pub quantity: Option<Decimal>,
}

/// How each entity becomes a typed row: which columns, and what decides its version.
impl Customer {
    /// The customer as a row: versioned by its own `updated_at`, else by the event, unless it
    /// is a condensed copy, which only fills gaps. A name not sent whole is joined from its parts.
    pub fn record(&self) -> Record {
        let c = self;
        let version = match (c.updated_at, c.condensed) {
            (Some(at), _) => Version::At(at),
            (None, true) => Version::Hint,
            (None, false) => Version::Event,
        };
        let name = c.name.clone().or_else(|| {
            let joined = [c.first_name.as_deref(), c.last_name.as_deref()]
                .into_iter()
                .flatten()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        });
        let mut r = Record::new(Table::Customers, vec![c.id.clone()])
            .with("name", name)
            .with("first_name", c.first_name.clone())
            .with("last_name", c.last_name.clone())
            .with("email", c.email.clone())
            .with("mobile", c.mobile.clone())
            .with("mobile_code", c.mobile_code.clone())
            .with("gender", c.gender.clone())
            .with("birthday", c.birthday)
            .with("city", c.city.clone())
            .with("country", c.country.clone())
            .with("country_code", c.country_code.clone())
            .with("currency", c.currency.clone())
            .with("updated_at", c.updated_at)
            .with("last_login_at", c.logged_in_at)
            .with("deleted_at", c.deleted_at)
            .versioned(version);
        // Logins and deletions are facts of their own time, whatever the profile's age.
        for (column, at) in [
            ("last_login_at", c.logged_in_at),
            ("deleted_at", c.deleted_at),
        ] {
            if let Some(at) = at {
                r = r.column_at(column, at);
            }
        }
        r
    }
}

impl Product {
    /// The product as a row. `hint`: known only from an order line, so it fills gaps only.
    pub fn record(&self, hint: bool) -> Record {
        let p = self;
        let version = match (hint, p.updated_at) {
            (true, _) => Version::Hint,
            (false, Some(at)) => Version::At(at),
            (false, None) => Version::Event,
        };
        let mut r = Record::new(Table::Products, vec![p.id.clone()])
            .with("name", p.name.clone())
            .with("sku", p.sku.clone())
            .with("mpn", p.mpn.clone())
            .with("gtin", p.gtin.clone())
            .with("type", p.kind.clone())
            .with("status", p.status.clone())
            .with("price", p.price.clone())
            .with("sale_price", p.sale_price.clone())
            .with("regular_price", p.regular_price.clone())
            .with("cost_price", p.cost_price.clone())
            .with("taxed_price", p.taxed_price.clone())
            .with("currency", p.currency.clone())
            .with("quantity", p.quantity)
            .with("is_available", p.is_available)
            .with("main_image", p.main_image.clone())
            .with("brand_id", p.brand_id.clone())
            .with("category_ids", p.category_ids.clone())
            .with("tags", p.tags.clone())
            .with("channels", p.channels.clone())
            .with("updated_at", p.updated_at)
            .with("deleted_at", p.deleted_at)
            .versioned(version);
        if let (Some(at), false) = (p.deleted_at, hint) {
            r = r.column_at("deleted_at", at);
        }
        r
    }
}

impl Order {
    /// The order as a row.
    pub fn record(&self) -> Record {
        let o = self;
        let mut r = Record::new(Table::Orders, vec![o.id.clone()])
            .with("reference_id", o.reference_id.clone())
            .with("customer_id", o.customer.as_ref().map(|c| c.id.clone()))
            .with("status_slug", o.status_slug.clone())
            .with("status_name", o.status_name.clone())
            .with("order_date", o.order_date)
            .with("currency", o.currency.clone())
            .with("total", o.total.clone())
            .with("sub_total", o.sub_total.clone())
            .with("shipping_cost", o.shipping_cost.clone())
            .with("tax", o.tax.clone())
            .with("discount", o.discount.clone())
            .with("payment_method", o.payment_method.clone())
            .with("draft", o.draft)
            .with("source", o.source.clone())
            .with("shipping_company", o.shipping_company.clone())
            .with("shipping_city", o.shipping_city.clone())
            .with("shipping_country", o.shipping_country.clone())
            .with("deleted_at", o.deleted_at)
            .versioned(o.updated_at.map_or(Version::Event, Version::At));
        if let Some(at) = o.deleted_at {
            r = r.column_at("deleted_at", at);
        }
        r
    }
}
