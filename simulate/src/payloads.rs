//! Realistic Salla webhooks, generated deterministically from a seed.
//!
//! A [`World`] of stores, customers and products is fixed by its sizes alone, so runs with
//! different seeds share customers and products (and can build on each other), while the
//! events themselves — which kinds, which customer orders what, amounts, statuses, times —
//! follow from the seed. Order ids carry the seed, so two seeds never collide on an order.
//!
//! Bodies are shaped like Salla's documented payloads (`tests/fixtures/salla/`): orders are
//! the full order model (4–18 KB with one to twelve lines), `order.status.updated` is the status
//! record with the order nested in `data.order`, customer and product events carry their
//! models. Every body is distinct: event times strictly increase, one second at least apart.

use chrono::{DateTime, FixedOffset, TimeZone};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

/// The event kinds the simulator sends, with their share of the traffic in per mille.
///
/// Roughly what a busy store sends: most traffic is about orders (each order is created once
/// and then changes status a few times), then customer logins, then catalogue changes.
pub const MIX: [(Kind, u32); 8] = [
    (Kind::OrderCreated, 250),
    (Kind::OrderUpdated, 100),
    (Kind::OrderStatusUpdated, 200),
    (Kind::CustomerLogin, 200),
    (Kind::CustomerCreated, 60),
    (Kind::CustomerUpdated, 60),
    (Kind::ProductUpdated, 100),
    (Kind::ProductCreated, 30),
];

/// A kind of Salla event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `order.created`: a new order, full order model.
    OrderCreated,
    /// `order.updated`: a known order again, full model, newer status.
    OrderUpdated,
    /// `order.status.updated`: a status record with the order nested.
    OrderStatusUpdated,
    /// `customer.login`: customer model.
    CustomerLogin,
    /// `customer.created`: customer model.
    CustomerCreated,
    /// `customer.updated`: customer model.
    CustomerUpdated,
    /// `product.updated`: product model.
    ProductUpdated,
    /// `product.created`: product model.
    ProductCreated,
}

impl Kind {
    /// The Salla event name.
    pub fn name(self) -> &'static str {
        match self {
            Self::OrderCreated => "order.created",
            Self::OrderUpdated => "order.updated",
            Self::OrderStatusUpdated => "order.status.updated",
            Self::CustomerLogin => "customer.login",
            Self::CustomerCreated => "customer.created",
            Self::CustomerUpdated => "customer.updated",
            Self::ProductUpdated => "product.updated",
            Self::ProductCreated => "product.created",
        }
    }

    /// The kind called `name`, if the simulator knows it.
    pub fn from_name(name: &str) -> Option<Self> {
        MIX.iter().map(|(k, _)| *k).find(|k| k.name() == name)
    }
}

/// How many stores, customers and products the simulated traffic is about.
#[derive(Clone, Copy, Debug)]
pub struct World {
    /// Number of stores (merchants).
    pub stores: u32,
    /// Customers per store.
    pub customers: u32,
    /// Products per store.
    pub products: u32,
}

/// One generated delivery: the event kind and the exact body to send.
#[derive(Clone, Debug)]
pub struct Payload {
    /// What the body is.
    pub kind: Kind,
    /// The raw JSON body; the signature is computed over exactly these bytes.
    pub body: Vec<u8>,
}

/// Order statuses in the order an order moves through them; the last two end it.
const STATUSES: [(&str, &str); 8] = [
    ("payment_pending", "بانتظار الدفع"),
    ("under_review", "بإنتظار المراجعة"),
    ("in_progress", "قيد التنفيذ"),
    ("delivering", "جاري التوصيل"),
    ("delivered", "تم التوصيل"),
    ("completed", "تم التنفيذ"),
    ("canceled", "ملغي"),
    ("restored", "مسترجع"),
];
const COMPLETED: usize = 5;
const CANCELED: usize = 6;

