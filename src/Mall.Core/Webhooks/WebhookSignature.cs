using System.Security.Cryptography;
using System.Text;

namespace Mall.Webhooks;

/// <summary>
/// How deliveries are signed, after the Standard Webhooks specification: headers <c>webhook-id</c> (the event id),
/// <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature</c> (<c>v1,</c> + base64 HMAC-SHA256 over
/// <c>{id}.{timestamp}.{body}</c>, keyed with the base64-decoded part of the secret after <c>whsec_</c>; several
/// space-separated while a secret is rotated). Receivers in .NET can call <see cref="Verify"/>.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The header carrying the event id.</summary>
    public const string IdHeader = "webhook-id";
    /// <summary>The header carrying the Unix time of the attempt.</summary>
    public const string TimestampHeader = "webhook-timestamp";
    /// <summary>The header carrying the signature(s).</summary>
    public const string SignatureHeader = "webhook-signature";
    /// <summary>The header carrying the event type (informational; the body has it too, signed).</summary>
    public const string EventTypeHeader = "mall-event-type";
    /// <summary>How secrets start.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>A new random secret (<c>whsec_</c> + 32 random bytes in base64).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The signature (<c>v1,…</c>) of one delivery.</summary>
    /// <param name="secret">The subscription's secret (<c>whsec_…</c>).</param>
    /// <param name="id">The <c>webhook-id</c>.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> (Unix seconds).</param>
    /// <param name="body">The raw body, exactly as sent.</param>
    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Key(secret);
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, message));
    }

    /// <summary>
    /// Checks a delivery as a receiver should: the timestamp within <paramref name="tolerance"/> of
    /// <paramref name="now"/> (against replays) and one of the signatures made with <paramref name="secret"/>
    /// (compared in constant time).
    /// </summary>
    public static bool Verify(string secret, string id, string timestampHeader, string signatureHeader, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestampHeader, out var timestamp)) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, id, timestamp, body));
        foreach (var candidate in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate))) return true;
        return false;
    }

    private static byte[] Key(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        return Convert.FromBase64String(encoded);
    }
}
