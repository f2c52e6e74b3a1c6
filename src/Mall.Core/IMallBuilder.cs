using Microsoft.Extensions.DependencyInjection;

namespace Mall;

/// <summary>
/// What <c>AddMall()</c> returns: the application's services, on which each area of Mall registers itself from its
/// own package (<c>.AddMySql()</c>, <c>.AddPostgreSql()</c>, <c>.AddPaymentProvider&lt;T&gt;()</c>, …), the way
/// <c>AddHealthChecks()</c> or <c>AddAuthentication()</c> return a builder in ASP.NET Core.
/// </summary>
public interface IMallBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }
}
