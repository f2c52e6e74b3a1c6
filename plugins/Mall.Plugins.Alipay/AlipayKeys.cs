using System.Security.Cryptography;

namespace Mall.Plugins.Alipay;

/// <summary>
/// RSA keys as merchants have them: PEM with header lines, or the bare base64 that Alipay's console and key tool
/// hand out (PKCS #8 or PKCS #1 private keys; SubjectPublicKeyInfo or PKCS #1 public keys).
/// </summary>
public static class AlipayKeys
{
    /// <summary>The application private key.</summary>
    /// <exception cref="FormatException">Neither PEM nor a base64 PKCS #8 / PKCS #1 RSA private key.</exception>
    public static RSA PrivateKey(string text) => Import(text, private_: true);

    /// <summary>The Alipay public key.</summary>
    /// <exception cref="FormatException">Neither PEM nor a base64 SubjectPublicKeyInfo / PKCS #1 RSA public key.</exception>
    public static RSA PublicKey(string text) => Import(text, private_: false);

    /// <summary>Null when <paramref name="text"/> is a usable key of the kind asked, else why not.</summary>
    public static string? Problem(string text, bool privateKey)
    {
        try
        {
            using var key = Import(text, privateKey);
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }

    private static RSA Import(string text, bool private_)
    {
        var what = private_ ? "an RSA private key (PEM, or the base64 PKCS #8 / PKCS #1 key Alipay's key tool gives)" : "an RSA public key (PEM, or the base64 key Alipay's console shows)";
        var trimmed = text.Trim();
        var rsa = RSA.Create();
        try
        {
            if (trimmed.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                rsa.ImportFromPem(trimmed);
                if (private_) rsa.ExportParameters(includePrivateParameters: true);
                return rsa;
            }
            var der = new byte[trimmed.Length];
            if (!Convert.TryFromBase64String(string.Concat(trimmed.Where(c => !char.IsWhiteSpace(c))), der, out var length) || length == 0)
                throw new FormatException($"is not {what}: it is neither PEM nor base64.");
            var bytes = der[..length];
            if (private_)
            {
                if (!TryImport(() => rsa.ImportPkcs8PrivateKey(bytes, out _)) && !TryImport(() => rsa.ImportRSAPrivateKey(bytes, out _)))
                    throw new FormatException($"is not {what}.");
            }
            else if (!TryImport(() => rsa.ImportSubjectPublicKeyInfo(bytes, out _)) && !TryImport(() => rsa.ImportRSAPublicKey(bytes, out _)))
            {
                throw new FormatException($"is not {what}.");
            }
            return rsa;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            throw new FormatException($"is not {what}: {ex.Message}", ex);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static bool TryImport(Action import)
    {
        try
        {
            import();
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
