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
        assert!(truth(
            "SELECT category_id = '1429120554' AND name = 'renamed' AND parent_id = '99911771'
                AND status = 'hidden' AND sort_order = 7
                AND url = 'https://store.test/nabilanazer/category/neje' AND deleted_at IS NULL
             FROM storesync.categories"
        ));
    }

    #[pg_test]
    fn brands_and_their_deletion() {
        shop();
        processed(BRAND);
        processed(&as_event(BRAND, "brand.updated"));
        assert!(truth(
            "SELECT brand_id = '190175156' AND name = 'test1212' AND description = 'test'
                AND is_active AND logo = 'https://cdn.salla.sa/image/logo1.png'
                AND banner = 'https://cdn.salla.sa/image/banner1.png' AND deleted_at IS NULL
             FROM storesync.brands"
        ));
        processed(&at_time(
            &as_event(BRAND, "brand.deleted"),
            "Mon Mar 25 2024 10:00:00 GMT+0300",
        ));
        assert!(truth(
            "SELECT deleted_at = '2024-03-25 10:00:00+03' AND name = 'test1212' FROM storesync.brands"
        ));
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
        assert!(truth(
            "SELECT branch_id = '1866839222' AND name = 'Riyadh Branch' AND status = 'active'
                AND city = 'الرياض' AND country = 'السعودية' AND phone = '+96652318526'
                AND telephone = '0555555555' AND latitude = 21.4267 AND longitude = 39.8261
                AND is_cod_available AND cod_cost = 10 AND preparation_time = '2'
             FROM storesync.branches"
        ));
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
        assert!(truth(
            "SELECT deleted_at = '2021-07-02 09:00:00+03' FROM storesync.branches WHERE branch_id = '1866839222'"
        ));
    }

    #[pg_test]
    fn taxes_offers_zones_and_companies() {
        shop();
        processed(TAX);
        assert!(truth(
            "SELECT tax_id = '5541564' AND rate = 5 AND status = 'active' AND country = 'All Countries'
             FROM storesync.taxes"
        ));
        processed(OFFER);
        processed(&as_event(OFFER, "specialoffer.created"));
        assert!(truth(
            "SELECT offer_id = '1649524234' AND offer_type = 'buy_x_get_y' AND status = 'inactive'
                AND name = 'اشتري 1 واحصل على الاخر مجانا' AND expires_at IS NULL
             FROM storesync.special_offers"
        ));
        processed(ZONE);
        processed(&as_event(ZONE, "shipping.zone.updated"));
        assert!(truth(
            "SELECT zone_id = '870442223' AND zone_code = '.AE.ajman-city' AND company_id = '488260393'
                AND country = 'الامارات' AND city = 'مدينة عجمان' AND fee = 30 AND fee_type = 'rate'
                AND currency = 'SAR' AND cod_available AND cod_fee = 12 AND duration = '3-5'
             FROM storesync.shipping_zones"
        ));
        processed(&at_time(
            &as_event(COMPANY, "shipping.company.created"),
            "Wed Apr 06 2022 10:00:00 GMT+0300",
        ));
        processed(&as_event(COMPANY, "shipping.company.updated"));
        processed(COMPANY);
        assert!(truth(
            "SELECT company_id = '488260393' AND name = 'شركة سريع' AND NOT is_active
                AND deleted_at = '2022-04-07 13:48:22+03'
             FROM storesync.shipping_companies"
        ));
    }

    #[pg_test]
    fn shipments() {
        shop();
        for event in ["shipment.creating", "shipment.created", "shipment.updated"] {
            processed(&as_event(SHIPMENT, event));
        }
        assert!(truth(
            "SELECT shipment_id = '362985662' AND order_id = '560695738' AND order_reference_id = '48927'
                AND type = 'shipment' AND status = 'delivered' AND courier_id = '1927161457'
                AND courier_name = 'Shipping App' AND shipping_number = '846984645'
                AND tracking_number = '4324233' AND payment_method = 'cod' AND total = 25.5
                AND cash_on_delivery = 10.7 AND currency = 'SAR' AND NOT is_international
                AND shipment_created_at = '2023-01-29 21:16:38+03' AND canceled_at IS NULL
             FROM storesync.shipments"
        ));
        processed(&at_time(
            &with(
                &as_event(SHIPMENT, "shipment.cancelled"),
                "/data/status",
                json!("canceled"),
            ),
            "Mon Jan 30 2023 10:00:00 GMT+0300",
        ));
        assert!(truth(
            "SELECT status = 'canceled' AND canceled_at = '2023-01-30 10:00:00+03' FROM storesync.shipments"
        ));
        // No order row is made up from a shipment.
        assert_eq!(count("SELECT count(*) FROM storesync.orders"), 0);
    }
}
