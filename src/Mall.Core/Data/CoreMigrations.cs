using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Schema of the core module (catalog and inventory).</summary>
public sealed class CoreMigrations : IMigrationSource
{
    /// <summary>Module id of the core schema.</summary>
    public const string ModuleName = "Mall.Core";

    /// <inheritdoc />
    public string Module => ModuleName;

    /// <inheritdoc />
    public IReadOnlyList<Migration> Migrations { get; } = [new V1Catalog(), new V2Inventory(), new V3Orders(), new V4Customers(), new V5Carts(), new V6Plugins(), new V7Payments(), new V8Freight(), new V9Promotions(), new V10OrderAdjustments(), new V11Coupons(), new V12GiftLines(), new V13Themes()];

    private sealed class V1Catalog : Migration
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

    private sealed class V2Inventory : Migration
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

    private sealed class V3Orders : Migration
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

    private sealed class V4Customers : Migration
    {
        public override long Version => 4;
        public override string Name => "Customers, addresses, asset ledger, external logins, admins";

        public override void Up(MigrationBuilder b)
        {
            // Balance in cents; assets change only through mall_customer_ledger.
            b.CreateTable("mall_customer", t => t
                .Id()
                .String("phone", 20, nullable: true)
                .String("email", 200, nullable: true)
                .String("password_hash", 200, nullable: true)
                .String("nickname", 50)
                .Int("member_level")
                .BigInt("growth")
                .BigInt("points")
                .BigInt("balance")
                .DateTime("created_at")
                .DateTime("updated_at")
                .Unique("ux_mall_customer_phone", "phone")
                .Unique("ux_mall_customer_email", "email")
                .Check("ck_mall_customer_assets", "growth >= 0 AND points >= 0 AND balance >= 0"));

            b.CreateTable("mall_customer_login", t => t
                .String("provider", 50)
                .String("subject", 200)
                .BigInt("customer_id")
                .DateTime("created_at")
                .PrimaryKey("provider", "subject"));

            b.CreateTable("mall_customer_address", t => t
                .Id()
                .BigInt("customer_id")
                .String("receiver", 50)
                .String("phone", 20)
                .String("region_code", 12)
                .String("detail", 200)
                .String("postal_code", 10, nullable: true)
                .Bool("is_default")
                .DateTime("created_at")
                .DateTime("updated_at"));
            b.CreateIndex("ix_mall_customer_address_customer", "mall_customer_address", ["customer_id"]);

            b.CreateTable("mall_customer_ledger", t => t
                .Id()
                .BigInt("customer_id")
                .SmallInt("asset")
                .BigInt("delta")
                .BigInt("balance_after")
                .String("reason", 200)
                .String("reference", 100)
                .DateTime("created_at")
                .Unique("ux_mall_customer_ledger", "customer_id", "asset", "reference"));

            b.CreateTable("mall_admin", t => t
                .Id()
                .String("user_name", 50)
                .String("password_hash", 200)
                .String("roles", 200)
                .DateTime("created_at")
                .Unique("ux_mall_admin_name", "user_name"));
        }
    }

    private sealed class V5Carts : Migration
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

    private sealed class V6Plugins : Migration
    {
        public override long Version => 6;
        public override string Name => "Installed plugins, their state and settings";

        public override void Up(MigrationBuilder b)
        {
            // One row per installed plugin; every node restores this set at start-up.
            b.CreateTable("mall_plugin", t => t
                .String("id", 64)
                .String("version", 64)
                .SmallInt("state")
                .Text("settings")
                .Text("last_error")
                .DateTime("last_error_at", nullable: true)
                .DateTime("installed_at")
                .DateTime("updated_at")
                .PrimaryKey("id"));
        }
    }

    private sealed class V7Payments : Migration
    {
        public override long Version => 7;
        public override string Name => "Payment ledger: payments and their append-only events";

        public override void Up(MigrationBuilder b)
        {
            b.CreateTable("mall_payment", t => t
                .Id()
                .String("number", 40)
                .BigInt("order_id")
                .BigInt("customer_id")
                .String("provider", 40)
                .BigInt("amount")
                .String("currency", 3)
                .SmallInt("status")
                .String("provider_reference", 100, nullable: true)
                .DateTime("created_at")
                .DateTime("updated_at")
                .Unique("ux_mall_payment_number", "number"));
            b.CreateIndex("ix_mall_payment_order", "mall_payment", ["order_id"]);
            // Append-only; the idempotency key makes a repeated notification or refund a no-op.
            b.CreateTable("mall_payment_event", t => t
                .Id()
                .BigInt("payment_id")
                .SmallInt("kind")
                .BigInt("amount")
                .String("provider_reference", 100, nullable: true)
                .String("idempotency_key", 200)
                .String("note", 500, nullable: true)
                .DateTime("created_at")
                .Unique("ux_mall_payment_event_key", "idempotency_key"));
            b.CreateIndex("ix_mall_payment_event_payment", "mall_payment_event", ["payment_id"]);
        }
    }

    private sealed class V8Freight : Migration
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

    private sealed class V9Promotions : Migration
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

    private sealed class V10OrderAdjustments : Migration
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

    private sealed class V11Coupons : Migration
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

    private sealed class V12GiftLines : Migration
    {
        public override long Version => 12;
        public override string Name => "Order lines can be free gifts of a promotion";

        public override void Up(MigrationBuilder b) =>
            b.AddColumn("mall_order_line", "is_gift", ColumnType.Bool, nullable: false, defaultSql: "FALSE");
    }

    private sealed class V13Themes : Migration
    {
        public override long Version => 13;
        public override string Name => "Storefront themes: installed packages, the active theme, settings and page layouts";

        public override void Up(MigrationBuilder b)
        {
            b.CreateTable("mall_theme", t => t
                .Id()
                .String("name", 50)
                .String("version", 50)
                .String("base_name", 50, nullable: true)
                .Bool("is_builtin")
                .Bool("is_active")
                // The merchant's values (JSON objects) over the theme's defaults.
                .Text("settings", nullable: false)
                .Text("pages", nullable: false)
                .DateTime("installed_at")
                .DateTime("updated_at"));
            b.CreateIndex("ux_mall_theme_name", "mall_theme", ["name"], unique: true);
        }
    }
}
