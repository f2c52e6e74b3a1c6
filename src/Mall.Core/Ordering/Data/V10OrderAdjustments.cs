using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 10 of the core schema (<see cref="CoreMigrations"/>): Order adjustments: the shipping and discounts an order was priced with.</summary>
internal sealed class V10OrderAdjustments : Migration
{
    public override long Version => 10;
    public override string Name => "Order adjustments: the shipping and discounts an order was priced with";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_order_adjustment", t => t
            .Id()
            .BigInt("order_id")
            .SmallInt("kind")
            .String("source", 100)
            .String("reference", 100, nullable: true)
            .BigInt("amount")
            .String("description", 200));
        b.CreateIndex("ix_mall_order_adjustment_order", "mall_order_adjustment", ["order_id"]);
        b.CreateIndex("ix_mall_order_adjustment_reference", "mall_order_adjustment", ["reference"]);
    }
}
