using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 15 of the core schema (<see cref="CoreMigrations"/>): the Data Protection key ring every node shares.</summary>
internal sealed class V15DataProtectionKeys : Migration
{
    public override long Version => 15;
    public override string Name => "Data Protection keys shared by all nodes";

    public override void Up(MigrationBuilder b)
    {
        // ASP.NET Core's key ring (XML elements, themselves encrypted when a key encryptor is configured): tokens and
        // cookies one node issues are read by every other node.
        b.CreateTable("mall_data_protection_key", t => t
            .Id()
            .String("friendly_name", 200, nullable: true)
            .Text("xml", nullable: false)
            .DateTime("created_at"));
    }
}
