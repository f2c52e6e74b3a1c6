using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 20 of the core schema (<see cref="CoreMigrations"/>): webhook subscriptions, deliveries and attempts.</summary>
internal sealed class V20Webhooks : Migration
{
    public override long Version => 20;
    public override string Name => "Webhooks";

    public override void Up(MigrationBuilder b)
    {
        // The secret must sign, so it is kept as is (like every HMAC webhook sender); the API never returns it after creation.
        b.CreateTable("mall_webhook_subscription", t => t
            .Id()
            .String("name", 100)
            .String("url", 2000)
            .String("events", 2000)
            .String("secret", 100)
            .String("previous_secret", 100, nullable: true)
            .DateTime("previous_valid_until", nullable: true)
            .SmallInt("status")
            .String("paused_reason", 500, nullable: true)
            .DateTime("failing_since", nullable: true)
            .DateTime("last_success_at", nullable: true)
            .DateTime("last_failure_at", nullable: true)
            .String("created_by", 100)
            .DateTime("created_at")
            .DateTime("updated_at"));
        b.CreateTable("mall_webhook_delivery", t => t
            .Id()
            .BigInt("subscription_id")
            .BigInt("outbox_id")
            .String("event_id", 36)
            .String("event_type", 100)
            .SmallInt("status")
            .Int("attempts")
            .Int("rounds")
            .DateTime("next_attempt_at", nullable: true)
            .DateTime("last_attempt_at", nullable: true)
            .Int("last_status_code", nullable: true)
            .BigInt("replay_of", nullable: true)
            .DateTime("created_at")
            .DateTime("updated_at"));
        b.CreateIndex("ix_mall_webhook_delivery_due", "mall_webhook_delivery", ["status", "next_attempt_at"]);
        b.CreateIndex("ix_mall_webhook_delivery_subscription", "mall_webhook_delivery", ["subscription_id", "id"]);
        b.CreateIndex("ix_mall_webhook_delivery_event", "mall_webhook_delivery", ["event_id"]);
        b.CreateTable("mall_webhook_attempt", t => t
            .Id()
            .BigInt("delivery_id")
            .DateTime("attempted_at")
            .Bool("succeeded")
            .Int("status_code", nullable: true)
            .Int("duration_ms")
            .String("error", 500, nullable: true)
            .String("response_excerpt", 1000, nullable: true));
        b.CreateIndex("ix_mall_webhook_attempt_delivery", "mall_webhook_attempt", ["delivery_id", "id"]);
    }
}
