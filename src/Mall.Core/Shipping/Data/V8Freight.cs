using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 8 of the core schema (<see cref="CoreMigrations"/>): Freight templates, assigned to products.</summary>
internal sealed class V8Freight : Migration
{
    public override long Version => 8;
    public override string Name => "Freight templates, assigned to products";

    public override void Up(MigrationBuilder b)
    {
        // Rules and excluded regions are small lists read with the template: JSON text.
        b.CreateTable("mall_freight_template", t => t
            .Id()
            .String("name", 100)
            .SmallInt("charge_by")
            .Int("first_units")
            .BigInt("first_fee")
            .Int("additional_units")
            .BigInt("additional_fee")
            .BigInt("free_over_amount", nullable: true)
            .Int("free_over_count", nullable: true)
            .Text("rules", nullable: false)
            .Text("excluded_regions", nullable: false)
            .Bool("is_default")
            .DateTime("created_at")
            .DateTime("updated_at"));
        b.AddColumn("mall_product", "freight_template_id", ColumnType.BigInt, nullable: true);
    }
}
