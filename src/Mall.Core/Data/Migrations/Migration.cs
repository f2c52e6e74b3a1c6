namespace Mall.Data.Migrations;

/// <summary>
/// One versioned schema change of a module. Versions are unique within a module and applied in ascending order;
/// an applied version is recorded and never run again. Describe the change with the portable
/// <see cref="MigrationBuilder"/> so that it runs on every supported database.
/// </summary>
public abstract class Migration
{
    /// <summary>Version within the module (e.g. 1, 2, 3 or a date such as 20261122).</summary>
    public abstract long Version { get; }

    /// <summary>Short description, recorded with the version.</summary>
    public abstract string Name { get; }

    /// <summary>Describes the change.</summary>
    public abstract void Up(MigrationBuilder builder);
}

/// <summary>
/// The migrations of one module (the core, a plugin). Register implementations in the service collection;
/// modules are migrated in registration order.
/// </summary>
public interface IMigrationSource
{
    /// <summary>Module id the versions belong to, e.g. <c>Mall.Core</c> or a plugin id.</summary>
    string Module { get; }

    /// <summary>All migrations of the module.</summary>
    IReadOnlyList<Migration> Migrations { get; }
}

/// <summary>A migration failed; start-up stops with this error.</summary>
public sealed class MigrationException(string module, long version, string migrationName, string statement, Exception inner)
    : Exception($"Migration {module} v{version} ({migrationName}) failed: {inner.Message}{Environment.NewLine}Statement: {statement}", inner)
{
    /// <summary>The module whose migration failed.</summary>
    public string Module { get; } = module;

    /// <summary>The failed version.</summary>
    public long Version { get; } = version;

    /// <summary>The SQL statement that failed.</summary>
    public string Statement { get; } = statement;
}
