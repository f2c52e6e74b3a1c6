using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 19 of the core schema (<see cref="CoreMigrations"/>): the transactional outbox.</summary>
internal sealed class V19Outbox : Migration
{
    public override long Version => 19;
    public override string Name => "Outbox";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_outbox", t => t
            .Id()
            .String("event_id", 36)
            .String("type", 100)
            .String("subject", 100)
            .Text("data", nullable: false)
            .DateTime("occurred_at")
            .DateTime("dispatched_at", nullable: true));
        b.CreateIndex("ux_mall_outbox_event", "mall_outbox", ["event_id"], unique: true);
        // The worker's query (undispatched, in order) and the resend/prune ranges.
        b.CreateIndex("ix_mall_outbox_pending", "mall_outbox", ["dispatched_at", "id"]);
        b.CreateIndex("ix_mall_outbox_occurred", "mall_outbox", ["occurred_at"]);
        b.CreateIndex("ix_mall_outbox_subject", "mall_outbox", ["subject", "id"]);
    }
}
