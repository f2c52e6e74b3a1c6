using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 16 of the core schema (<see cref="CoreMigrations"/>): uploaded plugin packages, so that every node can load them.</summary>
internal sealed class V16PluginPackages : Migration
{
    public override long Version => 16;
    public override string Name => "Plugin packages kept in the database for every node";

    public override void Up(MigrationBuilder b)
    {
        // The .mallplugin file of each uploaded version: a node that lacks a version on disk unpacks it from here.
        b.CreateTable("mall_plugin_package", t => t
            .String("plugin_id", 64)
            .String("version", 64)
            .Binary("content")
            .String("sha256", 64)
            .DateTime("uploaded_at")
            .PrimaryKey("plugin_id", "version"));
    }
}
