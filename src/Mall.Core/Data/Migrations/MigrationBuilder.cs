namespace Mall.Data.Migrations;

/// <summary>Collects the SQL statements of a migration, rendered for one dialect.</summary>
public sealed class MigrationBuilder(ISqlDialect dialect)
{
    private readonly List<string> _statements = [];

    /// <summary>The dialect statements are rendered for.</summary>
    public ISqlDialect Dialect { get; } = dialect;

    /// <summary>The statements so far, in order.</summary>
    public IReadOnlyList<string> Statements => _statements;

    /// <summary>Creates a table.</summary>
    public MigrationBuilder CreateTable(string name, Action<TableBuilder> columns)
    {
        var table = new TableBuilder(Dialect);
        columns(table);
        _statements.Add($"CREATE TABLE {name} ({Environment.NewLine}  {string.Join("," + Environment.NewLine + "  ", table.Definitions)}{Environment.NewLine}){Dialect.CreateTableSuffix}");
        return this;
    }

    /// <summary>Creates an index (unique when <paramref name="unique"/>).</summary>
    public MigrationBuilder CreateIndex(string name, string table, string[] columns, bool unique = false)
    {
        _statements.Add($"CREATE {(unique ? "UNIQUE " : "")}INDEX {name} ON {table} ({string.Join(", ", columns)})");
        return this;
    }

    /// <summary>Adds a column to an existing table.</summary>
    public MigrationBuilder AddColumn(string table, string column, ColumnType type, int length = 0, bool nullable = true, string? defaultSql = null)
    {
        _statements.Add($"ALTER TABLE {table} ADD COLUMN {TableBuilder.Column(Dialect, column, type, length, nullable, defaultSql)}");
        return this;
    }

    /// <summary>Adds a raw SQL statement for every dialect (keep it portable).</summary>
    public MigrationBuilder Sql(string sql)
    {
        _statements.Add(sql);
        return this;
    }

    /// <summary>Adds a raw SQL statement only when running on the named dialect.</summary>
    public MigrationBuilder Sql(string dialectName, string sql)
    {
        if (string.Equals(dialectName, Dialect.Name, StringComparison.OrdinalIgnoreCase)) _statements.Add(sql);
        return this;
    }
}

/// <summary>Column and constraint definitions of a table.</summary>
public sealed class TableBuilder(ISqlDialect dialect)
{
    private readonly List<string> _definitions = [];

    internal IReadOnlyList<string> Definitions => _definitions;

    /// <summary>An auto-incrementing 64-bit primary key.</summary>
    public TableBuilder Id(string name = "id") { _definitions.Add(dialect.IdentityColumn(name)); return this; }

    /// <summary>A 64-bit integer column (also money in cents).</summary>
    public TableBuilder BigInt(string name, bool nullable = false, string? defaultSql = null) => Add(name, ColumnType.BigInt, 0, nullable, defaultSql);

    /// <summary>A 32-bit integer column.</summary>
    public TableBuilder Int(string name, bool nullable = false, string? defaultSql = null) => Add(name, ColumnType.Int, 0, nullable, defaultSql);

    /// <summary>A small integer column (enums).</summary>
    public TableBuilder SmallInt(string name, bool nullable = false, string? defaultSql = null) => Add(name, ColumnType.SmallInt, 0, nullable, defaultSql);

    /// <summary>A string column of at most <paramref name="length"/> characters.</summary>
    public TableBuilder String(string name, int length, bool nullable = false, string? defaultSql = null) => Add(name, ColumnType.String, length, nullable, defaultSql);

    /// <summary>A long text column.</summary>
    public TableBuilder Text(string name, bool nullable = true) => Add(name, ColumnType.Text, 0, nullable, null);

    /// <summary>A boolean column.</summary>
    public TableBuilder Bool(string name, bool nullable = false, bool? defaultValue = null) =>
        Add(name, ColumnType.Bool, 0, nullable, defaultValue is null ? null : defaultValue.Value ? "TRUE" : "FALSE");

    /// <summary>A UTC timestamp column.</summary>
    public TableBuilder DateTime(string name, bool nullable = false) => Add(name, ColumnType.DateTime, 0, nullable, null);

    /// <summary>A JSON column.</summary>
    public TableBuilder Json(string name, bool nullable = false) => Add(name, ColumnType.Json, 0, nullable, null);

    /// <summary>A column of bytes (files kept in the database so that every node has them).</summary>
    public TableBuilder Binary(string name, bool nullable = false) => Add(name, ColumnType.Binary, 0, nullable, null);

    /// <summary>A composite primary key (tables without <see cref="Id"/>).</summary>
    public TableBuilder PrimaryKey(params string[] columns) { _definitions.Add($"PRIMARY KEY ({string.Join(", ", columns)})"); return this; }

    /// <summary>A unique constraint.</summary>
    public TableBuilder Unique(string name, params string[] columns) { _definitions.Add($"CONSTRAINT {name} UNIQUE ({string.Join(", ", columns)})"); return this; }

    /// <summary>A check constraint with a portable boolean expression.</summary>
    public TableBuilder Check(string name, string expression) { _definitions.Add($"CONSTRAINT {name} CHECK ({expression})"); return this; }

    private TableBuilder Add(string name, ColumnType type, int length, bool nullable, string? defaultSql)
    {
        _definitions.Add(Column(dialect, name, type, length, nullable, defaultSql));
        return this;
    }

    internal static string Column(ISqlDialect dialect, string name, ColumnType type, int length, bool nullable, string? defaultSql) =>
        $"{name} {dialect.TypeName(type, length)}{(defaultSql is null ? "" : " DEFAULT " + defaultSql)}{(nullable ? " NULL" : " NOT NULL")}";
}
