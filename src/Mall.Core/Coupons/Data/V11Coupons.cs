using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 11 of the core schema (<see cref="CoreMigrations"/>): Coupons: templates and issued coupons.</summary>
internal sealed class V11Coupons : Migration
{
    public override long Version => 11;
    public override string Name => "Coupons: templates and issued coupons";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_coupon_template", t => t
            .Id()
            .String("name", 100)
            .SmallInt("kind")
            .SmallInt("scope")
            .Text("scope_ids", nullable: false)
            .BigInt("min_amount", nullable: true)
            // An amount or a rate: invariant decimal text, exact on every database.
            .String("value", 30)
            .BigInt("max_discount", nullable: true)
            .Int("total_quantity", nullable: true)
            .Int("issued_count")
            .Int("per_customer_limit")
            .DateTime("valid_from", nullable: true)
            .DateTime("valid_until", nullable: true)
            .Int("valid_days", nullable: true)
            .Bool("claimable")
            .Bool("is_active")
            .DateTime("created_at")
            .DateTime("updated_at"));
        b.CreateTable("mall_coupon", t => t
            .Id()
            .BigInt("template_id")
            .BigInt("customer_id")
            .SmallInt("status")
            // 1..limit for claims (NULL for grants): the unique index makes the per-shopper limit hold under races.
            .Int("claim_seq", nullable: true)
            .DateTime("valid_from")
            .DateTime("valid_until", nullable: true)
            .BigInt("order_id", nullable: true)
            .DateTime("issued_at")
            .DateTime("used_at", nullable: true));
        b.CreateIndex("ux_mall_coupon_claim", "mall_coupon", ["template_id", "customer_id", "claim_seq"], unique: true);
        b.CreateIndex("ix_mall_coupon_customer", "mall_coupon", ["customer_id", "status"]);
        b.CreateIndex("ix_mall_coupon_order", "mall_coupon", ["order_id"]);
    }
}
