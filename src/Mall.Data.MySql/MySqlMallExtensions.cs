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
