using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 14 of the core schema (<see cref="CoreMigrations"/>): leases that let one node at a time run a background job.</summary>
internal sealed class V14JobLeases : Migration
{
    public override long Version => 14;
    public override string Name => "Job leases: one node at a time runs each background job";

    public override void Up(MigrationBuilder b)
    {
        b.CreateTable("mall_job_lease", t => t
            .String("name", 100)
            .String("holder", 200)
            .DateTime("acquired_at")
            .DateTime("expires_at")
            .PrimaryKey("name"));
    }
}
