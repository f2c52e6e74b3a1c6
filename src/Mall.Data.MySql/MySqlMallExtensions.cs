using Mall.Data;
using Mall.Data.MySql;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers and selects the MySQL / MariaDB provider.</summary>
public static class MySqlMallExtensions
{
    /// <summary>Makes the MySQL provider available under the name <c>MySql</c>.</summary>
    public static IServiceCollection AddMallMySql(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMallDatabaseProvider, MySqlDatabaseProvider>());
        return services;
    }

    /// <summary>
    /// Makes the MySQL/MariaDB provider available to Mall (<c>Mall:Database:Provider</c> = <c>MySql</c> selects it), and uses
    /// it with <paramref name="connectionString"/> when one is given (e.g. <c>Server=127.0.0.1;Database=mall;User ID=mall;Password=…</c>).
    /// </summary>
    /// <example><code>builder.AddMall().AddMySql();</code></example>
    public static Mall.IMallBuilder AddMySql(this Mall.IMallBuilder mall, string? connectionString = null)
    {
        ArgumentNullException.ThrowIfNull(mall);
        mall.Services.AddMallMySql();
        if (connectionString is not null) mall.Services.Configure<Mall.MallOptions>(o => o.Database.UseMySql(connectionString));
        return mall;
    }

    /// <summary>Uses MySQL or MariaDB, e.g. <c>Server=127.0.0.1;Database=mall;User=mall;Password=…</c>.</summary>
    public static MallDatabaseOptions UseMySql(this MallDatabaseOptions options, string connectionString)
    {
        options.Provider = MySqlDatabaseProvider.ProviderName;
        options.ConnectionString = connectionString;
        return options;
    }

    /// <summary>Uses MySQL or MariaDB.</summary>
    public static Mall.MallOptions UseMySql(this Mall.MallOptions options, string connectionString)
    {
        options.Database.UseMySql(connectionString);
        return options;
    }
}
