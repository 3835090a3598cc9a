//! Salla product events: the product model, the granular product.*.updated events (partial
//! data: only what they carry changes), deletion.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    const PRICE: &str = fixture!("salla/product.price.updated.docs.json");
    const STATUS: &str = fixture!("salla/product.status.updated.docs.json");
    const IMAGE: &str = fixture!("salla/product.image.updated.docs.json");
    const CATEGORY: &str = fixture!("salla/product.category.updated.docs.json");
    const BRAND: &str = fixture!("salla/product.brand.updated.docs.json");
    const TAGS: &str = fixture!("salla/product.tags.updated.docs.json");
    const CHANNELS: &str = fixture!("salla/product.channels.changed.docs.json");

    /// The documented product.created, for the product (and merchant) of `body`.
    fn created_for(body: &str) -> String {
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        let product = with(PRODUCT_CREATED, "/data/id", json["data"]["id"].clone());
        with(&product, "/merchant", json["merchant"].clone())
    }

    #[pg_test]
    fn each_granular_event_maps_what_it_carries() {
        shop();
        for body in [PRICE, STATUS, IMAGE, CATEGORY, BRAND, TAGS, CHANNELS] {
            let out = deliver(body);
            assert_eq!(out["status"], "processed", "{out}");
        }
        assert_eq!(
            row(
                "SELECT price::text, sale_price::text, regular_price::text, cost_price::text,
                        taxed_price::text, currency, sku, mpn, gtin, main_image
                 FROM storesync.products WHERE product_id = '1462551237'"
            ),
            json!({"price": "150", "sale_price": "85", "regular_price": "150", "cost_price": "60",
                   "taxed_price": "172.5", "currency": "SAR", "sku": "PRO-7644", "mpn": "MPN888",
                   "gtin": "38374622",
                   "main_image": "https://cdn.salla.sa/AzqOeQ/RsoIlcNiVFOaXRsyQU9rBT05yWQeiQ4CzIMHAh5m.png"})
        );
        assert_eq!(
            row("SELECT status, name, price::text
                 FROM storesync.products WHERE product_id = '799860060'"),
            json!({"status": "hidden", "name": null, "price": null})
        );
        assert_eq!(
            row("SELECT category_ids, brand_id, tags, sku
                 FROM storesync.products WHERE product_id = '1234540307'"),
            json!({"category_ids": ["601049212"], "brand_id": "1972405558",
                   "tags": ["tag1", "tag2"], "sku": "P-7337"})
        );
        assert_eq!(
            row("SELECT channels FROM storesync.products WHERE product_id = '710434693'"),
            json!({"channels": ["app", "Vendors"]})
        );
    }

    #[pg_test]
    fn a_partial_event_changes_only_what_it_carries() {
        shop();
        assert_eq!(deliver(&created_for(PRICE))["status"], "processed");
        assert_eq!(deliver(PRICE)["status"], "processed");
        assert_eq!(
            row(
                "SELECT price::text, sale_price::text, name, status, type, quantity, is_available
                 FROM storesync.products"
            ),
            json!({"price": "150", "sale_price": "85", "name": "Product-Booking-API-Date-and-Time",
                   "status": "hidden", "type": "booking", "quantity": 20, "is_available": false})
        );
    }

    #[pg_test]
    fn partial_and_full_events_in_any_order_end_the_same() {
        shop();
        // The newer price arrives first; the older full product only fills the gaps.
        assert_eq!(deliver(PRICE)["status"], "processed");
        assert_eq!(deliver(&created_for(PRICE))["status"], "processed");
        assert_eq!(
            row(
                "SELECT price::text, sale_price::text, name, status, source_ts
                 FROM storesync.products"
            ),
            json!({"price": "150", "sale_price": "85", "name": "Product-Booking-API-Date-and-Time",
                   "status": "hidden", "source_ts": "2025-12-14T11:41:40+03:00"})
        );
    }

    #[pg_test]
    fn product_model_events_and_deletion() {
        shop();
        for event in [
            "product.updated",
            "product.available",
            "product.quantity.low",
        ] {
            let out = deliver(&as_event(PRODUCT_CREATED, event));
            assert_eq!(out["status"], "processed", "{event}: {out}");
        }
        let deleted = at_time(
            &with(
                &as_event(PRODUCT_CREATED, "product.deleted"),
                "/data",
                json!({"id": 1025569331}),
            ),
            "Tue Apr 18 2023 09:00:00 GMT+0300",
        );
        assert_eq!(deliver(&deleted)["status"], "processed");
        assert_eq!(
            row("SELECT deleted_at, name FROM storesync.products"),
            json!({"deleted_at": "2023-04-18T09:00:00+03:00",
                   "name": "Product-Booking-API-Date-and-Time"})
        );
    }

    #[pg_test]
    fn a_list_of_the_wrong_shape_fails_naming_it() {
        shop();
        let out = deliver(&with(TAGS, "/data/tags", json!("tag1")));
        assert_eq!(out["status"], "failed");
        assert_eq!(out["message"], "product tags is not a list");
        assert_eq!(count("SELECT count(*) FROM storesync.products"), 0);
    }
}
