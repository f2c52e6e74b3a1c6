-- The statements Mall runs to place a one-line order (OrderService.PlaceAsync), replayed by pgbench to measure what
-- PostgreSQL itself can do with them; "\;" sends statements together where Mall sends them in one round trip.
-- Values are random per transaction.
\set sku random(1, :skus)
\set customer random(1, 100)
\set nonce random(1, 999999999999)
-- Npgsql sends BEGIN with the first statement; the order, its line, first transition, the counted stock update,
-- reservation, ledger entry and level read go as one batch (the line and transition find the order by its number).
BEGIN ISOLATION LEVEL READ COMMITTED\;
SELECT s.id, s.product_id, s.code, s.spec_values, s.price, s.image_url, s.weight_grams, s.is_deleted, p.name, p.category_id, p.brand_id, p.images, p.status, p.is_deleted, p.freight_template_id FROM mall_sku s JOIN mall_product p ON p.id = s.product_id WHERE s.id = ANY(ARRAY[:sku]::bigint[]);
INSERT INTO mall_order (number, customer_id, status, subtotal, shipping_fee, discount, total, idempotency_key, note, ship_receiver, ship_phone, ship_region_code, ship_detail, payment_deadline, created_at, updated_at) VALUES ('P' || :nonce || '-' || :client_id, :customer, 0, 9950, 0, 0, 9950, NULL, NULL, NULL, NULL, NULL, NULL, now() + interval '30 minutes', now(), now()) RETURNING id\;
INSERT INTO mall_order_line (order_id, sku_id, product_id, product_name, sku_code, spec_values, image_url, unit_price, quantity, line_total, discount, is_gift) SELECT o.id, :sku, 1, 'Bench product', 'B-S', CAST('["S"]' AS jsonb), '/images/1.jpg', 9950, 1, 9950, 0, false FROM mall_order o WHERE o.number = 'P' || :nonce || '-' || :client_id\;
INSERT INTO mall_order_transition (order_id, from_status, to_status, via, actor, reason, created_at) SELECT o.id, NULL, 0, 0, 'customer:' || :customer, NULL, now() FROM mall_order o WHERE o.number = 'P' || :nonce || '-' || :client_id\;
WITH counted AS (UPDATE mall_inventory SET available = available - 1, reserved = reserved + 1, updated_at = now() WHERE sku_id = :sku AND available >= 1 RETURNING 1) SELECT COUNT(*) FROM counted\;
INSERT INTO mall_stock_reservation (reference, sku_id, quantity, status, created_at, updated_at) VALUES ('P' || :nonce || '-' || :client_id, :sku, 1, 0, now(), now())\;
INSERT INTO mall_stock_movement (sku_id, kind, reference, quantity, reason, created_at) VALUES (:sku, 1, 'P' || :nonce || '-' || :client_id, 1, NULL, now()) ON CONFLICT (sku_id, kind, reference) DO NOTHING\;
SELECT sku_id, received, available, reserved, sold, low_stock_threshold FROM mall_inventory WHERE sku_id = :sku;
COMMIT;
