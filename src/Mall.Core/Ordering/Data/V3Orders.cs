using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 3 of the core schema (<see cref="CoreMigrations"/>): Orders: orders, lines with price snapshots, transition history.</summary>
internal sealed class V3Orders : Migration
{
    public override long Version => 3;
    public override string Name => "Orders: orders, lines with price snapshots, transition history";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_order", t => t
            .Id()
            .String("number", 32)
            .BigInt("customer_id")
            .SmallInt("status")
            .BigInt("subtotal")
            .BigInt("shipping_fee")
            .BigInt("discount")
            .BigInt("total")
            .String("idempotency_key", 100, nullable: true)
            .String("note", 500, nullable: true)
            .String("ship_receiver", 50, nullable: true)
            .String("ship_phone", 20, nullable: true)
            .String("ship_region_code", 12, nullable: true)
            .String("ship_detail", 200, nullable: true)
            .String("shipping_carrier", 50, nullable: true)
            .String("tracking_number", 64, nullable: true)
            .DateTime("payment_deadline")
            .DateTime("created_at")
            .DateTime("updated_at")
            .Unique("ux_mall_order_number", "number")
            .Unique("ux_mall_order_idempotency", "customer_id", "idempotency_key")
            .Check("ck_mall_order_total", "total = subtotal + shipping_fee - discount AND total >= 0"));
        b.CreateIndex("ix_mall_order_customer", "mall_order", ["customer_id", "created_at"]);
        b.CreateIndex("ix_mall_order_due", "mall_order", ["status", "payment_deadline"]);

        b.CreateTable("mall_order_line", t => t
            .Id()
            .BigInt("order_id")
            .BigInt("sku_id")
            .BigInt("product_id")
            .String("product_name", 200)
            .String("sku_code", 64)
            .Json("spec_values")
            .String("image_url", 1000, nullable: true)
            .BigInt("unit_price")
            .Int("quantity")
            .BigInt("line_total")
            .Check("ck_mall_order_line_total", "line_total = unit_price * quantity AND quantity > 0"));
        b.CreateIndex("ix_mall_order_line_order", "mall_order_line", ["order_id"]);

        // "via" rather than "trigger", which is a reserved word in SQL.
        b.CreateTable("mall_order_transition", t => t
            .Id()
            .BigInt("order_id")
            .SmallInt("from_status", nullable: true)
            .SmallInt("to_status")
            .SmallInt("via")
            .String("actor", 100)
            .String("reason", 500, nullable: true)
            .DateTime("created_at"));
        b.CreateIndex("ix_mall_order_transition_order", "mall_order_transition", ["order_id"]);
    }
}
