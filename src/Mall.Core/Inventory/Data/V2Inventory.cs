using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 2 of the core schema (<see cref="CoreMigrations"/>): Inventory: stock levels, reservations, movement ledger.</summary>
internal sealed class V2Inventory : Migration
{
    public override long Version => 2;
    public override string Name => "Inventory: stock levels, reservations, movement ledger";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_inventory", t => t
            .BigInt("sku_id")
            .BigInt("received")
            .BigInt("available")
            .BigInt("reserved")
            .BigInt("sold")
            .Int("low_stock_threshold")
            .DateTime("updated_at")
            .PrimaryKey("sku_id")
            .Check("ck_mall_inventory_nonnegative", "available >= 0 AND reserved >= 0 AND sold >= 0")
            .Check("ck_mall_inventory_balance", "received = available + reserved + sold"));

        b.CreateTable("mall_stock_reservation", t => t
            .Id()
            .String("reference", 100)
            .BigInt("sku_id")
            .Int("quantity")
            .SmallInt("status")
            .DateTime("created_at")
            .DateTime("updated_at")
            .Unique("ux_mall_stock_reservation", "reference", "sku_id"));

        b.CreateTable("mall_stock_movement", t => t
            .Id()
            .BigInt("sku_id")
            .SmallInt("kind")
            .String("reference", 100)
            .BigInt("quantity")
            .String("reason", 500, nullable: true)
            .DateTime("created_at")
            .Unique("ux_mall_stock_movement", "sku_id", "kind", "reference"));
    }
}
