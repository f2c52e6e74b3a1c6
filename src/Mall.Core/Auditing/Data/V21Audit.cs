using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 21 of the core schema (<see cref="CoreMigrations"/>): the audit log.</summary>
internal sealed class V21Audit : Migration
{
    public override long Version => 21;
    public override string Name => "Audit log";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_audit", t => t
            .Id()
            .DateTime("occurred_at")
            .String("actor", 100)
            .String("action", 300)
            .String("entity_type", 100, nullable: true)
            .String("entity_id", 100, nullable: true)
            .Text("changes")
            .Text("request")
            .String("ip", 45, nullable: true)
            .String("correlation_id", 100, nullable: true));
        b.CreateIndex("ix_mall_audit_entity", "mall_audit", ["entity_type", "entity_id", "id"]);
        b.CreateIndex("ix_mall_audit_actor", "mall_audit", ["actor", "id"]);
        b.CreateIndex("ix_mall_audit_occurred", "mall_audit", ["occurred_at"]);
    }
}
