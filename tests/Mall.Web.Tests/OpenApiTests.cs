using System.Net;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

public class OpenApiTests
{
    [Fact]
    public async Task The_OpenAPI_document_describes_every_Mall_endpoint_with_its_responses_and_auth()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        var response = await app.Anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Mall-Admin-Key", schemes.GetProperty("AdminKey").GetProperty("name").GetString());

        var operations = document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name, Operation: o.Value)))
            .ToList();
        Assert.True(operations.Count > 40, $"only {operations.Count} operations described");
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, method, operation) in operations)
        {
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.True(responses.Any(r => r.StartsWith('2')), $"{method} {path} has no success response");
            Assert.Contains("400", responses);
            // A summary and a unique operation id (the generated clients' method names), and errors as problem details.
            Assert.False(string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var summary) ? summary.GetString() : null), $"{method} {path} has no summary");
            Assert.True(operationIds.Add(operation.GetProperty("operationId").GetString()!), $"{method} {path} repeats an operation id");
            foreach (var error in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                Assert.True(error.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out _), $"{method} {path} answers {error.Name} without problem details");
            var secured = operation.TryGetProperty("security", out var security) ? security.EnumerateArray().SelectMany(s => s.EnumerateObject().Select(o => o.Name)).ToList() : [];
            if (path.StartsWith("/api/admin/", StringComparison.Ordinal) && !path.StartsWith("/api/admin/auth/", StringComparison.Ordinal))
            {
                Assert.Contains("Bearer", secured);
                Assert.Contains("AdminKey", secured);
                Assert.Contains("401", responses);
                Assert.Contains("403", responses);
            }
            if (path.StartsWith("/api/v1/orders", StringComparison.Ordinal) || path.StartsWith("/api/v1/me", StringComparison.Ordinal))
                Assert.Equal(["Bearer"], secured);
        }
        // Money is decimal in the document, so that clients do not turn it into floating point.
        var price = document.GetProperty("components").GetProperty("schemas").GetProperty("ProductSummary").GetProperty("properties").GetProperty("minPrice");
        Assert.Equal("decimal", price.GetProperty("format").GetString());
        var order = document.GetProperty("paths").GetProperty("/api/v1/orders").GetProperty("post");
        Assert.Contains(order.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.True(order.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));

        // NSwag's Swagger UI over this document, every script and style served by the host (nothing from a CDN).
        var entry = await app.Anonymous.GetAsync("/swagger");
        Assert.Equal(HttpStatusCode.OK, entry.StatusCode);
        Assert.EndsWith("/swagger/index.html?url=/openapi/v1.json", entry.RequestMessage!.RequestUri!.PathAndQuery);
        var html = await entry.Content.ReadAsStringAsync();
        Assert.Contains("swagger-ui", html);
        var assets = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("./swagger-ui-bundle.js", assets);
        foreach (var asset in assets)
        {
            Assert.False(asset.Contains("//", StringComparison.Ordinal), $"the UI loads {asset} from outside the host");
            Assert.Equal(HttpStatusCode.OK, (await app.Anonymous.GetAsync($"/swagger/{asset.TrimStart('.', '/')}")).StatusCode);
        }
    }
}
