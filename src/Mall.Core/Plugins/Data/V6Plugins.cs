using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 6 of the core schema (<see cref="CoreMigrations"/>): Installed plugins, their state and settings.</summary>
internal sealed class V6Plugins : Migration
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
