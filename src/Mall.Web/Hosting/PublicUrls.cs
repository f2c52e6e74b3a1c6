using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Web.Hosting;

/// <summary>
/// Absolute URLs Mall hands to payment gateways and shoppers (notification and cashier URLs, share links), built on
/// <see cref="MallOptions.PublicBaseUrl"/>, never on an unchecked <c>Host</c> header: a request claiming
/// <c>Host: attacker.example</c> must not get a payment URL there. Without the option, the request's host is used
/// only when <c>AllowedHosts</c> lists hosts (host filtering has then vetted it), else the server's own address.
/// </summary>
internal sealed class PublicUrls : IPublicUrls
{
    private readonly IOptions<MallOptions> _options;
    private readonly IServer _server;
    private readonly IOptionsMonitor<HostFilteringOptions> _hostFiltering;
    private readonly ILogger<PublicUrls> _logger;
    private int _warned;

    /// <summary>Creates the service (a singleton of the host).</summary>
    public PublicUrls(IOptions<MallOptions> options, IServer server, IOptionsMonitor<HostFilteringOptions> hostFiltering, ILogger<PublicUrls> logger)
    {
        _options = options;
        _server = server;
        _hostFiltering = hostFiltering;
        _logger = logger;
    }

    /// <summary>Whether <paramref name="value"/> is unset or an absolute http(s) URL without query or fragment (checked at start-up).</summary>
    internal static bool IsValidBaseUrl(string? value) =>
        string.IsNullOrEmpty(value) ||
        (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0);

    /// <summary>The absolute URL of <paramref name="path"/> (starting with <c>/</c>) on the mall's public address.</summary>
    public string Absolute(HttpRequest request, string path) => BaseUrl(request) + path;

    /// <summary>The mall's public base URL for this request, without a trailing slash.</summary>
    public string BaseUrl(HttpRequest request)
    {
        if (_options.Value.PublicBaseUrl is { Length: > 0 } configured) return configured.TrimEnd('/');
        var allowed = _hostFiltering.CurrentValue.AllowedHosts;
        if (allowed is { Count: > 0 } && !allowed.Contains("*") && request.Host.HasValue && HostString.MatchesAny(request.Host.Host, allowed.Select(h => new Microsoft.Extensions.Primitives.StringSegment(h)).ToList()))
            return $"{request.Scheme}://{request.Host}";
        var listening = _server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (Interlocked.Exchange(ref _warned, 1) == 0)
            _logger.LogWarning("Mall:PublicBaseUrl is not set and AllowedHosts names no hosts: payment and share URLs use the server's address {Address}. Set Mall:PublicBaseUrl in production.", listening ?? "http://localhost");
        return Ownable(listening) ?? "http://localhost";
    }

    /// <summary>A listening address as a URL others can use (<c>http://+:80</c> → <c>http://localhost:80</c>).</summary>
    private static string? Ownable(string? address)
    {
        if (address is null) return null;
        foreach (var wildcard in new[] { "://+", "://*", "://0.0.0.0", "://[::]" })
            if (address.Contains(wildcard, StringComparison.Ordinal)) return address.Replace(wildcard, "://localhost", StringComparison.Ordinal).TrimEnd('/');
        return address.TrimEnd('/');
    }
}
