-- Comments on every table, view, column and function of the storesync schema, so that \d+ in
-- psql documents itself. Runs last (finalize). A test fails on any object left uncommented.
--
-- Columns with the same meaning in every table: commented here once for all of them, where
-- no file said more.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT c.oid::regclass AS rel, a.attname,
               CASE a.attname
                   WHEN 'store_id' THEN 'The store (stores.store_id).'
                   WHEN 'field_ts' THEN 'Per column, the source time (epoch microseconds) of the value it holds; an older event never overwrites a newer value.'
                   WHEN 'source_ts' THEN 'Newest source time any value of the row reflects (-infinity: known only from a condensed copy inside another entity''s event).'
                   WHEN 'first_seen_at' THEN 'When storesync first stored the row.'
               END AS note
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relnamespace = 'storesync'::regnamespace AND c.relkind IN ('r', 'p')
           AND a.attname IN ('store_id', 'field_ts', 'source_ts', 'first_seen_at')
           AND pg_catalog.col_description(c.oid, a.attnum) IS NULL
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', col.rel, col.attname, col.note);
    END LOOP;
END;
$$;

-- branches
COMMENT ON COLUMN storesync.branches.branch_id IS 'The platform''s branch id.';
COMMENT ON COLUMN storesync.branches.name IS 'Branch name.';
COMMENT ON COLUMN storesync.branches.status IS 'Branch status as the platform reports it (e.g. active).';
COMMENT ON COLUMN storesync.branches.city IS 'City of the branch.';
COMMENT ON COLUMN storesync.branches.country IS 'Country of the branch.';
COMMENT ON COLUMN storesync.branches.phone IS 'Phone number.';
COMMENT ON COLUMN storesync.branches.whatsapp IS 'WhatsApp number.';
COMMENT ON COLUMN storesync.branches.telephone IS 'Landline number.';
COMMENT ON COLUMN storesync.branches.latitude IS 'Latitude of the branch location.';
COMMENT ON COLUMN storesync.branches.longitude IS 'Longitude of the branch location.';
COMMENT ON COLUMN storesync.branches.preparation_time IS 'Order preparation time as the platform states it (text, e.g. "30 minutes").';
COMMENT ON COLUMN storesync.branches.is_cod_available IS 'Whether cash on delivery is offered from this branch.';
COMMENT ON COLUMN storesync.branches.cod_cost IS 'Cash-on-delivery fee.';
COMMENT ON COLUMN storesync.branches.deleted_at IS 'When the branch was deleted (store.branch.deleted); NULL while it exists.';

-- brands
COMMENT ON COLUMN storesync.brands.brand_id IS 'The platform''s brand id.';
COMMENT ON COLUMN storesync.brands.name IS 'Brand name.';
COMMENT ON COLUMN storesync.brands.description IS 'Brand description.';
COMMENT ON COLUMN storesync.brands.is_active IS 'Whether the brand is active.';
COMMENT ON COLUMN storesync.brands.logo IS 'URL of the brand logo.';
COMMENT ON COLUMN storesync.brands.banner IS 'URL of the brand banner.';
COMMENT ON COLUMN storesync.brands.deleted_at IS 'When the brand was deleted (brand.deleted); NULL while it exists.';

-- cart_items
COMMENT ON COLUMN storesync.cart_items.cart_id IS 'The cart (carts.cart_id).';
COMMENT ON COLUMN storesync.cart_items.item_id IS 'The platform''s cart item id.';
COMMENT ON COLUMN storesync.cart_items.product_id IS 'The product (products.product_id).';
COMMENT ON COLUMN storesync.cart_items.quantity IS 'Quantity in the cart.';

-- carts
COMMENT ON COLUMN storesync.carts.cart_id IS 'The platform''s cart id.';
COMMENT ON COLUMN storesync.carts.customer_id IS 'The customer (customers.customer_id), when known.';
COMMENT ON COLUMN storesync.carts.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN storesync.carts.total IS 'Cart total.';
COMMENT ON COLUMN storesync.carts.subtotal IS 'Cart total before discounts.';
COMMENT ON COLUMN storesync.carts.total_discount IS 'Sum of the cart''s discounts.';
COMMENT ON COLUMN storesync.carts.coupon_code IS 'Code of the coupon applied to the cart.';
COMMENT ON COLUMN storesync.carts.checkout_url IS 'Link that resumes the checkout.';
COMMENT ON COLUMN storesync.carts.age_in_minutes IS 'How old the cart was when the event was sent, in minutes.';
COMMENT ON COLUMN storesync.carts.cart_created_at IS 'When the customer created the cart.';
COMMENT ON COLUMN storesync.carts.cart_updated_at IS 'When the cart last changed, as the platform reports it.';

