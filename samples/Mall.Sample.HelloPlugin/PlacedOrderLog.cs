using System.Data.Common;
using Mall.Data;

namespace Mall.Sample.HelloPlugin;

/// <summary>
/// The plugin's table, through the host's <see cref="IMallDatabase"/> with plain ADO.NET commands. (A plugin that
/// prefers Dapper carries its own copy: the host's would keep the plugin's types in its caches.)
/// </summary>
internal sealed class PlacedOrderLog(IMallDatabase database)
{
    public const string Table = "hello_placed_order";

    public async Task AddAsync(string orderNumber, DateTime placedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO {Table} (order_number, placed_at) VALUES (@number, @placedAt)";
        Add(command, "number", orderNumber);
        Add(command, "placedAt", placedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {Table}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DropAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP TABLE IF EXISTS {Table}";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
