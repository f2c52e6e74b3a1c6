using System.Net;
using System.Net.Sockets;

namespace Mall.Webhooks.Services;

/// <summary>
/// Where a webhook may not go unless allowed (<see cref="WebhookOptions.AllowedNetworks"/>), so that a subscription
/// cannot probe the mall's host: loopback, unspecified, link-local (which holds the 169.254.169.254 metadata service),
/// multicast and broadcast addresses, and the cloud metadata addresses outside link-local (Alibaba Cloud's
/// 100.100.100.200, AWS's fd00:ec2::254). Checked when a URL is saved and again on every connection, against each
/// address the name resolves to then (so a name re-pointed at the host later is refused too).
/// </summary>
internal sealed class WebhookTargets(IReadOnlyList<IPNetwork> allowed)
{
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("255.255.255.255/32"), IPNetwork.Parse("100.100.100.200/32"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
        IPNetwork.Parse("fd00:ec2::254/128"),
    ];

    /// <summary>From the options' allowed networks (already validated).</summary>
    public static WebhookTargets From(WebhookOptions options) =>
        new(options.AllowedNetworks.Select(n => Security.Services.ApiKeyService.ParseRange(n.Trim())).OfType<IPNetwork>().ToList());

    /// <summary>Why <paramref name="address"/> may not be called, or null when it may.</summary>
    public string? Refusal(IPAddress address)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (allowed.Any(n => n.Contains(plain))) return null;
        foreach (var network in Blocked)
            if (network.Contains(plain))
                return $"{plain} is a {Kind(plain)} address, which webhooks may not call (allow it with Mall:Webhooks:AllowedNetworks)";
        return null;
    }

    /// <summary>Why <paramref name="url"/> cannot be a webhook URL, or null: checked as saved, resolving the name.</summary>
    public async Task<string?> CheckUrlAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return "must be an absolute http or https URL.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "must not carry a user name or password; receivers check the signature.";
        if (!string.IsNullOrEmpty(uri.Fragment)) return "must not have a fragment.";
        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.DnsSafeHost, out var literal)) addresses = [literal];
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(uri.DnsSafeHost, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                return $"names a host ('{uri.DnsSafeHost}') that does not resolve.";
            }
        }
        foreach (var address in addresses)
            if (Refusal(address) is { } refusal) return $"resolves to {refusal}.";
        return null;
    }

    /// <summary>Connects to the first address of the host that may be called; refuses when none may.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        string? refusal = null;
        foreach (var address in addresses)
        {
            if (Refusal(address) is { } why)
            {
                refusal ??= why;
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new WebhookTargetRefusedException(refusal ?? $"{host} resolves to no address.");
    }

    private static string Kind(IPAddress address)
    {
        if (IPAddress.IsLoopback(address)) return "loopback";
        if (address.IsIPv6LinkLocal || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes() is [169, 254, ..])) return "link-local (metadata)";
        if (address.IsIPv6Multicast || (address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] >= 224)) return "multicast or broadcast";
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.GetAddressBytes()[0] == 0) return "unspecified";
        return "cloud metadata";
    }
}

/// <summary>A delivery refused before connecting: its address may not be called. Never retried at once.</summary>
internal sealed class WebhookTargetRefusedException(string message) : HttpRequestException(message);
