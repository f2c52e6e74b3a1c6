using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 1 of the core schema (<see cref="CoreMigrations"/>): Catalog: categories, brands, products, SKUs.</summary>
internal sealed class V1Catalog : Migration
{
    public override long Version => 1;
    public override string Name => "Catalog: categories, brands, products, SKUs";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_category", t => t
            .Id()
            .BigInt("parent_id", nullable: true)
            .String("name", 100)
            .String("image_url", 1000, nullable: true)
            .Int("sort_order")
            .Bool("is_visible")
            .DateTime("created_at")
            .DateTime("updated_at"));
        b.CreateIndex("ix_mall_category_parent", "mall_category", ["parent_id"]);

        b.CreateTable("mall_brand", t => t
            .Id()
            .String("name", 100)
            .String("logo_url", 1000, nullable: true)
            .String("description", 2000, nullable: true)
            .Int("sort_order")
            .DateTime("created_at")
            .DateTime("updated_at")
            .Unique("ux_mall_brand_name", "name"));

        // Prices are whole cents; min/max are kept for price filters and sorting without a join.
        b.CreateTable("mall_product", t => t
            .Id()
            .String("name", 200)
            .String("subtitle", 500, nullable: true)
            .Text("description")
            .BigInt("category_id")
            .BigInt("brand_id", nullable: true)
            .Json("specs")
            .Json("images")
            .SmallInt("status")
            .BigInt("min_price")
            .BigInt("max_price")
            .Bool("is_deleted")
            .DateTime("deleted_at", nullable: true)
            .DateTime("created_at")
            .DateTime("updated_at"));
        b.CreateIndex("ix_mall_product_list", "mall_product", ["is_deleted", "status", "created_at"]);
        b.CreateIndex("ix_mall_product_category", "mall_product", ["category_id"]);
        b.CreateIndex("ix_mall_product_brand", "mall_product", ["brand_id"]);

        b.CreateTable("mall_sku", t => t
            .Id()
            .BigInt("product_id")
            .String("code", 64)
            .Json("spec_values")
            .BigInt("price")
            .BigInt("member_price", nullable: true)
            .BigInt("market_price", nullable: true)
            .String("barcode", 64, nullable: true)
            .Int("weight_grams")
            .String("image_url", 1000, nullable: true)
            .Int("sort_order")
            .Bool("is_deleted")
            .DateTime("created_at")
            .DateTime("updated_at")
            .Unique("ux_mall_sku_code", "code")
            .Check("ck_mall_sku_price", "price >= 0"));
        b.CreateIndex("ix_mall_sku_product", "mall_sku", ["product_id"]);
    }
}
