using System.Collections;
using System.Data.Common;
using System.Reflection;
using MySql.Data.MySqlClient;

namespace Mall.Data.MySql;

/// <summary>MySQL / MariaDB provider over MySql.Data.</summary>
public sealed class MySqlDatabaseProvider : IMallDatabaseProvider
{
    /// <summary>Name used in <c>Mall:Database:Provider</c>.</summary>
    public const string ProviderName = "MySql";

    /// <inheritdoc />
    public string Name => ProviderName;

    /// <inheritdoc />
    public ISqlDialect Dialect { get; } = new MySqlDialect();

    /// <inheritdoc />
    public DbConnection CreateConnection(string connectionString) => new MySqlConnection(connectionString);

    /// <inheritdoc />
    public Task InitializeAsync(string connectionString, CancellationToken cancellationToken)
    {
        MySqlDataCharsetFix.Apply();
        return Task.CompletedTask;
    }
}

/// <summary>
/// MySql.Data 8.0.16 predates MariaDB's <c>utf8mb3</c> charset name and throws on any statement that returns a
/// warning from a server that uses it. Teaching its charset map that name once fixes that.
/// </summary>
internal static class MySqlDataCharsetFix
{
    private static readonly Lock Gate = new();

    public static void Apply()
    {
        lock (Gate)
        {
            var map = typeof(MySqlConnection).Assembly.GetType("MySql.Data.MySqlClient.CharSetMap")
                ?? throw new InvalidOperationException("MySql.Data changed: CharSetMap not found; remove MySqlDataCharsetFix if the driver knows utf8mb3.");
            const BindingFlags flags = BindingFlags.Static | BindingFlags.NonPublic;
            if (map.GetField("_mapping", flags)?.GetValue(null) is null) map.GetMethod("InitializeMapping", flags)?.Invoke(null, null);
            foreach (var fieldName in new[] { "_mapping", "_defaultCollations", "_maxLengths" })
            {
                if (map.GetField(fieldName, flags)?.GetValue(null) is IDictionary dictionary && dictionary.Contains("utf8") && !dictionary.Contains("utf8mb3"))
                    dictionary["utf8mb3"] = dictionary["utf8"];
            }
        }
    }
}