-- categories
COMMENT ON COLUMN storesync.categories.category_id IS 'The platform''s category id.';
COMMENT ON COLUMN storesync.categories.name IS 'Category name.';
COMMENT ON COLUMN storesync.categories.parent_id IS 'The parent category (categories.category_id); NULL at the top.';
COMMENT ON COLUMN storesync.categories.status IS 'Category status (e.g. active, hidden).';
COMMENT ON COLUMN storesync.categories.sort_order IS 'Position among its siblings.';
COMMENT ON COLUMN storesync.categories.url IS 'Public URL of the category page.';
COMMENT ON COLUMN storesync.categories.deleted_at IS 'When the category was deleted (category.deleted); NULL while it exists.';

-- coupons
COMMENT ON COLUMN storesync.coupons.coupon_id IS 'The platform''s coupon id.';
COMMENT ON COLUMN storesync.coupons.code IS 'The code customers enter.';
COMMENT ON COLUMN storesync.coupons.status IS 'Coupon status (e.g. active, expired).';
COMMENT ON COLUMN storesync.coupons.type IS 'How amount applies: percentage or fixed.';
COMMENT ON COLUMN storesync.coupons.minimum_amount IS 'Smallest cart total the coupon applies to.';
COMMENT ON COLUMN storesync.coupons.free_shipping IS 'Whether the coupon also waives shipping.';
COMMENT ON COLUMN storesync.coupons.starts_at IS 'Start of validity.';
COMMENT ON COLUMN storesync.coupons.expires_at IS 'End of validity.';

-- customer_otp_requests
COMMENT ON COLUMN storesync.customer_otp_requests.contact IS 'The phone number or email the code was sent to.';
COMMENT ON COLUMN storesync.customer_otp_requests.requested_at IS 'When the code was requested.';

-- customers
COMMENT ON COLUMN storesync.customers.customer_id IS 'The platform''s customer id.';
COMMENT ON COLUMN storesync.customers.first_name IS 'First name.';
COMMENT ON COLUMN storesync.customers.last_name IS 'Last name.';
COMMENT ON COLUMN storesync.customers.email IS 'Email address.';
COMMENT ON COLUMN storesync.customers.mobile_code IS 'Country calling code of the mobile number (e.g. +966).';
COMMENT ON COLUMN storesync.customers.gender IS 'Gender as the platform reports it.';
COMMENT ON COLUMN storesync.customers.birthday IS 'Date of birth.';
COMMENT ON COLUMN storesync.customers.city IS 'City.';
COMMENT ON COLUMN storesync.customers.country IS 'Country name.';
COMMENT ON COLUMN storesync.customers.country_code IS 'ISO country code.';
COMMENT ON COLUMN storesync.customers.currency IS 'The customer''s preferred currency.';

-- events
COMMENT ON COLUMN storesync.events.event_id IS 'Inbox key, increasing in arrival order.';
COMMENT ON COLUMN storesync.events.source_id IS 'The source that received the delivery (sources.source_id).';
COMMENT ON COLUMN storesync.events.store_id IS 'The store the event is about (stores.store_id); NULL if the event names none the worker could resolve.';
COMMENT ON COLUMN storesync.events.event_name IS 'The platform''s event name, e.g. order.created or orders.CREATE.';
COMMENT ON COLUMN storesync.events.received_at IS 'When storesync accepted the delivery.';

-- invoices
COMMENT ON COLUMN storesync.invoices.invoice_id IS 'The platform''s invoice id.';
COMMENT ON COLUMN storesync.invoices.order_id IS 'The invoiced order (orders.order_id).';
COMMENT ON COLUMN storesync.invoices.invoice_number IS 'Invoice number shown to the customer.';
COMMENT ON COLUMN storesync.invoices.type IS 'Invoice type (e.g. invoice, credit note).';
COMMENT ON COLUMN storesync.invoices.invoice_date IS 'Date of the invoice.';
COMMENT ON COLUMN storesync.invoices.payment_method IS 'How the order was paid.';
COMMENT ON COLUMN storesync.invoices.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN storesync.invoices.sub_total IS 'Total before shipping, fees, discount and tax.';
COMMENT ON COLUMN storesync.invoices.shipping_cost IS 'Shipping cost.';
COMMENT ON COLUMN storesync.invoices.cod_cost IS 'Cash-on-delivery fee.';
COMMENT ON COLUMN storesync.invoices.discount IS 'Discount.';
COMMENT ON COLUMN storesync.invoices.tax IS 'Tax.';
COMMENT ON COLUMN storesync.invoices.total IS 'Invoice total.';

