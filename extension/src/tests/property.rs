//! Properties over generated deliveries.
//!
//! - Out of order: a random stream of events for a few stores (creates, full and partial
//!   updates, status changes, logins, deletes), delivered shuffled and with random duplicates,
//!   leaves the typed tables exactly as the ordered, duplicate-free delivery does.
//! - Bad input: thousands of mutated payloads (bit flips, truncations, wrong types, huge
//!   numbers, deep nesting, `\u0000`, invalid UTF-8, gigantic strings), each correctly signed so
//!   it reaches parsing and mapping, never raise an error, always get a clear status, and never
//!   leave a typed row behind when they fail.

#[pgrx::pg_schema]
mod tests {
    use chrono::{DateTime, Utc};
    use pgrx::prelude::*;
    use serde_json::{json, Value};

    use crate::tests::support::*;

    const NAMES: [&str; 5] = ["Amal", "Badr", "Dana", "Fahd", "Hind"];
    const CITIES: [&str; 4] = ["الرياض", "جدة", "مكة", "الدمام"];
    const SLUGS: [(&str, &str); 5] = [
        ("under_review", "بإنتظار المراجعة"),
        ("in_progress", "قيد التنفيذ"),
        ("delivering", "جاري التوصيل"),
        ("completed", "تم التنفيذ"),
        ("canceled", "ملغي"),
    ];

