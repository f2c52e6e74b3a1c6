namespace Mall.Data;

/// <summary>Which database Mall uses. Bound from configuration section <c>Mall:Database</c>.</summary>
public sealed class MallDatabaseOptions
{
    /// <summary>Provider name: <c>Sqlite</c> (default), <c>MySql</c> (also MariaDB) or <c>PostgreSql</c>.</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>ADO.NET connection string of the provider.</summary>
    public string ConnectionString { get; set; } = "Data Source=App_Data/mall.db";

    /// <summary>Apply pending schema migrations at start-up (default true).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>How many times a transaction that failed transiently (deadlock, busy) is retried.</summary>
    public int TransientRetries { get; set; } = 5;
}