-- order_items
COMMENT ON COLUMN storesync.order_items.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN storesync.order_items.item_id IS 'The platform''s order item id.';
COMMENT ON COLUMN storesync.order_items.product_id IS 'The product (products.product_id).';
COMMENT ON COLUMN storesync.order_items.name IS 'Product name as ordered.';
COMMENT ON COLUMN storesync.order_items.sku IS 'Stock keeping unit as ordered.';
COMMENT ON COLUMN storesync.order_items.quantity IS 'Quantity ordered.';
COMMENT ON COLUMN storesync.order_items.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN storesync.order_items.discount IS 'Discount on the line.';
COMMENT ON COLUMN storesync.order_items.tax IS 'Tax on the line.';

-- order_shipment_cancellations
COMMENT ON COLUMN storesync.order_shipment_cancellations.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN storesync.order_shipment_cancellations.kind IS 'shipment (order.shipment.cancelled) or return (order.shipment.return.cancelled).';
COMMENT ON COLUMN storesync.order_shipment_cancellations.reference_id IS 'The order''s reference number as the event gives it.';
COMMENT ON COLUMN storesync.order_shipment_cancellations.canceled_at IS 'When the shipment was cancelled.';

-- order_status_history
COMMENT ON COLUMN storesync.order_status_history.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN storesync.order_status_history.note IS 'Note the merchant attached to the status change.';
COMMENT ON COLUMN storesync.order_status_history.changed_at IS 'When the order entered this status.';

-- orders
COMMENT ON COLUMN storesync.orders.order_id IS 'The platform''s order id.';
COMMENT ON COLUMN storesync.orders.reference_id IS 'Order number shown to the customer.';
COMMENT ON COLUMN storesync.orders.customer_id IS 'The customer (customers.customer_id); NULL for a guest order with no customer.';
COMMENT ON COLUMN storesync.orders.status_name IS 'Display name of the status.';
COMMENT ON COLUMN storesync.orders.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN storesync.orders.sub_total IS 'Total of the items before shipping, tax and discounts.';
COMMENT ON COLUMN storesync.orders.shipping_cost IS 'Shipping cost.';
COMMENT ON COLUMN storesync.orders.tax IS 'Tax.';
COMMENT ON COLUMN storesync.orders.payment_method IS 'How the order was paid.';
COMMENT ON COLUMN storesync.orders.draft IS 'True while the order is a draft; draft orders do not count for RFM.';
COMMENT ON COLUMN storesync.orders.shipping_company IS 'Name of the shipping company.';
COMMENT ON COLUMN storesync.orders.shipping_country IS 'Country of the shipping address.';

-- products
COMMENT ON COLUMN storesync.products.product_id IS 'The platform''s product id.';
COMMENT ON COLUMN storesync.products.name IS 'Product name.';
COMMENT ON COLUMN storesync.products.sku IS 'Stock keeping unit.';
COMMENT ON COLUMN storesync.products.mpn IS 'Manufacturer part number.';
COMMENT ON COLUMN storesync.products.gtin IS 'Global trade item number (barcode).';
COMMENT ON COLUMN storesync.products.type IS 'Product type (e.g. product, service, digital).';
COMMENT ON COLUMN storesync.products.status IS 'Product status (e.g. sale, out, hidden).';
COMMENT ON COLUMN storesync.products.price IS 'Current price.';
COMMENT ON COLUMN storesync.products.sale_price IS 'Sale price while on sale.';
COMMENT ON COLUMN storesync.products.regular_price IS 'Price before any sale.';
COMMENT ON COLUMN storesync.products.currency IS 'Currency of the prices.';
COMMENT ON COLUMN storesync.products.quantity IS 'Units in stock.';
COMMENT ON COLUMN storesync.products.is_available IS 'Whether customers can buy it now.';
COMMENT ON COLUMN storesync.products.updated_at IS 'The platform''s last-modified time of the product.';

-- reviews
COMMENT ON COLUMN storesync.reviews.type IS 'What is reviewed: product, store or shipping.';
COMMENT ON COLUMN storesync.reviews.rating IS 'Rating given (1 to 5).';
COMMENT ON COLUMN storesync.reviews.content IS 'Review text.';
COMMENT ON COLUMN storesync.reviews.customer_id IS 'The reviewer (customers.customer_id).';
COMMENT ON COLUMN storesync.reviews.product_id IS 'The product reviewed (products.product_id), if any.';
COMMENT ON COLUMN storesync.reviews.order_id IS 'The order reviewed (orders.order_id), if any.';
COMMENT ON COLUMN storesync.reviews.reviewed_at IS 'When the review was written.';

