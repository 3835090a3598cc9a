//! Platform-neutral rows: what every platform's mapping produces and `write` stores.
//!
//! `None` always means "this event did not say"; the writer never lets a missing value erase a
//! known one.

use crate::record::Record;
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
    /// Each discount of the order; `None` when the event does not list them.
    pub discounts: Option<Vec<Decimal>>,
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
