using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Mall.Security;
using Mall.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Mall.Web.RateLimiting;

/// <summary>Which extra limit an endpoint has on top of its caller's (sign-in, payment).</summary>
internal enum RateLimitKind { SignIn, Payment }

/// <summary>Endpoint metadata: the endpoint counts against an extra, stricter limit.</summary>
internal sealed record StricterRateLimitMetadata(RateLimitKind Kind);

/// <summary>Endpoint metadata: the endpoint is not limited (payment gateways' notifications, which are signed and retried by the gateway).</summary>
internal sealed record NoRateLimitMetadata;

/// <summary>
/// Mall's rate limits (<see cref="RateLimitOptions"/>), as an endpoint filter so that they know the caller (it runs
/// after authentication): per API key, per admin, per shopper, per IP for anonymous calls, and stricter limits on
/// sign-in, registration and starting payments. Fixed windows counted in <see cref="IRateLimitCounter"/> when the
/// mall shares one (Redis: the limits hold across nodes), else by System.Threading.RateLimiting's fixed-window
/// limiters on each node. A refused request gets a 429 problem with <c>Retry-After</c>.
/// </summary>
internal sealed class MallRateLimiter : IEndpointFilter, IDisposable
{
    private readonly RateLimitOptions _options;
    private readonly IRateLimitCounter _shared;
    private readonly ConcurrentDictionary<string, PartitionedRateLimiter<string>> _local = new(StringComparer.Ordinal);

    public MallRateLimiter(IOptions<MallOptions> options, IRateLimitCounter shared)
    {
        _options = options.Value.RateLimits;
        _shared = shared;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!_options.Enabled) return await next(context);
        var http = context.HttpContext;
        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<NoRateLimitMetadata>() is not null) return await next(context);
        var (name, limit, partition) = CallerLimit(http);
        if (await RefusedAsync(name, limit, partition, http.RequestAborted) is { } wait) return TooMany(http, name, limit, wait);
        if (endpoint?.Metadata.GetMetadata<StricterRateLimitMetadata>() is { } stricter)
        {
            var (extraName, extra, extraPartition) = stricter.Kind switch
            {
                RateLimitKind.SignIn => ("signIn", _options.SignIn, "ip:" + Ip(http)),
                _ => ("payment", _options.Payment, partition),
            };
            if (await RefusedAsync(extraName, extra, extraPartition, http.RequestAborted) is { } extraWait) return TooMany(http, extraName, extra, extraWait);
        }
        return await next(context);
    }

    /// <summary>The caller's limit and partition: its key, admin, shopper, or (anonymous) its IP.</summary>
    private (string Name, RateLimit Limit, string Partition) CallerLimit(HttpContext http)
    {
        var user = http.User;
        var kind = user.Identity?.AuthenticationType;
        if (kind == MallClaims.ApiKeyScheme) return ("apiKey", _options.ApiKey, "key:" + user.FindFirstValue(ClaimTypes.NameIdentifier));
        if (user.IsInRole(MallClaims.ShopperRole)) return ("shopper", _options.Shopper, "shopper:" + user.FindFirstValue(ClaimTypes.NameIdentifier));
        if (kind == MallAdminAuthentication.Scheme || user.IsInRole(MallAdminAuthentication.Role)) return ("admin", _options.Admin, "admin:" + user.Actor());
        return ("anonymous", _options.Anonymous, "ip:" + Ip(http));
    }

    /// <summary>How long to wait when the request is over its limit, or null when it may go on.</summary>
    private async ValueTask<TimeSpan?> RefusedAsync(string name, RateLimit limit, string partition, CancellationToken cancellationToken)
    {
        if (await _shared.IncrementAsync($"{name}:{partition}", limit.Window, cancellationToken).ConfigureAwait(false) is { } count)
            return count.Count > limit.PermitLimit ? count.ResetsIn : null;
        var limiter = _local.GetOrAdd(name, _ => PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = limit.PermitLimit, Window = limit.Window, QueueLimit = 0, AutoReplenishment = true })));
        using var lease = limiter.AttemptAcquire(partition);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : limit.Window;
    }

    private static IResult TooMany(HttpContext http, string name, RateLimit limit, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests, title: "Too Many Requests",
            detail: $"More than {limit.PermitLimit} requests in {Describe(limit.Window)} ({name} limit); try again in {seconds} s.",
            type: "https://tools.ietf.org/html/rfc6585#section-4",
            extensions: new Dictionary<string, object?> { ["code"] = "rate_limited", ["limit"] = name, ["retryAfterSeconds"] = seconds });
    }

    private static string Describe(TimeSpan window) =>
        window.TotalSeconds < 60 ? $"{window.TotalSeconds:0.#} s" : window.TotalMinutes < 60 ? $"{window.TotalMinutes:0.#} min" : $"{window.TotalHours:0.#} h";

    private static string Ip(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void Dispose()
    {
        foreach (var limiter in _local.Values) limiter.Dispose();
    }
}

/// <summary>Marks endpoints for <see cref="MallRateLimiter"/>.</summary>
internal static class RateLimitConventions
{
    /// <summary>The endpoint also counts against the sign-in limit (per IP).</summary>
    public static TBuilder WithSignInRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new StricterRateLimitMetadata(RateLimitKind.SignIn));

    /// <summary>The endpoint also counts against the payment limit (per shopper).</summary>
    public static TBuilder WithPaymentRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new StricterRateLimitMetadata(RateLimitKind.Payment));

    /// <summary>
    /// Puts the group's endpoints under Mall's rate limits: one limiter for every group, since its counters are per
    /// caller, not per endpoint.
    /// </summary>
    public static RouteGroupBuilder WithMallRateLimits(this RouteGroupBuilder group, IServiceProvider services)
    {
        var limiter = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<MallRateLimiter>(services);
        group.AddEndpointFilterFactory((_, next) => invocation => limiter.InvokeAsync(invocation, next));
        return group;
    }

    /// <summary>The endpoint is not rate-limited.</summary>
    public static TBuilder WithoutRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new NoRateLimitMetadata());
}