-- shipments
COMMENT ON COLUMN storesync.shipments.shipment_id IS 'The platform''s shipment id.';
COMMENT ON COLUMN storesync.shipments.order_id IS 'The order shipped (orders.order_id).';
COMMENT ON COLUMN storesync.shipments.order_reference_id IS 'Order number shown to the customer.';
COMMENT ON COLUMN storesync.shipments.status IS 'Shipment status as the courier reports it.';
COMMENT ON COLUMN storesync.shipments.courier_id IS 'The shipping company (shipping_companies.company_id).';
COMMENT ON COLUMN storesync.shipments.courier_name IS 'Name of the courier.';
COMMENT ON COLUMN storesync.shipments.shipping_number IS 'The courier''s shipment number.';
COMMENT ON COLUMN storesync.shipments.tracking_number IS 'Tracking number.';
COMMENT ON COLUMN storesync.shipments.tracking_link IS 'Tracking URL.';
COMMENT ON COLUMN storesync.shipments.payment_method IS 'How the order was paid.';
COMMENT ON COLUMN storesync.shipments.currency IS 'Currency of the amounts.';
COMMENT ON COLUMN storesync.shipments.total IS 'Value of the shipment.';
COMMENT ON COLUMN storesync.shipments.cash_on_delivery IS 'Amount to collect on delivery.';
COMMENT ON COLUMN storesync.shipments.is_international IS 'Whether the shipment crosses a border.';
COMMENT ON COLUMN storesync.shipments.shipment_created_at IS 'When the shipment was created.';

-- shipping_companies
COMMENT ON COLUMN storesync.shipping_companies.company_id IS 'The platform''s shipping company id.';
COMMENT ON COLUMN storesync.shipping_companies.name IS 'Company name.';
COMMENT ON COLUMN storesync.shipping_companies.is_active IS 'Whether the store uses the company.';
COMMENT ON COLUMN storesync.shipping_companies.deleted_at IS 'When the company was removed (shipping.company.deleted); NULL while it exists.';

-- shipping_zones
COMMENT ON COLUMN storesync.shipping_zones.zone_id IS 'The platform''s zone id.';
COMMENT ON COLUMN storesync.shipping_zones.zone_code IS 'Zone code.';
COMMENT ON COLUMN storesync.shipping_zones.company_id IS 'The shipping company (shipping_companies.company_id).';
COMMENT ON COLUMN storesync.shipping_zones.country IS 'Country the zone covers.';
COMMENT ON COLUMN storesync.shipping_zones.city IS 'City the zone covers.';
COMMENT ON COLUMN storesync.shipping_zones.fee IS 'Shipping fee.';
COMMENT ON COLUMN storesync.shipping_zones.fee_type IS 'How the fee applies (e.g. fixed, by weight).';
COMMENT ON COLUMN storesync.shipping_zones.currency IS 'Currency of the fees.';
COMMENT ON COLUMN storesync.shipping_zones.cod_available IS 'Whether cash on delivery is offered in the zone.';
COMMENT ON COLUMN storesync.shipping_zones.cod_fee IS 'Cash-on-delivery fee.';
COMMENT ON COLUMN storesync.shipping_zones.duration IS 'Delivery time as the platform states it.';

-- sources
COMMENT ON COLUMN storesync.sources.source_id IS 'Internal key of the source.';
COMMENT ON COLUMN storesync.sources.created_at IS 'When the source was registered.';

-- special_offers
COMMENT ON COLUMN storesync.special_offers.offer_id IS 'The platform''s offer id.';
COMMENT ON COLUMN storesync.special_offers.name IS 'Offer name.';
COMMENT ON COLUMN storesync.special_offers.message IS 'Message shown to customers.';
COMMENT ON COLUMN storesync.special_offers.offer_type IS 'Kind of offer (e.g. buy_x_get_y, percentage).';
COMMENT ON COLUMN storesync.special_offers.status IS 'Offer status (e.g. active, inactive).';
COMMENT ON COLUMN storesync.special_offers.expires_at IS 'When the offer ends.';

-- store_credentials
COMMENT ON COLUMN storesync.store_credentials.access_token IS 'OAuth access token. Secret.';
COMMENT ON COLUMN storesync.store_credentials.refresh_token IS 'OAuth refresh token. Secret.';
COMMENT ON COLUMN storesync.store_credentials.token_type IS 'OAuth token type (e.g. bearer).';
COMMENT ON COLUMN storesync.store_credentials.scope IS 'OAuth scopes granted.';
COMMENT ON COLUMN storesync.store_credentials.expires_at IS 'When the access token expires.';
COMMENT ON COLUMN storesync.store_credentials.updated_at IS 'When the tokens were last written.';