    /// Salla's local wall-clock text for a Unix time.
    fn local(t: i64) -> String {
        DateTime::<Utc>::from_timestamp(t, 0)
            .unwrap()
            .with_timezone(&chrono_tz::Asia::Riyadh)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn php(t: i64) -> Value {
        json!({"date": format!("{}.000000", local(t)), "timezone_type": 3, "timezone": "Asia/Riyadh"})
    }

    #[derive(Clone)]
    struct Customer {
        id: u64,
        name: String,
        city: String,
        updated: i64,
        deleted: bool,
    }

    #[derive(Clone)]
    struct Product {
        id: u64,
        name: String,
        price: u64,
        status: &'static str,
        quantity: i64,
        updated: i64,
        deleted: bool,
    }

    #[derive(Clone)]
    struct Order {
        id: u64,
        customer: usize,
        items: Vec<(u64, usize, u64)>,
        slug: usize,
        total: u64,
        date: i64,
        history: u64,
        deleted: bool,
    }

    /// One store's entities and how to write its events.
    struct Store {
        flavours: bool,
        merchant: u64,
        customers: Vec<Customer>,
        products: Vec<Product>,
        orders: Vec<Order>,
        next_id: u64,
    }

    /// A delivery: which source, the body, and the Flavours xid if any.
    #[derive(Clone)]
    struct Delivery {
        flavours: bool,
        body: String,
        xid: Option<String>,
    }

    impl Store {
        fn new(flavours: bool, merchant: u64) -> Self {
            Store {
                flavours,
                merchant,
                customers: vec![],
                products: vec![],
                orders: vec![],
                next_id: merchant * 1000,
            }
        }

        fn id(&mut self) -> u64 {
            self.next_id += 1;
            self.next_id
        }

        fn salla(&self, event: &str, t: i64, data: Value) -> Delivery {
            let body = json!({"event": event, "merchant": self.merchant, "created_at": local(t), "data": data});
            Delivery {
                flavours: false,
                body: body.to_string(),
                xid: None,
            }
        }

        fn flavours(&self, action: &str, t: i64, data: Value, xid: String) -> Delivery {
            let body = json!({"xid": xid, "action": action, "timestamp": t * 1000, "data": data});
            Delivery {
                flavours: true,
                body: body.to_string(),
                xid: Some(xid),
            }
        }

        fn customer_json(&self, c: &Customer) -> Value {
            if self.flavours {
                json!({"id": format!("c-{}", c.id), "city": c.city, "user": {
                    "name": c.name, "email": format!("{}@example.com", c.id), "phone_prefix": "966",
                    "phone": format!("5{}", c.id), "updated_at": c.updated * 1000,
                    "deleted_at": if c.deleted { Value::from(c.updated * 1000) } else { Value::Null }}})
            } else {
                json!({"id": c.id, "first_name": c.name, "last_name": "S", "city": c.city,
                       "email": format!("{}@example.com", c.id), "mobile": 500000000 + c.id,
                       "mobile_code": "+966", "updated_at": php(c.updated)})
            }
        }

        fn order_json(&self, o: &Order) -> Value {
            let items: Vec<Value> = o
                .items
                .iter()
                .map(|(item, p, qty)| {
                    let p = &self.products[*p];
                    // The product inside a line is a hint: the same every time it is sent.
                    json!({"id": item, "name": format!("P{}", p.id), "quantity": qty,
                           "amounts": {"total": {"amount": qty * 10, "currency": "SAR"}},
                           "product": {"id": p.id, "name": format!("P{}", p.id)}})
                })
                .collect();
            let customer = self.customer_json(&self.customers[o.customer]);
            let (slug, name) = SLUGS[o.slug];
            json!({"id": o.id, "reference_id": o.id + 7, "date": php(o.date),
                   "status": {"slug": slug, "name": name}, "currency": "SAR",
                   "amounts": {"total": {"amount": o.total, "currency": "SAR"},
                               "discounts": [{"discount": "1.50"}, {"discount": 2}]},
                   "customer": customer, "items": items})
        }

        fn flavours_order_json(&self, o: &Order) -> Value {
            let items: Vec<Value> = o
                .items
                .iter()
                .map(|(item, p, qty)| {
                    json!({"id": format!("i-{item}"), "product_id": format!("p-{}", self.products[*p].id),
                           "quantity": qty, "total": qty * 10})
                })
                .collect();
            json!({"id": format!("o-{}", o.id), "customer_id": format!("c-{}", self.customers[o.customer].id),
                   "status_id": o.slug + 1, "total": o.total.to_string(), "currency": "SAR",
                   "created_at": o.date * 1000, "items": items})
        }

        /// The next event for this store at time `t`, changing its state as the platform would.
        fn step(&mut self, rng: &mut Rng, t: i64) -> Option<Delivery> {
            let live = |deleted: bool| !deleted;
            match rng.below(10) {
                // A new customer.
                0 | 1 if self.customers.len() < 4 => {
                    let c = Customer {
                        id: self.id(),
                        name: rng.pick(&NAMES).to_string(),
                        city: rng.pick(&CITIES).to_string(),
                        updated: t,
                        deleted: false,
                    };
                    let data = self.customer_json(&c);
                    self.customers.push(c);
                    Some(if self.flavours {
                        self.flavours("customers.CREATE", t, data, format!("x{t}"))
                    } else {
                        self.salla("customer.created", t, data)
                    })
                }
                // A customer changes, logs in, or (Flavours) is deleted.
                0..=2 => {
                    let idx = self.customers.iter().position(|c| live(c.deleted))?;
                    let idx = (idx + rng.below(self.customers.len())) % self.customers.len();
                    if self.customers[idx].deleted {
                        return None;
                    }
                    let roll = rng.below(3);
                    if !self.flavours && roll == 0 {
                        let data = self.customer_json(&self.customers[idx]);
                        return Some(self.salla("customer.login", t, data));
                    }
                    let c = &mut self.customers[idx];
                    c.updated = t;
                    c.city = rng.pick(&CITIES).to_string();
                    c.name = rng.pick(&NAMES).to_string();
                    if self.flavours && roll == 0 {
                        c.deleted = true;
                    }
                    let c = c.clone();
                    let data = self.customer_json(&c);
                    Some(match (self.flavours, c.deleted) {
                        (true, true) => self.flavours("customers.DELETE", t, data, format!("x{t}")),
                        (true, false) => {
                            self.flavours("customers.UPDATE", t, data, format!("x{t}"))
                        }
                        _ => self.salla("customer.updated", t, data),
                    })
                }
                // Products (Salla only: Flavours product events carry no time of their own).
                3 | 4 if !self.flavours => {
                    if self.products.len() < 3 || rng.chance(20) {
                        let p = Product {
                            id: self.id(),
                            name: format!("{} {}", rng.pick(&NAMES), t),
                            price: 10 + rng.below(90) as u64,
                            status: "sale",
                            quantity: rng.below(50) as i64,
                            updated: t,
                            deleted: false,
                        };
                        let data = json!({"id": p.id, "name": p.name, "price": {"amount": p.price, "currency": "SAR"},
                                          "status": p.status, "quantity": p.quantity, "updated_at": local(t)});
                        self.products.push(p);
                        return Some(self.salla("product.created", t, data));
                    }
                    let idx = rng.below(self.products.len());
                    if self.products[idx].deleted {
                        return None;
                    }
                    let p = &mut self.products[idx];
                    p.updated = t;
                    let (event, data) = match rng.below(4) {
                        0 => {
                            p.price = 10 + (p.price * 7) % 90;
                            (
                                "product.price.updated",
                                json!({"id": p.id, "price": p.price, "currency": "SAR"}),
                            )
                        }
                        1 => {
                            p.status = if p.status == "sale" { "hidden" } else { "sale" };
                            (
                                "product.status.updated",
                                json!({"id": p.id, "status": p.status}),
                            )
                        }
                        2 if rng.chance(30) => {
                            p.deleted = true;
                            ("product.deleted", json!({"id": p.id}))
                        }
                        _ => {
                            p.quantity += 1;
                            p.name = format!("{} {}", rng.pick(&NAMES), t);
                            (
                                "product.updated",
                                json!({"id": p.id, "name": p.name,
                                "price": {"amount": p.price, "currency": "SAR"}, "status": p.status,
                                "quantity": p.quantity, "updated_at": local(t)}),
                            )
                        }
                    };
                    Some(self.salla(event, t, data))
                }
                // A new order, of a live customer, for existing products.
                5 | 6 => {
                    let customer = self.customers.iter().position(|c| live(c.deleted))?;
                    let products: Vec<usize> = (0..self.products.len()).collect();
                    if products.is_empty() && !self.flavours {
                        return None;
                    }
                    let mut items = vec![];
                    for _ in 0..(1 + rng.below(2)) {
                        let item = self.id();
                        if !products.is_empty() {
                            items.push((item, *rng.pick(&products), 1 + rng.below(3) as u64));
                        }
                    }
                    let o = Order {
                        id: self.id(),
                        customer,
                        items,
                        slug: 0,
                        total: 50 + rng.below(500) as u64,
                        date: t,
                        history: 0,
                        deleted: false,
                    };
                    let d = if self.flavours {
                        self.flavours(
                            "order.delivery.created",
                            t,
                            self.flavours_order_json(&o),
                            format!("x{t}"),
                        )
                    } else {
                        self.salla("order.created", t, self.order_json(&o))
                    };
                    self.orders.push(o);
                    Some(d)
                }
                // An order moves on: status change, update, or deletion.
                _ => {
                    if self.orders.is_empty() {
                        return None;
                    }
                    let idx = rng.below(self.orders.len());
                    if self.orders[idx].deleted {
                        return None;
                    }
                    let roll = rng.below(4);
                    let o = &mut self.orders[idx];
                    o.slug = (o.slug + 1 + rng.below(3)) % SLUGS.len();
                    if self.flavours {
                        let data = self.flavours_order_json(&self.orders[idx].clone());
                        return Some(self.flavours(
                            "order.delivery.updated",
                            t,
                            data,
                            format!("x{t}"),
                        ));
                    }
                    match roll {
                        0 => {
                            o.history += 1;
                            let o = o.clone();
                            let data = json!({"id": o.id * 100 + o.history, "status": SLUGS[o.slug].1,
                                              "note": "", "created_at": php(t), "order": self.order_json(&o)});
                            Some(self.salla("order.status.updated", t, data))
                        }
                        1 if rng.chance(40) => {
                            o.deleted = true;
                            let id = o.id;
                            Some(self.salla("order.deleted", t, json!({"id": id})))
                        }
                        _ => {
                            o.total += 5;
                            if o.items.len() > 1 && rng.chance(50) {
                                o.items.pop();
                            }
                            let o = o.clone();
                            Some(self.salla("order.updated", t, self.order_json(&o)))
                        }
                    }
                }
            }
        }
    }

    /// An ordered stream of about `n` deliveries over two Salla stores and one Flavours store.
    fn stream(seed: u64, n: usize) -> Vec<Delivery> {
        let mut rng = Rng(seed);
        let mut stores = [
            Store::new(false, 11),
            Store::new(false, 12),
            Store::new(true, 13),
        ];
        let mut t = 1_704_067_200; // 2024-01-01
        let mut out = vec![];
        while out.len() < n {
            t += 1 + rng.below(5000) as i64;
            let s = rng.below(stores.len());
            if let Some(d) = stores[s].step(&mut rng, t) {
                out.push(d);
            }
        }
        out
    }

    fn send(d: &Delivery) -> Value {
        if d.flavours {
            deliver_pos(&d.body)
        } else {
            deliver(&d.body)
        }
    }

    /// Every typed row, with store ids replaced by what they stand for and insertion times
    /// left out, in a stable order.
    fn snapshot() -> String {
        text(
            "WITH rows AS (
                SELECT 'customers' AS t, to_jsonb(x) - 'store_id' - 'first_seen_at' AS j, x.store_id FROM storesync.customers x
                UNION ALL SELECT 'products', to_jsonb(x) - 'store_id' - 'first_seen_at', x.store_id FROM storesync.products x
                UNION ALL SELECT 'orders', to_jsonb(x) - 'store_id' - 'first_seen_at', x.store_id FROM storesync.orders x
                UNION ALL SELECT 'order_items', to_jsonb(x) - 'store_id', x.store_id FROM storesync.order_items x
                UNION ALL SELECT 'history', to_jsonb(x) - 'store_id' - 'first_seen_at', x.store_id FROM storesync.order_status_history x
                UNION ALL SELECT 'stores', to_jsonb(x) - 'store_id' - 'first_seen_at', x.store_id FROM storesync.stores x)
             SELECT string_agg(r.t || ' ' || s.platform || ':' || s.merchant_id || ' ' || r.j::text, E'\n'
                               ORDER BY r.t, s.platform, s.merchant_id, r.j::text)
             FROM rows r JOIN storesync.stores s USING (store_id)",
        )
        .unwrap_or_default()
    }

