using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 4 of the core schema (<see cref="CoreMigrations"/>): Customers, addresses, asset ledger, external logins, admins.</summary>
internal sealed class V4Customers : Migration
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
