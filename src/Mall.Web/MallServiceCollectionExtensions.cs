using Mall.Security;
using Mall.Plugins;
using Mall.Web.Plugins;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Hosting;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mall;
using Mall.Ordering;
using Mall.Web.Hosting;
using Mall.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Mall to an ASP.NET Core application.</summary>
public static class MallServiceCollectionExtensions
{
    /// <summary>
    /// Adds Mall: core services, the embedded SQLite provider (MySQL/MariaDB and PostgreSQL come from their own packages:
    /// <c>.AddMySql()</c>, <c>.AddPostgreSql()</c> on the returned builder), start-up migrations, background
    /// jobs (unpaid-order timeout, initial admin), problem details for Mall's routes, bearer-token authentication for
    /// shoppers and admins, the OpenAPI document and the database health check. Options are bound from the
    /// <c>Mall</c> section of <paramref name="configuration"/> (when given), then <paramref name="configure"/> runs.
    /// </summary>
    /// <example><code>
    /// builder.Services.AddMall(builder.Configuration);
    /// builder.Services.AddMall(builder.Configuration).AddPostgreSql("Host=127.0.0.1;Database=mall;Username=mall");
    /// </code></example>
    public static IMallBuilder AddMall(this IServiceCollection services, IConfiguration? configuration = null, Action<MallOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MallOptions>();
        if (configuration is not null) options.Bind(configuration.GetSection(MallOptions.SectionName));
        if (configure is not null) options.Configure(configure);
        // A public base URL that cannot be one stops start-up, naming the value, instead of the first payment.
        options.Validate(o => PublicUrls.IsValidBaseUrl(o.PublicBaseUrl),
            "Mall:PublicBaseUrl must be an absolute http(s) URL without query or fragment, e.g. https://shop.example.com.").ValidateOnStart();

        services.AddMallCore().AddMallSqlite();
        services.AddHostedService<MallMigrationHostedService>();
        services.AddMallCoreJobs();
        // After the migrations, so that it finds the tables; does nothing unless Mall:DemoCatalog is on.
        services.AddHostedService<DemoCatalogSeeder>();

        // Payments: the sandbox method is registered like any provider; its gateway is mapped with development payments.
        options.PostConfigure<IHostEnvironment>((mall, environment) =>
            mall.Payments.Sandbox.Enabled ??= mall.EnableDevelopmentPayments ?? environment.IsDevelopment());
        services.TryAddSingleton<Mall.Web.Payments.SandboxPaymentProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Mall.Payments.IPaymentProvider, Mall.Web.Payments.SandboxPaymentProvider>(sp => sp.GetRequiredService<Mall.Web.Payments.SandboxPaymentProvider>()));
        services.AddHttpClient(Mall.Web.Payments.PaymentEndpoints.SandboxHttpClient);

        // The plugin host: extension lookups, events and endpoints include the enabled plugins.
        services.TryAddSingleton<PluginEndpointDataSource>();
        services.TryAddSingleton<PluginRepository>();
        services.TryAddSingleton(sp => new PluginStore(
            PluginHostedService.StorePath(sp.GetRequiredService<IOptions<MallOptions>>().Value.Plugins, sp.GetRequiredService<IHostEnvironment>()),
            sp.GetRequiredService<IOptions<MallOptions>>().Value.Plugins.MaxPackageBytes));
        services.TryAddSingleton<PluginManager>();
        // Storefront themes: the Scriban engine and the documented helper set; plugins may add engines, helpers and widgets.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Mall.Themes.ITemplateEngine, Mall.Web.Themes.Scriban.ScribanTemplateEngine>());
        foreach (var helper in Mall.Web.Themes.BuiltInTemplateHelpers.All()) services.AddSingleton(helper);
        services.TryAddSingleton<Mall.Web.Themes.ThemeService>();
        services.TryAddSingleton<Mall.Web.Themes.StorefrontRenderer>();
        services.TryAddSingleton<Mall.Web.Themes.IStorefrontPages>(sp => sp.GetRequiredService<Mall.Web.Themes.StorefrontRenderer>());
        services.AddMemoryCache();
        services.Replace(ServiceDescriptor.Singleton<IExtensionRegistry>(sp => sp.GetRequiredService<PluginManager>()));
        services.AddHostedService<PluginHostedService>();

