//! Salla product events: the product model, the granular product.*.updated events (partial
//! data: only what they carry changes), deletion.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

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
        assert!(truth(
            "SELECT price = 150 AND sale_price = 85 AND regular_price = 150 AND cost_price = 60
                AND taxed_price = 172.5 AND currency = 'SAR' AND sku = 'PRO-7644' AND mpn = 'MPN888'
                AND gtin = '38374622'
                AND main_image = 'https://cdn.salla.sa/AzqOeQ/RsoIlcNiVFOaXRsyQU9rBT05yWQeiQ4CzIMHAh5m.png'
             FROM storesync.products WHERE product_id = '1462551237'"
        ));
        assert!(truth(
            "SELECT status = 'hidden' AND name IS NULL AND price IS NULL
             FROM storesync.products WHERE product_id = '799860060'"
        ));
        assert!(truth(
            "SELECT category_ids = '{601049212}' AND brand_id = '1972405558'
                AND tags = '{tag1,tag2}' AND sku = 'P-7337'
             FROM storesync.products WHERE product_id = '1234540307'"
        ));
        assert!(truth(
            "SELECT channels = '{app,Vendors}' FROM storesync.products WHERE product_id = '710434693'"
        ));
    }

    #[pg_test]
    fn a_partial_event_changes_only_what_it_carries() {
        shop();
        assert_eq!(deliver(&created_for(PRICE))["status"], "processed");
        assert_eq!(deliver(PRICE)["status"], "processed");
        assert!(truth(
            "SELECT price = 150 AND sale_price = 85 AND name = 'Product-Booking-API-Date-and-Time'
                AND status = 'hidden' AND type = 'booking' AND quantity = 20 AND is_available = false
             FROM storesync.products"
        ));
    }

    #[pg_test]
    fn partial_and_full_events_in_any_order_end_the_same() {
        let expect =
            "SELECT price = 150 AND sale_price = 85 AND name = 'Product-Booking-API-Date-and-Time'
                         AND status = 'hidden' AND source_ts = '2025-12-14 11:41:40+03'
                      FROM storesync.products";
        shop();
        // The newer price arrives first; the older full product only fills the gaps.
        assert_eq!(deliver(PRICE)["status"], "processed");
        assert_eq!(deliver(&created_for(PRICE))["status"], "processed");
        assert!(truth(expect));
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
                serde_json::json!({"id": 1025569331}),
            ),
            "Tue Apr 18 2023 09:00:00 GMT+0300",
        );
        assert_eq!(deliver(&deleted)["status"], "processed");
        assert!(truth(
            "SELECT deleted_at = '2023-04-18 09:00:00+03' AND name = 'Product-Booking-API-Date-and-Time'
             FROM storesync.products"
        ));
    }

    #[pg_test]
    fn a_list_of_the_wrong_shape_fails_naming_it() {
        shop();
        let out = deliver(&with(TAGS, "/data/tags", serde_json::json!("tag1")));
        assert_eq!(out["status"], "failed");
        assert_eq!(out["message"], "product tags is not a list");
        assert_eq!(count("SELECT count(*) FROM storesync.products"), 0);
    }
}