-- stores
COMMENT ON COLUMN storesync.stores.platform IS 'The platform the store is on: salla or flavours.';
COMMENT ON COLUMN storesync.stores.app_installed_at IS 'Time of the latest app.installed.';
COMMENT ON COLUMN storesync.stores.app_updated_at IS 'Time of the latest app.updated.';
COMMENT ON COLUMN storesync.stores.app_uninstalled_at IS 'Time of the latest app.uninstalled.';
COMMENT ON COLUMN storesync.stores.app_scopes IS 'Permissions the merchant granted the app.';
COMMENT ON COLUMN storesync.stores.settings_updated_at IS 'Time of the latest app.settings.updated (the settings are in store_credentials).';
COMMENT ON COLUMN storesync.stores.plan_name IS 'Name of the merchant''s subscription plan.';
COMMENT ON COLUMN storesync.stores.plan_type IS 'Plan type (e.g. recurring, once).';
COMMENT ON COLUMN storesync.stores.plan_period IS 'Plan period in months.';
COMMENT ON COLUMN storesync.stores.trial_starts_at IS 'Start of the trial.';
COMMENT ON COLUMN storesync.stores.trial_ends_at IS 'End of the trial.';
COMMENT ON COLUMN storesync.stores.subscription_id IS 'The platform''s subscription id.';
COMMENT ON COLUMN storesync.stores.subscription_starts_at IS 'Start of the current subscription.';
COMMENT ON COLUMN storesync.stores.subscription_renewed_at IS 'Time of the latest renewal.';
COMMENT ON COLUMN storesync.stores.app_feedback IS 'The merchant''s written feedback on the app.';
COMMENT ON COLUMN storesync.stores.app_feedback_at IS 'When the feedback was given.';

-- taxes
COMMENT ON COLUMN storesync.taxes.tax_id IS 'The platform''s tax id.';
COMMENT ON COLUMN storesync.taxes.status IS 'Tax status (e.g. active).';
COMMENT ON COLUMN storesync.taxes.country IS 'Country the tax applies in.';

-- rfm_settings
COMMENT ON TABLE storesync.rfm_settings IS 'RFM settings, one row, editable by analysts with UPDATE. A change to excluded_statuses, or switching realtime back on, marks the figures stale: the next refresh_rfm recounts them from the orders.';
COMMENT ON COLUMN storesync.rfm_settings.singleton IS 'Always true: keeps the table to one row.';
COMMENT ON COLUMN storesync.rfm_settings.excluded_statuses IS 'Order status slugs that do not count (Salla and Flavours share the vocabulary: Flavours delivery status 3 Canceled is canceled). Default {payment_pending,canceled,restored,restoring}.';
COMMENT ON COLUMN storesync.rfm_settings.realtime IS 'Whether order changes rescore their customers in the same transaction (default true). Off: figures are not maintained and every refresh_rfm recounts them from the orders (bulk loads).';
COMMENT ON COLUMN storesync.rfm_settings.default_rhythm_days IS 'Purchase rhythm (days between orders) churn_risk assumes for a customer with one order in a store where no customer has two: default 30.';
COMMENT ON COLUMN storesync.rfm_settings.figures_stale IS 'Set when the figures in rfm_customers may not match the orders (rules changed, real time was off); the next refresh_rfm of every store recounts and clears it.';
COMMENT ON COLUMN storesync.rfm_settings.updated_at IS 'When the settings last changed.';

-- rfm_segment_map
COMMENT ON TABLE storesync.rfm_segment_map IS 'The segment of each RFM code: 125 rows, 11 segments by default (Champions, Loyal, Potential Loyalist, New Customers, Promising, Need Attention, About To Sleep, At Risk, Cannot Lose Them, Hibernating, Lost). Editable: INSERT, UPDATE or DELETE re-segments every scored customer at once, scores untouched, and records each move in rfm_segment_changes with cause map.';
COMMENT ON COLUMN storesync.rfm_segment_map.rfm_code IS 'Three digits R, F, M, each 1 to 5 (5 best), e.g. 545.';
COMMENT ON COLUMN storesync.rfm_segment_map.segment IS 'Segment name for the code.';