const FIRST_NAMES: [&str; 12] = [
    "Mohammed", "Sara", "Abdullah", "Noura", "Fahad", "Lama", "Khalid", "Reem", "Omar", "Huda",
    "Yousef", "Maha",
];
const LAST_NAMES: [&str; 8] = [
    "Ali",
    "Alharbi",
    "Alqahtani",
    "Alotaibi",
    "Alghamdi",
    "Alzahrani",
    "Aldosari",
    "Alshehri",
];
const CITIES: [&str; 6] = ["الرياض", "جدة", "مكة", "المدينة المنورة", "الدمام", "أبها"];
const PRODUCT_NAMES: [&str; 8] = [
    "بيتزا",
    "عطر إترنتي مومنت",
    "قهوة عربية",
    "تمر سكري",
    "عباية سوداء",
    "ساعة ذكية",
    "حقيبة جلد",
    "بخور عود",
];
const PAYMENT_METHODS: [&str; 5] = ["bank", "cod", "mada", "credit_card", "apple_pay"];

/// Orders that may still receive updates (the most recent ones).
const OPEN_ORDERS: usize = 4096;

/// An order the generator created and may update later.
#[derive(Clone, Copy, Debug)]
struct OrderState {
    store: u32,
    /// Per-run order number (ids are derived from it and the seed).
    number: u64,
    customer: u32,
    /// Seeds the order's contents, so an update repeats the same lines and amounts.
    contents: u64,
    status: usize,
    placed_at: i64,
}

/// Generates the deliveries of one run, in order. The same seed, world and filter give the
/// same bytes, whatever the machine.
pub struct Generator {
    rng: ChaCha8Rng,
    world: World,
    seed: u64,
    kinds: Vec<(Kind, u32)>,
    total_weight: u32,
    /// Seconds since the Unix epoch of the last event.
    clock: i64,
    orders_created: u64,
    open_orders: std::collections::VecDeque<OrderState>,
}

/// What an order holds, derived from its seed (see [`Generator::contents`]).
struct Contents {
    id: u64,
    items: Vec<Value>,
    sub_total: f64,
    discount: f64,
    shipping: f64,
    total: f64,
    status_slug: &'static str,
    status_name: &'static str,
}

/// Riyadh time: Salla's zone-less times are local there.
fn riyadh() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).expect("a valid offset")
}