    fn clear() {
        Spi::run(
            "DELETE FROM storesync.events; DELETE FROM storesync.order_status_history;
             DELETE FROM storesync.order_items; DELETE FROM storesync.orders;
             DELETE FROM storesync.customers; DELETE FROM storesync.products;
             DELETE FROM storesync.stores",
        )
        .unwrap();
    }

    #[pg_test]
    fn shuffled_and_duplicated_delivery_ends_in_the_ordered_state() {
        shop();
        pos();
        for seed in 1..=8_u64 {
            let ordered = stream(seed, 90);
            for d in &ordered {
                let out = send(d);
                assert_eq!(
                    out["status"], "processed",
                    "seed {seed}: {} -> {out}",
                    d.body
                );
            }
            let expected = snapshot();
            assert!(expected.lines().count() > 20, "seed {seed}: a thin stream");
            clear();

            let mut rng = Rng(seed ^ 0xDEAD_BEEF);
            let mut shuffled = ordered.clone();
            let mut duplicates = 0;
            for d in &ordered {
                if rng.chance(25) {
                    duplicates += 1;
                    let mut again = d.clone();
                    // Flavours resends under the same xid, possibly serialised differently.
                    if d.xid.is_some() && rng.chance(50) {
                        let json: Value = serde_json::from_str(&d.body).unwrap();
                        again.body = serde_json::to_string_pretty(&json).unwrap();
                    }
                    shuffled.push(again);
                }
            }
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i + 1));
            }
            let mut seen = 0;
            for d in &shuffled {
                let out = send(d);
                let status = out["status"].as_str().unwrap_or_default();
                assert!(
                    status == "processed" || status == "duplicate",
                    "seed {seed}: {} -> {out}",
                    d.body
                );
                seen += usize::from(status == "duplicate");
            }
            assert_eq!(seen, duplicates, "seed {seed}: duplicates");
            let got = snapshot();
            if got != expected {
                let diff: Vec<String> = expected
                    .lines()
                    .zip(got.lines())
                    .filter(|(a, b)| a != b)
                    .take(3)
                    .map(|(a, b)| format!("ordered:  {a}\nshuffled: {b}"))
                    .collect();
                panic!("seed {seed}: the states differ\n{}", diff.join("\n"));
            }
            clear();
        }
    }

    // -----------------------------------------------------------------------------------------
    // Mutated payloads
    // -----------------------------------------------------------------------------------------

    /// The ways a payload is broken; each is applied at least `PER_KIND` times.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Mutation {
        BitFlip,
        Truncate,
        WrongType,
        HugeNumber,
        DeepNesting,
        Nul,
        InvalidUtf8,
        GiganticString,
    }

    const MUTATIONS: [Mutation; 8] = [
        Mutation::BitFlip,
        Mutation::Truncate,
        Mutation::WrongType,
        Mutation::HugeNumber,
        Mutation::DeepNesting,
        Mutation::Nul,
        Mutation::InvalidUtf8,
        Mutation::GiganticString,
    ];
    const PER_KIND: usize = 1_250;

    /// Every JSON pointer into `v` (objects and arrays included), in document order.
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, child) in o {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    pointers(child, p, out);
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    pointers(child, p, out);
                }
            }
            _ => {}
        }
    }

    /// A value of another JSON type than `v`.
    fn wrong_type(rng: &mut Rng, v: &Value) -> Value {
        let candidates = [
            json!(null),
            json!(true),
            json!(-7),
            json!(3.5),
            json!("x"),
            json!(""),
            json!([]),
            json!({}),
            json!([{"id": null}]),
            json!({"amount": "n/a", "currency": 1}),
            json!({"date": 5, "timezone": "Mars/Base"}),
        ];
        loop {
            let c = rng.pick(&candidates);
            if std::mem::discriminant(c) != std::mem::discriminant(v) || c != v {
                return c.clone();
            }
        }
    }

    /// A number (or number-like string) far outside what any column can hold.
    fn huge_number(rng: &mut Rng) -> String {
        let digits = "9".repeat(1 + rng.below(3000));
        let options = [
            format!("1e{}", 300 + rng.below(100_000)),
            format!("-{digits}"),
            digits.clone(),
            format!("\"{digits}.{digits}\""),
            "18446744073709551616".to_string(),
            "-9223372036854775809".to_string(),
            "1e-400".to_string(),
            format!("\"{}\"", 10_i128.pow(30)),
            "\"-0.0000000000000000000000000000000001\"".to_string(),
            format!("{}", i64::MAX),
            format!("{}", rng.next()),
        ];
        rng.pick(&options).clone()
    }

    /// `body` broken in one way. Structural mutations edit the parsed JSON and splice the raw
    /// text of the new value in, so values JSON cannot carry through serde (huge numbers,
    /// invalid UTF-8) can be produced too.
    fn mutate(rng: &mut Rng, body: &str, kind: Mutation) -> Vec<u8> {
        let mut bytes = body.as_bytes().to_vec();
        let json: Value = serde_json::from_str(body).unwrap();
        let mut ptrs = vec![];
        pointers(&json, String::new(), &mut ptrs);
        // Replaces the value at a random pointer with the raw JSON text `raw`.
        let splice = |rng: &mut Rng, raw: &dyn Fn(&mut Rng, &Value) -> Vec<u8>| -> Vec<u8> {
            let mut marked = json.clone();
            let ptr = rng.pick(&ptrs).clone();
            let old = marked.pointer(&ptr).cloned().unwrap_or(Value::Null);
            let marker = "\u{1}MUTATION\u{1}";
            *marked.pointer_mut(&ptr).unwrap() = Value::String(marker.into());
            let text = marked.to_string();
            let quoted = serde_json::to_string(marker).unwrap();
            let at = text.find(&quoted).unwrap();
            let mut out = text.as_bytes()[..at].to_vec();
            out.extend(raw(rng, &old));
            out.extend_from_slice(&text.as_bytes()[at + quoted.len()..]);
            out
        };
        match kind {
            Mutation::BitFlip => {
                for _ in 0..(1 + rng.below(4)) {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
                bytes
            }
            Mutation::Truncate => {
                bytes.truncate(rng.below(bytes.len()));
                bytes
            }
            Mutation::WrongType => splice(rng, &|rng, old| {
                wrong_type(rng, old).to_string().into_bytes()
            }),
            Mutation::HugeNumber => splice(rng, &|rng, _| huge_number(rng).into_bytes()),
            Mutation::DeepNesting => splice(rng, &|rng, old| {
                // Around serde_json's limit of 128 levels: some pass it, some do not.
                let depth = 100 + rng.below(60);
                let mut raw = "[".repeat(depth).into_bytes();
                raw.extend(old.to_string().into_bytes());
                raw.extend("]".repeat(depth).into_bytes());
                raw
            }),
            Mutation::Nul => splice(rng, &|rng, old| {
                let text = old.as_str().map_or_else(|| old.to_string(), str::to_string);
                let cut = text
                    .char_indices()
                    .map(|(i, _)| i)
                    .nth(rng.below(text.chars().count() + 1))
                    .unwrap_or(text.len());
                format!(
                    "\"{}\\u0000{}\"",
                    text[..cut].replace(['"', '\\'], ""),
                    text[cut..].replace(['"', '\\'], "")
                )
                .into_bytes()
            }),
            Mutation::InvalidUtf8 => {
                let junk: [&[u8]; 5] = [
                    b"\xff",
                    b"\xc3\x28",
                    b"\xe2\x82",
                    b"\xf0\x28\x8c\xbc",
                    b"\xed\xa0\x80",
                ];
                let junk = rng.pick(&junk);
                if rng.chance(50) {
                    let i = rng.below(bytes.len() + 1);
                    bytes.splice(i..i, junk.iter().copied());
                    bytes
                } else {
                    splice(rng, &|_, _| {
                        let mut raw = b"\"ok".to_vec();
                        raw.extend_from_slice(junk);
                        raw.push(b'"');
                        raw
                    })
                }
            }
            Mutation::GiganticString => splice(rng, &|rng, _| {
                let len = 1 + rng.below(300_000);
                let unit = rng.pick(&["a", "\\u0645", "\u{645}", "9"]);
                format!("\"{}\"", unit.repeat(len / unit.len().max(1))).into_bytes()
            }),
        }
    }

    /// A fingerprint of every typed row: counts and row hashes of each business table, and of
    /// the typed state of stores (a store row itself is created on first sight of a merchant,
    /// also for an event that then fails; its typed columns are not).
    fn typed_fingerprint(query: &str) -> String {
        text(query).unwrap_or_default()
    }

    fn fingerprint_query() -> String {
        let tables: Vec<String> = Spi::connect(|client| {
            client
                .select(
                    "SELECT relname::text FROM pg_class
                     WHERE relnamespace = 'storesync'::regnamespace AND relkind = 'r'
                       AND relname NOT IN ('events', 'sources', 'stores')
                     ORDER BY relname",
                    None,
                    &[],
                )
                .unwrap()
                .map(|row| row.get::<String>(1).unwrap().unwrap())
                .collect()
        });
        assert!(tables.len() > 10, "typed tables: {tables:?}");
        let parts: Vec<String> = tables
            .iter()
            .map(|t| {
                format!("(SELECT count(*) || '/' || coalesce(sum(hashtext(x::text)::bigint), 0) FROM storesync.{t} x)")
            })
            .chain(std::iter::once(
                "(SELECT count(*) || '/' || coalesce(sum(hashtext((to_jsonb(s) - 'store_id' - 'first_seen_at' - 'merchant_id' - 'platform')::text)::bigint), 0) FROM storesync.stores s WHERE field_ts <> '{}')".to_string(),
            ))
            .collect();
        format!("SELECT concat_ws(' ', {})", parts.join(", "))
    }

    /// Seeds: every fixture, and a generated stream covering the mapped event families.
    fn seeds() -> Vec<Delivery> {
        let salla = [
            ORDER_CREATED,
            CUSTOMER_LOGIN,
            CUSTOMER_CREATED,
            PRODUCT_CREATED,
            APP_AUTHORIZE,
            APP_INSTALLED,
        ];
        let flavours = [
            fixture!("flavours/customers.CREATE.docs.json"),
            fixture!("flavours/order.delivery.created.DERIVED.json"),
            fixture!("flavours/products.CREATED.DERIVED.json"),
        ];
        let mut out: Vec<Delivery> = salla
            .iter()
            .map(|b| Delivery {
                flavours: false,
                body: b.to_string(),
                xid: None,
            })
            .chain(flavours.iter().map(|b| Delivery {
                flavours: true,
                body: b.to_string(),
                xid: None,
            }))
            .collect();
        out.extend(stream(42, 120));
        out
    }

    fn send_bytes(flavours: bool, body: &[u8]) -> Value {
        if flavours {
            ingest_raw("pos", json!({"x-flavours-token": FLAVOURS_TOKEN}), body)
        } else {
            let signature = crate::signature::signature_hex(SECRET.as_bytes(), body);
            ingest_raw("shop", json!({"X-Salla-Signature": signature}), body)
        }
    }

    #[pg_test]
    fn mutated_payloads_get_a_clear_status_and_leave_no_typed_rows_when_they_fail() {
        shop();
        pos();
        let seeds = seeds();
        let query = fingerprint_query();
        let mut rng = Rng(0x5EED);
        let mut per_kind = [0usize; 8];
        let mut statuses = std::collections::BTreeMap::<String, usize>::new();
        let mut before = typed_fingerprint(&query);
        for round in 0..PER_KIND {
            for (k, kind) in MUTATIONS.iter().enumerate() {
                let seed = rng.pick(&seeds).clone();
                let body = mutate(&mut rng, &seed.body, *kind);
                let out = send_bytes(seed.flavours, &body);
                let status = out["status"].as_str().unwrap_or_default().to_string();
                let http = out["http_status"].as_u64().unwrap_or_default();
                let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                let ctx = || format!("round {round}, {kind:?}: {shown} -> {out}");
                match status.as_str() {
                    "processed" | "ignored" | "duplicate" => assert_eq!(http, 200, "{}", ctx()),
                    "failed" => {
                        assert_eq!(http, 200, "{}", ctx());
                        assert!(out["event_id"].as_i64().is_some(), "{}", ctx());
                        assert!(
                            out["message"].as_str().is_some_and(|m| !m.is_empty()),
                            "{}",
                            ctx()
                        );
                    }
                    "rejected" => {
                        assert_eq!(http, 400, "{}", ctx());
                        assert!(
                            out["error"].as_str().is_some_and(|m| !m.is_empty()),
                            "{}",
                            ctx()
                        );
                        assert!(
                            out["message"].as_str().is_some_and(|m| !m.is_empty()),
                            "{}",
                            ctx()
                        );
                    }
                    _ => panic!("unclear status: {}", ctx()),
                }
                assert!(!out.to_string().contains(SECRET), "{}", ctx());
                let after = typed_fingerprint(&query);
                if status != "processed" {
                    assert_eq!(before, after, "typed rows changed: {}", ctx());
                }
                before = after;
                per_kind[k] += 1;
                *statuses.entry(status).or_default() += 1;
            }
            // Keep the tables small, so fingerprints stay cheap.
            if round % 100 == 99 {
                Spi::run("TRUNCATE storesync.events, storesync.stores CASCADE").unwrap();
                before = typed_fingerprint(&query);
            }
        }
        assert!(per_kind.iter().all(|n| *n >= PER_KIND), "{per_kind:?}");
        assert!(per_kind.iter().sum::<usize>() >= 10_000);
        // The mutations reach every outcome, not just the parser's refusals.
        for status in ["processed", "failed", "rejected"] {
            assert!(
                statuses.get(status).copied().unwrap_or(0) > 50,
                "{statuses:?}"
            );
        }
    }
}
