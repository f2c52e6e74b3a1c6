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

    /// <summary>
    /// Makes the PostgreSQL provider available to Mall (<c>Mall:Database:Provider</c> = <c>PostgreSql</c> selects it), and uses
    /// it with <paramref name="connectionString"/> when one is given (e.g. <c>Host=127.0.0.1;Database=mall;Username=mall;Password=…</c>).
    /// </summary>
    /// <example><code>builder.AddMall().AddPostgreSql();</code></example>
    public static Mall.IMallBuilder AddPostgreSql(this Mall.IMallBuilder mall, string? connectionString = null)
    {
        ArgumentNullException.ThrowIfNull(mall);
        mall.Services.AddMallPostgreSql();
        if (connectionString is not null) mall.Services.Configure<Mall.MallOptions>(o => o.Database.UsePostgreSql(connectionString));
        return mall;
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
