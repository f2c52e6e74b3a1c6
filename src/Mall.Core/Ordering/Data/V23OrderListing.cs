using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 23 of the core schema (<see cref="CoreMigrations"/>): indexes for the admin order list.</summary>
internal sealed class V23OrderListing : Migration
{
    public override long Version => 23;
    public override string Name => "Orders: indexes for listing newest first";

    // The console lists orders newest first, all or by status, a page at a time: these cover the page's ids (and the
    // count by status), so a deep page skips index entries instead of reading the rows before it.
    public override void Up(MigrationBuilder b)
    {
        b.CreateIndex("ix_mall_order_recent", "mall_order", ["created_at", "id"]);
        b.CreateIndex("ix_mall_order_status_recent", "mall_order", ["status", "created_at", "id"]);
    }
}
