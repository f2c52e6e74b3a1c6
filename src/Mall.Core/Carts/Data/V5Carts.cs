using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 5 of the core schema (<see cref="CoreMigrations"/>): Carts of shoppers and anonymous sessions.</summary>
internal sealed class V5Carts : Migration
{
    public override long Version => 5;
    public override string Name => "Carts of shoppers and anonymous sessions";

    public override void Up(MigrationBuilder b)
    {
        // owner is "c:{customerId}" or "s:{session token}": one table for both, merged at login.
        b.CreateTable("mall_cart_line", t => t
            .Id()
            .String("owner", 80)
            .BigInt("sku_id")
            .Int("quantity")
            .Bool("selected")
            .DateTime("created_at")
            .DateTime("updated_at")
            .Unique("ux_mall_cart_line", "owner", "sku_id")
            .Check("ck_mall_cart_line_quantity", "quantity > 0"));
    }
}
