using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 7 of the core schema (<see cref="CoreMigrations"/>): Payment ledger: payments and their append-only events.</summary>
internal sealed class V7Payments : Migration
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