        services.AddProblemDetails(o => o.CustomizeProblemDetails += MallProblems.Customize);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, MallStartupFilter>());
        services.AddExceptionHandler<MallExceptionHandler>();
        services.TryAddSingleton<UnsupportedMediaTypeProbe>();
        services.TryAddSingleton<Mall.Web.Catalog.StorefrontProductJson>();
        services.TryAddSingleton<PublicUrls>();
        services.TryAddSingleton<IPublicUrls>(sp => sp.GetRequiredService<PublicUrls>());
        // Binding failures (malformed JSON, a bad query value) surface as exceptions the handler explains.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            // A body that names a property twice, or holds text that is not UTF-8, is a 400 that says so: never
            // "last one wins" and never a 500 when a free-form value is used later.
            o.SerializerOptions.AllowDuplicateProperties = false;
            // What the OpenAPI document marks required (a record's constructor parameter without a default) is
            // required: left out, it is a 400 naming it, never silently 0 or null.
            o.SerializerOptions.RespectRequiredConstructorParameters = true;
            o.SerializerOptions.Converters.Add(new StrictJsonConverterFactory());
        });

        // One key ring for all nodes, in the database: a token issued by one node is accepted by every other. An app
        // that keeps its keys elsewhere calls PersistKeysTo… after AddMall (the last configuration wins).
        Microsoft.AspNetCore.DataProtection.DataProtectionBuilderExtensions.SetApplicationName(services.AddDataProtection(), "Mall");
        services.TryAddSingleton<DatabaseKeyRepository>();
        services.AddOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>()
            .Configure<DatabaseKeyRepository>((o, keys) => o.XmlRepository = keys);
        services.TryAddSingleton<Mall.Security.IPasswordHasher, AspNetCorePasswordHasher>();
        // Admin requests are audited: the entry of the request in the current HTTP context.
        services.AddHttpContextAccessor();
        services.TryAddSingleton<Mall.Web.RateLimiting.MallRateLimiter>();
        services.Replace(ServiceDescriptor.Singleton<Mall.Auditing.IAuditContext, Mall.Web.Auditing.HttpAuditContext>());
        services.AddHostedService<InitialAdminHostedService>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthenticationHandler>(MallAdminAuthentication.Scheme, null)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(MallClaims.ApiKeyScheme, null)
            .AddBearerToken(MallClaims.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(2));
        services.TryAddSingleton<BearerTicketCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<BearerTokenOptions>, BearerTicketCache.Installer>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, AdminAreaAuthorization>());
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ScopeProblemResultHandler>();
        string[] adminSchemes = [MallAdminAuthentication.Scheme, MallClaims.ApiKeyScheme, MallClaims.BearerScheme];
        var authorization = services.AddAuthorizationBuilder()
            .AddPolicy(MallAdminAuthentication.Policy, policy => policy
                .AddAuthenticationSchemes(adminSchemes)
                .RequireAuthenticatedUser()
                .RequireRole(MallAdminAuthentication.Role))
            .AddPolicy(MallClaims.ShopperPolicy, policy => policy
                .AddAuthenticationSchemes(MallClaims.BearerScheme)
                .RequireAuthenticatedUser()
                .RequireRole(MallClaims.ShopperRole));
        foreach (var role in AdminRoles.All)
        {
            // The role for admins, the endpoint's scope for API keys (AdminAreaAuthorization).
            authorization.AddPolicy(MallAdminAuthentication.PolicyFor(role), policy => policy
                .AddAuthenticationSchemes(adminSchemes)
                .RequireAuthenticatedUser()
                .RequireRole(MallAdminAuthentication.Role)
                .AddRequirements(new AdminAreaRequirement(role)));
        }

        services.AddOpenApi(MallOpenApi.DocumentName, MallOpenApi.Configure);
        services.AddHealthChecks().AddCheck<MallDatabaseHealthCheck>("database", tags: ["mall", "ready"]);
        return new MallBuilder(services);
    }

    /// <summary>Adds Mall configured in code only.</summary>
    public static IMallBuilder AddMall(this IServiceCollection services, Action<MallOptions> configure) =>
        services.AddMall(configuration: null, configure);

    /// <summary>
    /// Adds Mall to an application and makes Autofac its root container (Autofac.Extensions.DependencyInjection's
    /// factory, with the root's open generic services kept from closing over plugin types), which hot plugins need:
    /// each plugin version is a child scope of the root, started for its load context, so it resolves host services
    /// directly and leaves nothing in the container when it unloads. An app that keeps the
    /// default container with <c>builder.Services.AddMall(...)</c> runs everything but plugins (installing one is
    /// refused with a message saying this).
    /// </summary>
    /// <example><code>
    /// var builder = WebApplication.CreateBuilder(args);
    /// builder.AddMall().AddPostgreSql();
    /// </code></example>
    public static IMallBuilder AddMall(this IHostApplicationBuilder builder, Action<MallOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureContainer(new Mall.Web.Plugins.MallContainerFactory());
        return builder.Services.AddMall(builder.Configuration, configure);
    }

    private sealed class MallBuilder(IServiceCollection services) : IMallBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
