using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 17 of the core schema (<see cref="CoreMigrations"/>): installed theme packages, so that every node can render them.</summary>
internal sealed class V17ThemePackages : Migration
{
    public override long Version => 17;
    public override string Name => "Theme packages kept in the database for every node";

    public override void Up(MigrationBuilder b)
    {
        // The installed .malltheme of each theme (one per name: installing a version replaces it).
        b.CreateTable("mall_theme_package", t => t
            .String("name", 50)
            .String("version", 50)
            .Binary("content")
            .String("sha256", 64)
            .DateTime("uploaded_at")
            .PrimaryKey("name"));
    }
}
