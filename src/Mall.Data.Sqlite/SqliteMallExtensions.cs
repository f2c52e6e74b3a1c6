using Mall.Data;
using Mall.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers and selects the SQLite provider.</summary>
public static class SqliteMallExtensions
{
    /// <summary>Makes the SQLite provider available under the name <c>Sqlite</c>.</summary>
    public static IServiceCollection AddMallSqlite(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMallDatabaseProvider, SqliteDatabaseProvider>());
        return services;
    }

    /// <summary>
    /// Makes the SQLite provider available to Mall (<c>Mall:Database:Provider</c> = <c>Sqlite</c> selects it), and uses
    /// it with <paramref name="connectionString"/> when one is given (e.g. <c>Data Source=App_Data/mall.db</c>).
    /// </summary>
    /// <example><code>builder.AddMall().AddSqlite();</code></example>
    public static Mall.IMallBuilder AddSqlite(this Mall.IMallBuilder mall, string? connectionString = null)
    {
        ArgumentNullException.ThrowIfNull(mall);
        mall.Services.AddMallSqlite();
        if (connectionString is not null) mall.Services.Configure<Mall.MallOptions>(o => o.Database.UseSqlite(connectionString));
        return mall;
    }

    /// <summary>Uses SQLite with the given connection string, e.g. <c>Data Source=mall.db</c>.</summary>
    public static MallDatabaseOptions UseSqlite(this MallDatabaseOptions options, string connectionString)
    {
        options.Provider = SqliteDatabaseProvider.ProviderName;
        options.ConnectionString = connectionString;
        return options;
    }

    /// <summary>Uses SQLite with the given connection string, e.g. <c>Data Source=mall.db</c>.</summary>
    public static Mall.MallOptions UseSqlite(this Mall.MallOptions options, string connectionString)
    {
        options.Database.UseSqlite(connectionString);
        return options;
    }
}
