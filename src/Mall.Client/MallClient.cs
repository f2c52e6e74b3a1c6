using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mall.Client;

/// <summary>
/// Mall's HTTP API, typed: one method per operation of the OpenAPI document (named after its operation id, e.g.
/// <c>PostOrdersAsync</c>, <c>GetAdminCatalogProductsByIdAsync</c>). Give it an <see cref="HttpClient"/> whose
/// <see cref="HttpClient.BaseAddress"/> is the mall and, for a shopper's or an admin's calls, whose
/// <c>Authorization</c> header carries the bearer token from <see cref="PostAuthLoginAsync"/> or
/// <see cref="PostAdminAuthLoginAsync"/>. An error answer throws <see cref="MallApiException{TResult}"/> of
/// <see cref="ProblemDetails"/> (status, title, detail, Mall's code and per-field errors).
/// </summary>
public partial class MallClient
{
    // Enums travel as camelCase names, as the server writes them.
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings)
    {
        settings.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        settings.PropertyNameCaseInsensitive = true;
        settings.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
