using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 22 of the core schema (<see cref="CoreMigrations"/>): an index for sales reports by day.</summary>
internal sealed class V22OrderReporting : Migration
{
    public override long Version => 22;
    public override string Name => "Orders: index for sales reports";

    // Covers the dashboard's per-day sums (date range, status, total) without reading the rows themselves.
    public override void Up(MigrationBuilder b) => b.CreateIndex("ix_mall_order_created", "mall_order", ["created_at", "status", "total"]);
}