-- rfm_customers
COMMENT ON TABLE storesync.rfm_customers IS 'RFM figures and scores of every customer with at least one counted order, per store. Figures are kept up to date by the order triggers in the event''s transaction; scores are exact after refresh_rfm and, between refreshes, rescored against the store''s cut points when the customer''s figures change. Analysts read storesync.customer_rfm.';
COMMENT ON COLUMN storesync.rfm_customers.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.rfm_customers.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.rfm_customers.first_order_at IS 'order_date of the customer''s first counted order.';
COMMENT ON COLUMN storesync.rfm_customers.last_order_at IS 'order_date of the customer''s latest counted order; recency_days counts from it.';
COMMENT ON COLUMN storesync.rfm_customers.frequency IS 'Number of counted orders: not deleted, not draft, with a customer and an order date, status not in rfm_settings.excluded_statuses.';
COMMENT ON COLUMN storesync.rfm_customers.monetary IS 'Sum of the totals of the counted orders (a missing total counts as 0).';
COMMENT ON COLUMN storesync.rfm_customers.currency IS 'Currency of the counted orders (the greatest code if they differ).';
COMMENT ON COLUMN storesync.rfm_customers.r_score IS 'Recency score 1-5: 1 + floor(5 * (store customers with a strictly larger recency_days) / n) at the last refresh; between refreshes, 1 + the number of rfm_cut_points.r_cuts reached. NULL until the store''s first refresh.';
COMMENT ON COLUMN storesync.rfm_customers.f_score IS 'Frequency score 1-5: 1 + floor(5 * (store customers with a strictly smaller frequency) / n); between refreshes, 1 + the number of f_cuts reached. NULL until the store''s first refresh.';
COMMENT ON COLUMN storesync.rfm_customers.m_score IS 'Monetary score 1-5: 1 + floor(5 * (store customers with a strictly smaller monetary) / n); between refreshes, 1 + the number of m_cuts reached. NULL until the store''s first refresh.';
COMMENT ON COLUMN storesync.rfm_customers.rfm_code IS 'r_score, f_score and m_score as three digits, e.g. 545.';
COMMENT ON COLUMN storesync.rfm_customers.segment IS 'Segment of rfm_code in rfm_segment_map.';
COMMENT ON COLUMN storesync.rfm_customers.scored_at IS 'When the scores of this row were last written (by an event or a refresh that changed them).';

-- rfm_cut_points
COMMENT ON TABLE storesync.rfm_cut_points IS 'Per store, what the last refresh_rfm found: the values that reach each score 2 to 5. Real-time rescoring gives 1 + the number of cut points a value reaches, which is the refresh''s exact score for every value the refresh saw.';
COMMENT ON COLUMN storesync.rfm_cut_points.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.rfm_cut_points.as_of IS 'The as_of of the last refresh: recency_days was counted to it.';
COMMENT ON COLUMN storesync.rfm_cut_points.customers IS 'Customers scored (n).';
COMMENT ON COLUMN storesync.rfm_cut_points.r_cuts IS 'For R scores 2..5: the earliest last_order_at that reaches the score (infinity: no customer reached it). A last order at or after the cut has a recency_days at most the largest one that reached the score.';
COMMENT ON COLUMN storesync.rfm_cut_points.f_cuts IS 'For F scores 2..5: the smallest frequency that reaches the score (9223372036854775807: no customer reached it).';
COMMENT ON COLUMN storesync.rfm_cut_points.m_cuts IS 'For M scores 2..5: the smallest monetary that reaches the score (Infinity: no customer reached it).';
COMMENT ON COLUMN storesync.rfm_cut_points.rhythm_days IS 'Mean purchase rhythm of the store''s customers with two or more counted orders (days between orders); churn_risk''s fallback for customers with one order.';
COMMENT ON COLUMN storesync.rfm_cut_points.refreshed_at IS 'When the refresh ran (its transaction time).';

-- rfm_segment_changes
COMMENT ON TABLE storesync.rfm_segment_changes IS 'History: every change of a customer''s segment, by an event (realtime), a refresh (refresh) or an edit of the segment map (map). from_segment NULL: the customer got a first segment; to_segment NULL: the customer no longer has a counted order.';
COMMENT ON COLUMN storesync.rfm_segment_changes.change_id IS 'Increasing key.';
COMMENT ON COLUMN storesync.rfm_segment_changes.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.rfm_segment_changes.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.rfm_segment_changes.from_segment IS 'Segment before the change; NULL if none.';
COMMENT ON COLUMN storesync.rfm_segment_changes.to_segment IS 'Segment after the change; NULL if none.';
COMMENT ON COLUMN storesync.rfm_segment_changes.changed_at IS 'Transaction time of the change.';
COMMENT ON COLUMN storesync.rfm_segment_changes.cause IS 'realtime (an order event), refresh (refresh_rfm) or map (rfm_segment_map edited).';

