//! Salla catalogue and store set-up events: categories, brands, branches, taxes, special
//! offers, shipping zones and companies, shipments.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::json;

    use crate::tests::support::*;

    const CATEGORY: &str = fixture!("salla/category.created.docs.json");
    const BRAND: &str = fixture!("salla/brand.created.docs.json");
    const BRANCH: &str = fixture!("salla/store.branch.updated.docs.json");
    const TAX: &str = fixture!("salla/storetax.created.docs.json");
    const OFFER: &str = fixture!("salla/specialoffer.updated.docs.json");
    const ZONE: &str = fixture!("salla/shipping.zone.created.docs.json");
    const COMPANY: &str = fixture!("salla/shipping.company.deleted.docs.json");
    const SHIPMENT: &str = fixture!("salla/shipment.creating.docs.json");

    fn processed(body: &str) {
        let out = deliver(body);
        assert_eq!(out["status"], "processed", "{out}");
    }

    #[pg_test]
    fn categories() {
        shop();
        processed(CATEGORY);
        processed(&at_time(
            &with(
                &as_event(CATEGORY, "category.updated"),
                "/data/name",
                json!("renamed"),
            ),
            "Thu Jul 01 2021 09:00:00 GMT+0300",
        ));
        assert_eq!(
            row(
                "SELECT category_id, name, parent_id, status, sort_order, url, deleted_at
                 FROM storesync.categories"
            ),
            json!({"category_id": "1429120554", "name": "renamed", "parent_id": "99911771",
                   "status": "hidden", "sort_order": 7,
                   "url": "https://store.test/nabilanazer/category/neje", "deleted_at": null})
        );
    }

    #[pg_test]
    fn brands_and_their_deletion() {
        shop();
        processed(BRAND);
        processed(&as_event(BRAND, "brand.updated"));
        assert_eq!(
            row(
                "SELECT brand_id, name, description, is_active, logo, banner, deleted_at
                 FROM storesync.brands"
            ),
            json!({"brand_id": "190175156", "name": "test1212", "description": "test",
                   "is_active": true, "logo": "https://cdn.salla.sa/image/logo1.png",
                   "banner": "https://cdn.salla.sa/image/banner1.png", "deleted_at": null})
        );
        processed(&at_time(
            &as_event(BRAND, "brand.deleted"),
            "Mon Mar 25 2024 10:00:00 GMT+0300",
        ));
        assert_eq!(
            row("SELECT deleted_at, name FROM storesync.brands"),
            json!({"deleted_at": "2024-03-25T10:00:00+03:00", "name": "test1212"})
        );
    }

    #[pg_test]
    fn branches_and_the_default_branch() {
        shop();
        for event in [
            "store.branch.created",
            "store.branch.updated",
            "store.branch.activated",
        ] {
            processed(&as_event(BRANCH, event));
        }
        assert_eq!(
            row(
                "SELECT branch_id, name, status, city, country, phone, telephone, latitude::text,
                        longitude::text, is_cod_available, cod_cost::text, preparation_time
                 FROM storesync.branches"
            ),
            json!({"branch_id": "1866839222", "name": "Riyadh Branch", "status": "active",
                   "city": "الرياض", "country": "السعودية", "phone": "+96652318526",
                   "telephone": "0555555555", "latitude": "21.4267", "longitude": "39.8261",
                   "is_cod_available": true, "cod_cost": "10.00", "preparation_time": "2"})
        );
        // is_default false says nothing about which branch is the default.
        assert_eq!(text("SELECT default_branch_id FROM storesync.stores"), None);
        processed(&at_time(
            &as_event(BRANCH, "store.branch.setDefault"),
            "Wed Jun 30 2021 16:00:00 GMT+0300",
        ));
        // Another branch became the default later; an older setDefault arriving late loses.
        let other = with(
            &at_time(BRANCH, "Thu Jul 01 2021 09:00:00 GMT+0300"),
            "/data/id",
            json!("42"),
        );
        processed(&with(&other, "/data/is_default", json!(true)));
        processed(&at_time(
            &as_event(BRANCH, "store.branch.setDefault"),
            "Wed Jun 30 2021 17:00:00 GMT+0300",
        ));
        assert_eq!(
            text("SELECT default_branch_id FROM storesync.stores").as_deref(),
            Some("42")
        );
        processed(&at_time(
            &as_event(BRANCH, "store.branch.deleted"),
            "Fri Jul 02 2021 09:00:00 GMT+0300",
        ));
        assert_eq!(
            row("SELECT deleted_at FROM storesync.branches WHERE branch_id = '1866839222'"),
            json!({"deleted_at": "2021-07-02T09:00:00+03:00"})
        );
    }

    #[pg_test]
    fn taxes_offers_zones_and_companies() {
        shop();
        processed(TAX);
        assert_eq!(
            row("SELECT tax_id, rate::text, status, country FROM storesync.taxes"),
            json!({"tax_id": "5541564", "rate": "5", "status": "active",
                   "country": "All Countries"})
        );
        processed(OFFER);
        processed(&as_event(OFFER, "specialoffer.created"));
        assert_eq!(
            row("SELECT offer_id, offer_type, status, name, expires_at FROM storesync.special_offers"),
            json!({"offer_id": "1649524234", "offer_type": "buy_x_get_y", "status": "inactive",
                   "name": "اشتري 1 واحصل على الاخر مجانا", "expires_at": null})
        );
        processed(ZONE);
        processed(&as_event(ZONE, "shipping.zone.updated"));
        assert_eq!(
            row("SELECT zone_id, zone_code, company_id, country, city, fee::text, fee_type, currency,
                        cod_available, cod_fee::text, duration
                 FROM storesync.shipping_zones"),
            json!({"zone_id": "870442223", "zone_code": ".AE.ajman-city",
                   "company_id": "488260393", "country": "الامارات", "city": "مدينة عجمان",
                   "fee": "30", "fee_type": "rate", "currency": "SAR", "cod_available": true,
                   "cod_fee": "12", "duration": "3-5"})
        );
        processed(&at_time(
            &as_event(COMPANY, "shipping.company.created"),
            "Wed Apr 06 2022 10:00:00 GMT+0300",
        ));
        processed(&as_event(COMPANY, "shipping.company.updated"));
        processed(COMPANY);
        assert_eq!(
            row("SELECT company_id, name, is_active, deleted_at FROM storesync.shipping_companies"),
            json!({"company_id": "488260393", "name": "شركة سريع", "is_active": false,
                   "deleted_at": "2022-04-07T13:48:22+03:00"})
        );
    }

    #[pg_test]
    fn shipments() {
        shop();
        for event in ["shipment.creating", "shipment.created", "shipment.updated"] {
            processed(&as_event(SHIPMENT, event));
        }
        assert_eq!(
            row(
                "SELECT shipment_id, order_id, order_reference_id, type, status, courier_id,
                        courier_name, shipping_number, tracking_number, payment_method,
                        total::text, cash_on_delivery::text, currency, is_international,
                        shipment_created_at, canceled_at
                 FROM storesync.shipments"
            ),
            json!({"shipment_id": "362985662", "order_id": "560695738",
                   "order_reference_id": "48927", "type": "shipment", "status": "delivered",
                   "courier_id": "1927161457", "courier_name": "Shipping App",
                   "shipping_number": "846984645", "tracking_number": "4324233",
                   "payment_method": "cod", "total": "25.5", "cash_on_delivery": "10.7",
                   "currency": "SAR", "is_international": false,
                   "shipment_created_at": "2023-01-29T21:16:38+03:00", "canceled_at": null})
        );
        processed(&at_time(
            &with(
                &as_event(SHIPMENT, "shipment.cancelled"),
                "/data/status",
                json!("canceled"),
            ),
            "Mon Jan 30 2023 10:00:00 GMT+0300",
        ));
        assert_eq!(
            row("SELECT status, canceled_at FROM storesync.shipments"),
            json!({"status": "canceled", "canceled_at": "2023-01-30T10:00:00+03:00"})
        );
        // No order row is made up from a shipment.
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 0);
    }
}
