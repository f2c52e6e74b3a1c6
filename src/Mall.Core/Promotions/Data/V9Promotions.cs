using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 9 of the core schema (<see cref="CoreMigrations"/>): Promotion rules.</summary>
internal sealed class V9Promotions : Migration
{
    public override long Version => 9;
    public override string Name => "Promotion rules";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_promotion", t => t
            .Id()
            .String("name", 100)
            .Int("priority")
            .SmallInt("scope")
            .Text("scope_ids", nullable: false)
            .BigInt("min_amount", nullable: true)
            .Int("min_count", nullable: true)
            .Int("min_member_level", nullable: true)
            .Bool("first_order_only")
            .SmallInt("benefit")
            // An amount or a rate: kept as invariant decimal text, exact on every database.
            .String("value", 30)
            .BigInt("gift_sku_id", nullable: true)
            .Int("gift_quantity")
            .DateTime("starts_at", nullable: true)
            .DateTime("ends_at", nullable: true)
            .Int("per_customer_limit", nullable: true)
            .String("exclusivity_group", 50, nullable: true)
            .Bool("stackable")
            .Bool("is_active")
            .DateTime("created_at")
            .DateTime("updated_at"));
        // Each order line keeps its share of the order's discounts.
        b.AddColumn("mall_order_line", "discount", ColumnType.BigInt, nullable: false, defaultSql: "0");
    }
}