-- customer_rfm
COMMENT ON VIEW storesync.customer_rfm IS 'Every scored customer of every store with name and contact, figures, scores 1-5 (5 best), RFM code, segment and churn risk. recency_days and churn_risk are as of now (computed when read); scores are as of the last scoring (scored_at).';
COMMENT ON COLUMN storesync.customer_rfm.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.customer_rfm.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.customer_rfm.name IS 'Customer name (customers.name).';
COMMENT ON COLUMN storesync.customer_rfm.email IS 'Email (customers.email).';
COMMENT ON COLUMN storesync.customer_rfm.mobile IS 'Mobile number (customers.mobile).';
COMMENT ON COLUMN storesync.customer_rfm.last_order_at IS 'order_date of the latest counted order.';
COMMENT ON COLUMN storesync.customer_rfm.recency_days IS 'Whole days from last_order_at to now(): floor((now() - last_order_at) / 1 day). Computed when read, so it grows every day; r_score is as of the last scoring (scored_at), not of now.';
COMMENT ON COLUMN storesync.customer_rfm.frequency IS 'Number of counted orders.';
COMMENT ON COLUMN storesync.customer_rfm.monetary IS 'Sum of the counted orders'' totals.';
COMMENT ON COLUMN storesync.customer_rfm.currency IS 'Currency of the counted orders.';
COMMENT ON COLUMN storesync.customer_rfm.r_score IS 'Recency score 1-5 (5: most recent).';
COMMENT ON COLUMN storesync.customer_rfm.f_score IS 'Frequency score 1-5 (5: most orders).';
COMMENT ON COLUMN storesync.customer_rfm.m_score IS 'Monetary score 1-5 (5: most spent).';
COMMENT ON COLUMN storesync.customer_rfm.rfm_code IS 'The three scores as digits R, F, M, e.g. 545.';
COMMENT ON COLUMN storesync.customer_rfm.segment IS 'Segment of rfm_code (rfm_segment_map).';
COMMENT ON COLUMN storesync.customer_rfm.churn_risk IS '0-100: storesync.churn_risk(recency_days, rhythm) with rhythm the customer''s own mean days between counted orders, else the store''s (rfm_cut_points.rhythm_days), else rfm_settings.default_rhythm_days.';
COMMENT ON COLUMN storesync.customer_rfm.scored_at IS 'When the scores were last confirmed: the later of the customer''s last rescoring and the store''s last refresh.';

-- segment_summary
COMMENT ON VIEW storesync.segment_summary IS 'Per store and segment: customers, their share, the revenue they carry and its share, and average recency, frequency and monetary value. Scored customers only.';
COMMENT ON COLUMN storesync.segment_summary.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.segment_summary.segment IS 'Segment name.';
COMMENT ON COLUMN storesync.segment_summary.customers IS 'Customers in the segment.';
COMMENT ON COLUMN storesync.segment_summary.customer_share IS 'Percent of the store''s scored customers (0-100).';
COMMENT ON COLUMN storesync.segment_summary.revenue IS 'Sum of the customers'' monetary values.';
COMMENT ON COLUMN storesync.segment_summary.revenue_share IS 'Percent of the store''s revenue from scored customers (0-100).';
COMMENT ON COLUMN storesync.segment_summary.avg_recency_days IS 'Average recency_days as of now.';
COMMENT ON COLUMN storesync.segment_summary.avg_frequency IS 'Average number of counted orders.';
COMMENT ON COLUMN storesync.segment_summary.avg_monetary IS 'Average monetary value.';

-- segment_changes
COMMENT ON VIEW storesync.segment_changes IS 'Segment history with customer names: who moved from which segment to which, when and why (see rfm_segment_changes).';
COMMENT ON COLUMN storesync.segment_changes.store_id IS 'The store (stores.store_id).';
COMMENT ON COLUMN storesync.segment_changes.customer_id IS 'The customer (customers.customer_id).';
COMMENT ON COLUMN storesync.segment_changes.name IS 'Customer name (customers.name).';
COMMENT ON COLUMN storesync.segment_changes.from_segment IS 'Segment before; NULL: first segment.';
COMMENT ON COLUMN storesync.segment_changes.to_segment IS 'Segment after; NULL: no counted order left.';
COMMENT ON COLUMN storesync.segment_changes.changed_at IS 'When.';
COMMENT ON COLUMN storesync.segment_changes.cause IS 'realtime, refresh or map.';

