using Mall.Data.Migrations;

namespace Mall.Data;

/// <summary>Version 12 of the core schema (<see cref="CoreMigrations"/>): Order lines can be free gifts of a promotion.</summary>
internal sealed class V12GiftLines : Migration
{
    public override long Version => 12;
    public override string Name => "Order lines can be free gifts of a promotion";

    public override void Up(MigrationBuilder b) =>
        b.AddColumn("mall_order_line", "is_gift", ColumnType.Bool, nullable: false, defaultSql: "FALSE");
}
