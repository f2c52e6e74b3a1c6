using System.Text.Json;

namespace Mall.Customers;

/// <summary>
/// Another way to log in (e.g. a WeChat mini-program <c>code</c>, an Alipay auth code, a one-time SMS code).
/// A plugin registers one; <c>POST /api/v1/auth/login/{name}</c> hands it the request body, and the shopper is
/// the account linked to the returned subject (created on first login).
/// </summary>
public interface IExternalLoginProvider
{
    /// <summary>URL-safe name, e.g. <c>wechat-miniprogram</c>.</summary>
    string Name { get; }

    /// <summary>Verifies the credentials in <paramref name="payload"/> (calling the provider as needed); null when they are not valid.</summary>
    Task<ExternalIdentity?> AuthenticateAsync(JsonElement payload, CancellationToken cancellationToken);
}