impl Generator {
    /// A generator for `world`, drawing only the kinds in `only` (all of [`MIX`] when empty),
    /// in their [`MIX`] proportions. Order updates need an order: until one exists they are
    /// drawn as `order.created`, when that kind is allowed.
    pub fn new(seed: u64, world: World, only: &[Kind]) -> Self {
        let kinds: Vec<(Kind, u32)> = MIX
            .iter()
            .copied()
            .filter(|(k, _)| only.is_empty() || only.contains(k))
            .collect();
        let total_weight = kinds.iter().map(|(_, w)| w).sum();
        // 2024-03-01 08:00 Riyadh, plus up to a day picked by the seed.
        let start = riyadh()
            .with_ymd_and_hms(2024, 3, 1, 8, 0, 0)
            .single()
            .expect("a valid start time")
            .timestamp();
        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            world: World {
                stores: world.stores.max(1),
                customers: world.customers.max(1),
                products: world.products.max(1),
            },
            seed,
            kinds,
            total_weight,
            clock: start + (seed % 86_400) as i64,
            orders_created: 0,
            open_orders: std::collections::VecDeque::with_capacity(OPEN_ORDERS),
        }
    }

    /// The next delivery, or `None` when the filter admits no kind at all.
    pub fn next_payload(&mut self) -> Option<Payload> {
        if self.total_weight == 0 {
            return None;
        }
        // Strictly increasing, whole seconds: every envelope `created_at` differs.
        self.clock += self.rng.random_range(1..=90);
        let mut pick = self.rng.random_range(0..self.total_weight);
        let mut kind = self.kinds[0].0;
        for (k, w) in &self.kinds {
            if pick < *w {
                kind = *k;
                break;
            }
            pick -= w;
        }
        let needs_order = matches!(kind, Kind::OrderUpdated | Kind::OrderStatusUpdated);
        if needs_order && self.open_orders.is_empty() {
            if !self.kinds.iter().any(|(k, _)| *k == Kind::OrderCreated) {
                // Only updates allowed and nothing to update yet: create one silently.
                self.create_order();
            } else {
                kind = Kind::OrderCreated;
            }
        }
        let body = match kind {
            Kind::OrderCreated => {
                let order = self.create_order();
                self.envelope(kind, order.store, self.order_model(&order))
            }
            Kind::OrderUpdated | Kind::OrderStatusUpdated => {
                let order = self.advance_order();
                let data = if kind == Kind::OrderUpdated {
                    self.order_model(&order)
                } else {
                    self.status_record(&order)
                };
                self.envelope(kind, order.store, data)
            }
            Kind::CustomerLogin | Kind::CustomerCreated | Kind::CustomerUpdated => {
                let store = self.rng.random_range(0..self.world.stores);
                let customer = self.pick_customer();
                let data = self.customer_model(store, customer);
                self.envelope(kind, store, data)
            }
            Kind::ProductUpdated | Kind::ProductCreated => {
                let store = self.rng.random_range(0..self.world.stores);
                let product = self.rng.random_range(0..self.world.products);
                let data = self.product_model(store, product);
                self.envelope(kind, store, data)
            }
        };
        Some(Payload { kind, body })
    }

    /// A customer index, skewed: a few loyal customers place many of the orders.
    fn pick_customer(&mut self) -> u32 {
        let u: f64 = self.rng.random();
        ((u * u * f64::from(self.world.customers)) as u32).min(self.world.customers - 1)
    }

    fn create_order(&mut self) -> OrderState {
        let store = self.rng.random_range(0..self.world.stores);
        let customer = self.pick_customer();
        let status = match self.rng.random_range(0..100) {
            0..15 => 0,  // payment_pending
            15..75 => 1, // under_review
            _ => 2,      // in_progress
        };
        let order = OrderState {
            store,
            number: self.orders_created,
            customer,
            contents: self.rng.random(),
            status,
            placed_at: self.clock - self.rng.random_range(1..=5),
        };
        self.orders_created += 1;
        if self.open_orders.len() == OPEN_ORDERS {
            self.open_orders.pop_front();
        }
        self.open_orders.push_back(order);
        order
    }

    /// Moves a recent order one step on (or cancels it) and returns its new state.
    fn advance_order(&mut self) -> OrderState {
        let at = self.rng.random_range(0..self.open_orders.len());
        let order = &mut self.open_orders[at];
        // Open orders are not finished yet: each update moves one on, a few get cancelled.
        order.status = if self.rng.random_range(0..100) < 8 {
            CANCELED
        } else {
            order.status + 1
        };
        let order = *order;
        if order.status >= COMPLETED {
            self.open_orders.remove(at);
        }
        order
    }

    fn envelope(&mut self, kind: Kind, store: u32, data: Value) -> Vec<u8> {
        let created_at = self.at(self.clock).format("%a %b %d %Y %H:%M:%S GMT+0300");
        // The envelope's keys in Salla's order (a `json!` object would sort them).
        let mut body = format!(
            r#"{{"event":"{}","merchant":{},"created_at":"{created_at}","data":"#,
            kind.name(),
            merchant_id(store),
        )
        .into_bytes();
        serde_json::to_writer(&mut body, &data).expect("a JSON value serialises");
        body.push(b'}');
        body
    }

    fn at(&self, epoch: i64) -> DateTime<FixedOffset> {
        riyadh()
            .timestamp_opt(epoch, 0)
            .single()
            .expect("a valid time")
    }

    /// A PHP `DateTime` object as Salla serialises it.
    fn php_date(&self, epoch: i64) -> Value {
        json!({
            "date": self.at(epoch).format("%Y-%m-%d %H:%M:%S.000000").to_string(),
            "timezone_type": 3,
            "timezone": "Asia/Riyadh",
        })
    }

    fn order_id(&self, order: &OrderState) -> u64 {
        // Distinct per seed and per order; below 2^53, so exact as a JSON number anywhere.
        10_000_000_000 + (self.seed % 1_000_000) * 100_000_000 + order.number
    }

    /// The order's lines and amounts, the same every time the order is sent.
    fn contents(&self, order: &OrderState) -> Contents {
        let (items, sub_total, discount) = self.order_lines(order);
        let shipping = 15.0 + f64::from(order.store % 3) * 10.0;
        let (status_slug, status_name) = STATUSES[order.status];
        Contents {
            id: self.order_id(order),
            items,
            sub_total,
            discount,
            shipping,
            total: sub_total - discount + shipping,
            status_slug,
            status_name,
        }
    }

    fn order_lines(&self, order: &OrderState) -> (Vec<Value>, f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(order.contents);
        // Most orders have a line or two, a few a dozen (4–18 KB bodies).
        let u: f64 = rng.random();
        let lines = 1 + (u * u * 12.0) as usize;
        let mut items = Vec::with_capacity(lines);
        let mut sub_total = 0.0;
        let mut discount = 0.0;
        for line in 0..lines {
            let product = rng.random_range(0..self.world.products);
            let quantity: u32 = rng.random_range(1..=3);
            let unit = product_price(product);
            let line_discount = if rng.random_range(0..4) == 0 {
                (unit * 0.1).round()
            } else {
                0.0
            };
            let total = unit * f64::from(quantity) - line_discount;
            sub_total += unit * f64::from(quantity);
            discount += line_discount;
            items.push(self.order_item(
                order,
                line as u64,
                order.store,
                product,
                quantity,
                line_discount,
                total,
            ));
        }
        (items, sub_total, discount)
    }

    #[allow(clippy::too_many_arguments)]
    fn order_item(
        &self,
        order: &OrderState,
        line: u64,
        store: u32,
        product: u32,
        quantity: u32,
        discount: f64,
        total: f64,
    ) -> Value {
        let unit = product_price(product);
        let name = PRODUCT_NAMES[product as usize % PRODUCT_NAMES.len()];
        json!({
            "id": self.order_id(order) * 10 + line,
            "name": name,
            "sku": format!("SKU-{}", product_id(store, product)),
            "quantity": quantity,
            "currency": "SAR",
            "weight": 0.25,
            "weight_label": "٠٫٢٥ كجم",
            "amounts": {
                "price_without_tax": money(unit),
                "total_discount": money(discount),
                "tax": { "percent": "0.00", "amount": money(0.0) },
                "total": money(total),
            },
            "notes": "",
            "product": self.product_summary(store, product),
            "options": [
                {
                    "id": 1_197_801_866u64 + line,
                    "product_option_id": 60_176_141,
                    "name": "SIZE",
                    "type": "checkbox",
                    "value": [ { "id": 408_420_634, "name": "BIG", "price": money(0.0) } ],
                },
                {
                    "id": 289_546_379u64 + line,
                    "product_option_id": 1_674_915_438,
                    "name": "الاضافات",
                    "type": "checkbox",
                    "value": [
                        { "id": 152_115_913, "name": "بصل", "price": money(0.0) },
                        { "id": 1_526_610_378, "name": "فلفل", "price": money(0.0) },
                    ],
                },
            ],
            "images": [],
            "codes": [],
            "files": [],
        })
    }

    fn product_summary(&self, store: u32, product: u32) -> Value {
        let price = product_price(product);
        let id = product_id(store, product);
        json!({
            "id": id,
            "type": "product",
            "promotion": { "title": null, "sub_title": null },
            "status": "sale",
            "is_available": true,
            "sku": format!("SKU-{id}"),
            "name": PRODUCT_NAMES[product as usize % PRODUCT_NAMES.len()],
            "price": money(price),
            "sale_price": money(0.0),
            "currency": "SAR",
            "url": format!("https://salla.sa/store-{}/p{id}", merchant_id(store)),
            "thumbnail": format!("https://cdn.salla.sa/products/{id}.jpg"),
            "has_special_price": false,
            "regular_price": money(price),
            "calories": null,
            "mpn": null,
            "gtin": null,
            "favorite": null,
            "starting_price": null,
        })
    }

    /// The full Salla order model (order.created, order.updated).
    fn order_model(&self, order: &OrderState) -> Value {
        let Contents {
            id,
            items,
            sub_total,
            discount,
            shipping,
            total,
            status_slug: slug,
            status_name: name,
        } = self.contents(order);
        let mut rng = ChaCha8Rng::seed_from_u64(order.contents ^ 0x5eed);
        let payment = PAYMENT_METHODS[rng.random_range(0..PAYMENT_METHODS.len())];
        let customer = self.customer_model(order.store, order.customer);
        let city = CITIES[order.customer as usize % CITIES.len()];
        json!({
            "id": id,
            "reference_id": 40_000_000 + order.number,
            "urls": {
                "customer": format!("https://salla.sa/store-{}/order/{id}", merchant_id(order.store)),
                "admin": format!("https://s.salla.sa/orders/order/{id}"),
                "rating": "https://store-test.com/rating-link",
                "checkout": "https://store-test.com/checkout",
            },
            "date": self.php_date(order.placed_at),
            "draft": false,
            "read": true,
            "source": "store",
            "source_device": "mobile",
            "source_details": {
                "type": "direct",
                "value": null,
                "device": "mobile",
                "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
                "ip": format!("31.166.{}.{}", order.customer % 250, order.number % 250),
            },
            "status": {
                "id": 566_146_469u64 + order.status as u64,
                "name": name,
                "slug": slug,
                "customized": { "id": 986_688_842u64 + order.status as u64, "name": name },
            },
            "receipt_image": null,
            "payment_method": payment,
            "currency": "SAR",
            "amounts": {
                "sub_total": money(sub_total),
                "shipping_cost": money(shipping),
                "cash_on_delivery": money(if payment == "cod" { 5.0 } else { 0.0 }),
                "tax": { "percent": "0.00", "amount": money(0.0) },
                "discounts": if discount > 0.0 {
                    json!([{ "title": "offer", "type": "special", "code": "offer",
                             "discount": format!("{discount:.2}"), "discounted_shipping": 0 }])
                } else {
                    json!([])
                },
                "total": money(total),
            },
            "shipping": {
                "id": 1_833_934_431u64 + order.number,
                "app_id": null,
                "company": "السعودية",
                "logo": "",
                "receiver": {
                    "name": customer["first_name"],
                    "email": customer["email"],
                    "phone": format!("966{}", customer["mobile"]),
                },
                "shipper": {
                    "name": "Demo",
                    "company_name": format!("store-{}", merchant_id(order.store)),
                    "email": "shipping@example.com",
                    "phone": "966500000000",
                },
                "pickup_address": {
                    "country": "السعودية",
                    "country_code": "SA",
                    "city": "مكة",
                    "shipping_address": "شارع عبدالله,السلام,23233, سنابل السلام, مكة,السعودية",
                    "street_number": "شارع عبدالله",
                    "block": "السلام",
                    "postal_code": "23233",
                    "geo_coordinates": { "lat": 21.3825905096851, "lng": 39.77319103068542 },
                },
                "address": {
                    "country": "SA",
                    "country_code": "SA",
                    "city": city,
                    "shipping_address": format!(" شارع {}، الحي الزهراء ،, {city}, السعودية", order.customer % 97),
                    "street_number": format!("{}", order.customer % 97),
                    "block": "الزهراء",
                    "postal_code": "",
                    "geo_coordinates": { "lat": 0, "lng": 0 },
                },
                "shipment": { "id": "0", "pickup_id": null, "tracking_link": "0", "label": [] },
                "policy_options": [],
            },
            "shipments": [],
            "can_cancel": order.status < 3,
            "show_weight": false,
            "can_reorder": true,
            "is_pending_payment": order.status == 0,
            "pending_payment_ends_at": 172_796,
            "total_weight": "٠٫٢٥ كجم",
            "shipment_branch": [],
            "customer": customer,
            "items": items,
            "bank": null,
            "tags": [],
        })
    }

    /// `order.status.updated`: the status record, the order nested and condensed.
    fn status_record(&self, order: &OrderState) -> Value {
        let Contents {
            id,
            items: full_items,
            sub_total,
            shipping,
            total,
            status_slug: slug,
            status_name: name,
            ..
        } = self.contents(order);
        let items: Vec<Value> = full_items
            .iter()
            .map(|i| {
                json!({
                    "id": i["id"],
                    "product_id": i["product"]["id"],
                    "name": i["name"],
                    "sku": i["sku"],
                    "quantity": i["quantity"],
                    "weight": 0.25,
                    "amounts": i["amounts"],
                })
            })
            .collect();
        let customer = self.customer_model(order.store, order.customer);
        json!({
            "id": 198_290_473u64 + self.clock as u64,
            "status": name,
            "customized": null,
            "note": "تم إرسال تفاصيل الطلب إلى بريد العميل",
            "created_at": self.php_date(self.clock),
            "order": {
                "id": id,
                "reference_id": 40_000_000 + order.number,
                "date": self.php_date(order.placed_at),
                "source": "store",
                "status": { "id": 1_298_199_463u64 + order.status as u64, "name": name, "slug": slug },
                "payment_method": "cod",
                "currency": "SAR",
                "amounts": {
                    "sub_total": money(sub_total),
                    "shipping_cost": money(shipping),
                    "tax": { "percent": "0.00", "amount": money(0.0) },
                    "total": money(total),
                },
                "customer": {
                    "id": customer["id"],
                    "name": format!("{} {}", customer["first_name"].as_str().unwrap_or_default(),
                                    customer["last_name"].as_str().unwrap_or_default()),
                    "mobile": format!("+966{}", customer["mobile"]),
                    "email": customer["email"],
                    "country": "السعودية",
                    "city": customer["city"],
                },
                "items": items,
                "total": money(total),
            },
        })
    }

    /// Salla's customer model, the same for one customer every time (bar `updated_at`).
    fn customer_model(&self, store: u32, customer: u32) -> Value {
        let id = customer_id(store, customer);
        let first = FIRST_NAMES[customer as usize % FIRST_NAMES.len()];
        let last = LAST_NAMES[(customer as usize / FIRST_NAMES.len()) % LAST_NAMES.len()];
        json!({
            "id": id,
            "first_name": first,
            "last_name": last,
            "mobile": 500_000_000 + (id % 99_999_999),
            "mobile_code": "+966",
            "email": format!("{}.{}{id}@example.com", first.to_lowercase(), last.to_lowercase()),
            "urls": {
                "customer": format!("https://salla.sa/store-{}/profile", merchant_id(store)),
                "admin": format!("https://s.salla.sa/customers/{id}"),
            },
            "avatar": "https://cdn.salla.sa/customer_profiles/avatar.jpg",
            "gender": if customer.is_multiple_of(2) { "male" } else { "female" },
            "birthday": {
                "date": format!("19{}-0{}-1{} 00:00:00.000000", 60 + customer % 40, 1 + customer % 9, customer % 10),
                "timezone_type": 3,
                "timezone": "Asia/Riyadh",
            },
            "city": CITIES[customer as usize % CITIES.len()],
            "country": "السعودية",
            "country_code": "SA",
            "currency": "SAR",
            "location": "",
            "updated_at": self.php_date(self.clock - 60),
        })
    }

    /// Salla's product model.
    fn product_model(&self, store: u32, product: u32) -> Value {
        let id = product_id(store, product);
        let price = product_price(product);
        let quantity = (self.clock as u64 + u64::from(product)) % 200;
        let mut model = json!({
            "id": id,
            "promotion": { "title": null, "sub_title": null },
            "sku": format!("SKU-{id}"),
            "mpn": null,
            "gtin": null,
            "type": "product",
            "name": PRODUCT_NAMES[product as usize % PRODUCT_NAMES.len()],
            "short_link_code": format!("p{id}"),
            "urls": {
                "customer": format!("https://salla.sa/store-{}/p{id}", merchant_id(store)),
                "admin": format!("https://s.salla.sa/products/{id}"),
            },
            "price": money(price),
            "taxed_price": money(price * 1.15),
            "pre_tax_price": money(price),
            "tax": money(price * 0.15),
            "description": "",
            "quantity": quantity,
            "status": if quantity == 0 { "out" } else { "sale" },
            "is_available": quantity > 0,
            "views": self.clock as u64 % 10_000,
            "sale_price": money(0.0),
        });
        // Two halves: one `json!` this long exceeds the macro recursion limit.
        let rest = json!({
            "sale_end": null,
            "require_shipping": true,
            "cost_price": null,
            "weight": 0.25,
            "weight_type": "kg",
            "with_tax": true,
            "url": format!("https://salla.sa/store-{}/p{id}", merchant_id(store)),
            "main_image": format!("https://cdn.salla.sa/products/{id}.jpg"),
            "images": [],
            "sold_quantity": self.clock as u64 % 500,
            "rating": { "total": 0, "count": 0, "rate": 0 },
            "regular_price": money(price),
            "max_items_per_user": 0,
            "maximum_quantity_per_order": null,
            "show_in_app": true,
            "notify_quantity": null,
            "hide_quantity": false,
            "unlimited_quantity": false,
            "managed_by_branches": false,
            "services_blocks": { "installments": [] },
            "calories": null,
            "customized_sku_quantity": false,
            "channels": [],
            "starting_price": null,
            "metadata": { "title": null, "description": null },
            "allow_attachments": false,
            "is_pinned": false,
            "pinned_date": null,
            "sort": 0,
            "enable_upload_image": false,
            "updated_at": self.at(self.clock - 30).format("%Y-%m-%d %H:%M:%S").to_string(),
            "options": [],
            "skus": [],
            "categories": [],
            "brand": null,
            "tags": [],
        });
        if let (Value::Object(head), Value::Object(rest)) = (&mut model, rest) {
            head.extend(rest);
        }
        model
    }
}