-- RFM functions
COMMENT ON FUNCTION storesync._rfm_map_changed() IS 'Internal trigger on rfm_segment_map: re-segments the scored customers whose segment the map changed (scores untouched) and records each move with cause map.';
COMMENT ON FUNCTION storesync._rfm_orders_added_or_removed() IS 'Internal trigger on orders (AFTER INSERT and AFTER DELETE, per statement, transition table changed_rows): rescores the customers of the counted orders added or removed.';
COMMENT ON FUNCTION storesync._rfm_orders_updated() IS 'Internal trigger on orders (AFTER UPDATE, per statement): rescores the customers whose counted orders changed (customer, date, total, currency, or whether the order counts); other updates cost one query.';
COMMENT ON FUNCTION storesync._rfm_recency_cut(timestamp with time zone,integer) IS 'Internal: the earliest last-order time whose recency_days as of as_of is at most days (infinity for NULL).';
COMMENT ON FUNCTION storesync._rfm_rescore(bigint,text,text[]) IS 'Internal: recomputes one customer''s figures from their counted orders (p_excluded: the statuses that do not count), rescores them against the store''s cut points, and records a segment change (cause realtime). Serialised per customer with an advisory lock.';
COMMENT ON FUNCTION storesync._rfm_rescore_all(bigint[],text[],text[]) IS 'Internal: _rfm_rescore for each (store, customer) pair, in the given (sorted) order. More than 1,000 pairs (a bulk statement): marks the figures stale instead, for the next refresh to recount.';
COMMENT ON FUNCTION storesync._rfm_settings_changed() IS 'Internal trigger on rfm_settings: marks the figures stale when the counting rules change or real time is switched back on.';
COMMENT ON FUNCTION storesync.churn_risk(numeric,numeric) IS 'Churn risk 0-100 of a customer recency_days after their last order when they buy every rhythm_days days on average: round(100 * (1 - exp(-recency_days / rhythm_days))), rhythm at least 1 day, negative recency as 0. The chance that a customer still buying at that rhythm (a Poisson process) would have bought again by now: 0 right after an order, 63 after one rhythm, 86 after two, 95 after three. For a fixed rhythm it never falls as recency grows.';
COMMENT ON PROCEDURE storesync.refresh_rfm(bigint,timestamp with time zone,boolean) IS 'CALL storesync.refresh_rfm(store_id => NULL, as_of => now(), recount => false): exact RFM scores for one store or every store, as of as_of. Set-based: ranks per distinct value, new cut points in rfm_cut_points, scores written only where they change, segment changes recorded (cause refresh). recount (or stale figures, or real time off) first recounts the figures from the orders; ingest for the stores recounted waits meanwhile. Two refreshes of one store never run at once (advisory locks). One transaction, SECURITY DEFINER with a fixed search_path, so a role allowed to EXECUTE it needs no table rights; not granted to PUBLIC.';
COMMENT ON FUNCTION storesync.rfm_counted(text,timestamp with time zone,text,boolean,timestamp with time zone,text[]) IS 'Whether an order counts for RFM: it has a customer and an order date, is not deleted or a draft, and its status slug is not in excluded (rfm_settings.excluded_statuses). A NULL status counts.';
COMMENT ON FUNCTION storesync.rfm_days(timestamp with time zone,timestamp with time zone) IS 'Whole days from at to as_of: floor((as_of - at) / 86400 seconds).';
COMMENT ON FUNCTION storesync.rfm_score(anycompatible,anycompatiblearray) IS '1 + the number of cut points (sorted ascending) that value reaches (is at least): the score a value gets against rfm_cut_points.';

-- Functions written in Rust (their SQL is generated): commented by name, every overload, so a
-- change of their arguments needs no change here.
DO $$
DECLARE
    fn record;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure AS sig, d.note
          FROM pg_catalog.pg_proc p
          JOIN (VALUES
              ('ingest', 'storesync.ingest(source, headers, body): takes one webhook delivery (source name from the URL, request headers as a JSON object, raw body), authenticates it, records it in storesync.events and maps it into the typed tables in the caller''s transaction. Returns {status, event_id, http_status, error, message}; status is processed, duplicate, ignored, failed (stored, not mappable) or rejected (nothing stored).'),
              ('sign', 'storesync.sign(secret, body): the hex HMAC-SHA256 of body under secret, as Salla''s X-Salla-Signature header carries it.'),
              ('verify_signature', 'storesync.verify_signature(secret, body, signature): whether signature is the HMAC-SHA256 of body under secret (constant-time comparison).'),
              ('replay', 'storesync.replay(event_id): re-runs the mapping of one stored event in the caller''s transaction; returns the event, its status before and after and the error if it failed again. Unknown id: SQLSTATE P0002.'),
              ('replay_failed', 'storesync.replay_failed(source => NULL, since => NULL): re-runs the mapping of every failed event, oldest first, optionally of one source and received since a time; one row per event replayed. Unknown source: SQLSTATE 42704.')
          ) AS d(name, note) ON d.name = p.proname
         WHERE p.pronamespace = 'storesync'::regnamespace
           AND pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL
    LOOP
        EXECUTE format('COMMENT ON FUNCTION %s IS %L', fn.sig, fn.note);
    END LOOP;
END;
$$;
