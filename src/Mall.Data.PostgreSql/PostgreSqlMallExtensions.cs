using Mall.Data;
using Mall.Data.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers and selects the PostgreSQL provider.</summary>
public static class PostgreSqlMallExtensions
{
    /// <summary>Makes the PostgreSQL provider available under the name <c>PostgreSql</c>.</summary>
    public static IServiceCollection AddMallPostgreSql(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMallDatabaseProvider, PostgreSqlDatabaseProvider>());
        return services;
    }

    /// <summary>Uses PostgreSQL, e.g. <c>Host=127.0.0.1;Database=mall;Username=mall;Password=…</c>.</summary>
    public static MallDatabaseOptions UsePostgreSql(this MallDatabaseOptions options, string connectionString)
    {
        options.Provider = PostgreSqlDatabaseProvider.ProviderName;
        options.ConnectionString = connectionString;
        return options;
    }

    /// <summary>Uses PostgreSQL.</summary>
    public static Mall.MallOptions UsePostgreSql(this Mall.MallOptions options, string connectionString)
    {
        options.Database.UsePostgreSql(connectionString);
        return options;
    }
}