/// Salla's `{amount, currency}` object, to the halala.
fn money(amount: f64) -> Value {
    let halalas = (amount * 100.0).round();
    // Whole amounts as integers, as Salla writes them (`186`, `175.47`).
    let amount = if halalas % 100.0 == 0.0 {
        json!((halalas / 100.0) as i64)
    } else {
        json!(halalas / 100.0)
    };
    json!({ "amount": amount, "currency": "SAR" })
}

/// The merchant id of store `store` (independent of the seed).
pub fn merchant_id(store: u32) -> u64 {
    1_305_146_709 + u64::from(store) * 7919
}

/// The id of customer `customer` of store `store` (independent of the seed).
pub fn customer_id(store: u32, customer: u32) -> u64 {
    200_000_000 + u64::from(store) * 10_000_000 + u64::from(customer)
}

fn product_id(store: u32, product: u32) -> u64 {
    700_000_000 + u64::from(store) * 1_000_000 + u64::from(product)
}

/// A product's unit price in SAR, 10 to 509.
fn product_price(product: u32) -> f64 {
    f64::from(10 + (product.wrapping_mul(2_654_435_761) >> 7) % 500)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    const WORLD: World = World {
        stores: 3,
        customers: 500,
        products: 100,
    };

    fn take(seed: u64, only: &[Kind], n: usize) -> Vec<Payload> {
        let mut generator = Generator::new(seed, WORLD, only);
        (0..n).map(|_| generator.next_payload().unwrap()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let a = take(7, &[], 300);
        let b = take(7, &[], 300);
        assert!(a.iter().zip(&b).all(|(x, y)| x.body == y.body));
        let c = take(8, &[], 300);
        assert!(a.iter().zip(&c).any(|(x, y)| x.body != y.body));
    }

    #[test]
    fn bodies_are_distinct_json_webhooks() {
        let payloads = take(1, &[], 3000);
        let distinct: HashSet<&[u8]> = payloads.iter().map(|p| p.body.as_slice()).collect();
        assert_eq!(distinct.len(), payloads.len());
        for p in &payloads {
            let json: Value = serde_json::from_slice(&p.body).unwrap();
            assert_eq!(json["event"], p.kind.name());
            assert!(json["merchant"].is_u64());
            assert!(json["data"].is_object());
        }
    }

    #[test]
    fn the_mix_is_close_to_its_proportions() {
        let n = 20_000;
        let payloads = take(3, &[], n);
        let mut seen: BTreeMap<Kind, usize> = BTreeMap::new();
        for p in &payloads {
            *seen.entry(p.kind).or_default() += 1;
        }
        for (kind, per_mille) in MIX {
            let share = seen.get(&kind).copied().unwrap_or(0) as f64 * 1000.0 / n as f64;
            assert!(
                (share - f64::from(per_mille)).abs() < 15.0,
                "{kind:?}: {share:.0}‰, expected about {per_mille}‰"
            );
        }
    }

    #[test]
    fn orders_are_between_2_and_20_kb_and_add_up() {
        for p in take(5, &[Kind::OrderCreated], 2000) {
            assert!(
                (2048..=20_480).contains(&p.body.len()),
                "order body of {} bytes",
                p.body.len()
            );
            let json: Value = serde_json::from_slice(&p.body).unwrap();
            let data = &json["data"];
            let amounts = &data["amounts"];
            let lines: f64 = data["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["amounts"]["total"]["amount"].as_f64().unwrap())
                .sum();
            let total = amounts["total"]["amount"].as_f64().unwrap();
            let shipping = amounts["shipping_cost"]["amount"].as_f64().unwrap();
            assert!((lines + shipping - total).abs() < 0.01, "{amounts}");
        }
    }

    #[test]
    fn updates_follow_their_order_with_a_later_time() {
        let payloads = take(9, &[Kind::OrderCreated, Kind::OrderStatusUpdated], 2000);
        let mut created = HashSet::new();
        for p in &payloads {
            let json: Value = serde_json::from_slice(&p.body).unwrap();
            match p.kind {
                Kind::OrderCreated => {
                    assert!(created.insert(json["data"]["id"].as_u64().unwrap()));
                }
                Kind::OrderStatusUpdated => {
                    let order = &json["data"]["order"];
                    assert!(created.contains(&order["id"].as_u64().unwrap()));
                    let slug = order["status"]["slug"].as_str().unwrap();
                    assert!(STATUSES.iter().any(|(s, _)| *s == slug), "{slug}");
                }
                other => panic!("unexpected kind {other:?}"),
            }
        }
        assert!(payloads.iter().any(|p| p.kind == Kind::OrderStatusUpdated));
    }

    #[test]
    fn only_filters_kinds_and_an_empty_mix_gives_nothing() {
        let payloads = take(2, &[Kind::CustomerLogin], 50);
        assert!(payloads.iter().all(|p| p.kind == Kind::CustomerLogin));
        let mut none = Generator::new(1, WORLD, &[Kind::OrderUpdated]);
        // Updates alone still work: the orders they update are created behind the scenes.
        assert_eq!(none.next_payload().unwrap().kind, Kind::OrderUpdated);
        assert_eq!(
            Kind::from_name("order.status.updated"),
            Some(Kind::OrderStatusUpdated)
        );
        assert_eq!(Kind::from_name("order.deleted"), None);
    }

    #[test]
    fn the_world_bounds_the_ids() {
        for p in take(4, &[Kind::CustomerLogin], 500) {
            let json: Value = serde_json::from_slice(&p.body).unwrap();
            let merchant = json["merchant"].as_u64().unwrap();
            assert!((0..WORLD.stores).any(|s| merchant_id(s) == merchant));
            let id = json["data"]["id"].as_u64().unwrap();
            assert!((0..WORLD.stores)
                .any(|s| { (customer_id(s, 0)..customer_id(s, WORLD.customers)).contains(&id) }));
        }
    }
}
