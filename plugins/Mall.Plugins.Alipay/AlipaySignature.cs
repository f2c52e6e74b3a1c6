using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mall.Plugins.Alipay;

/// <summary>
/// Alipay's RSA2 signatures: SHA256withRSA over the parameters sorted by name (<c>name=value</c> joined by
/// <c>&amp;</c>, empty values and <c>sign</c> left out; for notifications <c>sign_type</c> too), base64; and over the
/// exact text of an answer's <c>*_response</c> object.
/// </summary>
public static class AlipaySignature
{
    /// <summary>The text a request's or notification's signature covers.</summary>
    public static string Content(IEnumerable<KeyValuePair<string, string>> parameters, bool excludeSignType) =>
        string.Join('&', parameters
            .Where(p => p.Key != "sign" && !(excludeSignType && p.Key == "sign_type") && !string.IsNullOrEmpty(p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));

    /// <summary>SHA256withRSA of <paramref name="content"/> with the application key (PEM or bare base64), base64.</summary>
    public static string Sign(string privateKey, string content)
    {
        using var rsa = AlipayKeys.PrivateKey(privateKey);
        return Convert.ToBase64String(rsa.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>Whether <paramref name="signature"/> is Alipay's SHA256withRSA signature of <paramref name="content"/> (key as PEM or bare base64).</summary>
    public static bool Verify(string publicKey, string content, string? signature)
    {
        if (string.IsNullOrEmpty(signature)) return false;
        var bytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature, bytes, out var length)) return false;
        using var rsa = AlipayKeys.PublicKey(publicKey);
        return rsa.VerifyData(Encoding.UTF8.GetBytes(content), bytes.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>
    /// The exact text of the top-level property <paramref name="name"/> in an answer, which its <c>sign</c> covers
    /// (re-serialising would change spacing or escapes and break the signature), or null.
    /// </summary>
    public static string? RawProperty(string json, string name)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (match) return Encoding.UTF8.GetString(utf8, start, (int)reader.BytesConsumed - start);
        }
        return null;
    }
}
