using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 13 of the core schema (<see cref="CoreMigrations"/>): Storefront themes: installed packages, the active theme, settings and page layouts.</summary>
internal sealed class V13Themes : Migration
{
    public override long Version => 13;
    public override string Name => "Storefront themes: installed packages, the active theme, settings and page layouts";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_theme", t => t
            .Id()
            .String("name", 50)
            .String("version", 50)
            .String("base_name", 50, nullable: true)
            .Bool("is_builtin")
            .Bool("is_active")
            // The merchant's values (JSON objects) over the theme's defaults.
            .Text("settings", nullable: false)
            .Text("pages", nullable: false)
            .DateTime("installed_at")
            .DateTime("updated_at"));
        b.CreateIndex("ux_mall_theme_name", "mall_theme", ["name"], unique: true);
    }
}
