using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 18 of the core schema (<see cref="CoreMigrations"/>): API keys for integrations.</summary>
internal sealed class V18ApiKeys : Migration
{
    public override long Version => 18;
    public override string Name => "API keys";

    public override void Up(MigrationBuilder b)
    {
        // Only SHA-256 hashes of secrets are kept (secrets are 256 random bits, so a fast hash is enough).
        b.CreateTable("mall_api_key", t => t
            .Id()
            .String("name", 100)
            .String("prefix", 20)
            .String("secret_hash", 64)
            .String("previous_secret_hash", 64, nullable: true)
            .DateTime("previous_valid_until", nullable: true)
            .String("scopes", 500)
            .String("allowed_ips", 1000)
            .DateTime("expires_at", nullable: true)
            .DateTime("revoked_at", nullable: true)
            .String("created_by", 100)
            .DateTime("created_at")
            .DateTime("updated_at"));
        b.CreateIndex("ux_mall_api_key_prefix", "mall_api_key", ["prefix"], unique: true);
    }
}
