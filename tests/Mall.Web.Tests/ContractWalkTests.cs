using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Mall.Data;
using Mall.Testing;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests;

/// <summary>
/// Walks the OpenAPI document and sends every operation that takes a body what hostile clients send: a duplicate
/// property, a name that is not UTF-8, malformed JSON, the wrong or a missing Content-Type, and an empty object.
/// Every answer must be a 4xx problem+json (never a 5xx, never a plain 404), a missing required field must be named in
/// <c>errors</c>, what validation calls required the document must call required too, and nothing may be written.
/// </summary>
public class ContractWalkTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Every_operation_answers_bad_bodies_with_problem_details_and_the_document_and_validation_agree_on_required_fields(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        // Plugin endpoints are walked too.
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage("Mall.Plugins.GroupBuy"));
        await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Mall.Plugins.GroupBuy/install?enable=true");
        using var shopper = await app.ShopperAsync("13700000001");
        var document = JsonDocument.Parse(await (await app.Anonymous.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync()).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var before = await RowCountsAsync(app, provider);

        var failures = new List<string>();
        var walked = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
        foreach (var operation in path.Value.EnumerateObject())
        {
            if (!operation.Value.TryGetProperty("requestBody", out var body)) continue;
            var method = new HttpMethod(operation.Name.ToUpperInvariant());
            // Ids that exist nowhere: nothing a request gets past validation can change anything.
            var url = System.Text.RegularExpressions.Regex.Replace(path.Name, "\\{[^}]+\\}", "999999");
            var client = path.Name.StartsWith("/api/admin/", StringComparison.Ordinal) ? app.Admin : shopper;
            var content = body.GetProperty("content").EnumerateObject().ToList();
            var json = content.FirstOrDefault(c => c.Name == "application/json");
            walked++;

            async Task<(HttpStatusCode Status, JsonElement? Problem)> SendAsync(string what, byte[] bytes, string? contentType)
            {
                using var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(bytes) };
                if (contentType is not null) request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status >= 500) failures.Add($"{method} {path.Name} ({what}): {status} {text}");
                else if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    failures.Add($"{method} {path.Name} ({what}): {status} as {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not problem details");
                JsonElement? problem = status >= 400 && text.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                    ? JsonDocument.Parse(text).RootElement.Clone() : null;
                return (response.StatusCode, problem);
            }

            // The wrong Content-Type (curl's default) and none at all: 415 naming what the operation takes.
            foreach (var (what, type) in new[] { ("form-encoded", "application/x-www-form-urlencoded"), ("no content type", (string?)null) })
            {
                var (status, problem) = await SendAsync(what, "{}"u8.ToArray(), type);
                if (content.Any(c => c.Name == type)) continue;
                if (status != HttpStatusCode.UnsupportedMediaType && !(type is null && status == HttpStatusCode.BadRequest))
                    failures.Add($"{method} {path.Name} ({what}): {(int)status}, not 415");
                else if (status == HttpStatusCode.UnsupportedMediaType && problem?.GetProperty("detail").GetString()?.Contains(content[0].Name) != true)
                    failures.Add($"{method} {path.Name} ({what}): the 415 does not name {content[0].Name}");
            }
            if (json.Value.ValueKind == JsonValueKind.Undefined) continue;

            var schema = Resolve(schemas, json.Value.GetProperty("schema"));
            var properties = schema.TryGetProperty("properties", out var props) ? props.EnumerateObject().Select(p => p.Name).ToList() : [];
            var required = schema.TryGetProperty("required", out var req) ? req.EnumerateArray().Select(r => r.GetString()!).ToHashSet() : [];
            var first = properties.FirstOrDefault() ?? "a";
            var badName = new byte[] { (byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}' };
            foreach (var (what, bytes) in new[]
            {
                ("duplicate property", Encoding.UTF8.GetBytes($"{{\"{first}\":null,\"{first}\":null}}")),
                ("invalid UTF-8 name", badName),
                ("malformed JSON", "{\"a\":"u8.ToArray()),
                ("not an object", "[1,2,3]"u8.ToArray()),
            })
            {
                var (status, _) = await SendAsync(what, bytes, "application/json");
                if ((int)status is < 400 or >= 500) failures.Add($"{method} {path.Name} ({what}): {(int)status}, not a 4xx");
            }

            // {}: every required field is named; every field validation calls required is required in the document.
            var (emptyStatus, emptyProblem) = await SendAsync("{}", "{}"u8.ToArray(), "application/json");
            var errors = emptyProblem is { } p && p.TryGetProperty("errors", out var e) ? e.EnumerateObject().ToDictionary(x => x.Name, x => x.Value.EnumerateArray().Select(m => m.GetString()!).ToList(), StringComparer.OrdinalIgnoreCase) : [];
            if (required.Count > 0)
            {
                if (emptyStatus != HttpStatusCode.BadRequest) failures.Add($"{method} {path.Name} ({{}}): {(int)emptyStatus}, though {string.Join(", ", required)} are required");
                foreach (var name in required.Where(r => !errors.ContainsKey(r)))
                    failures.Add($"{method} {path.Name} ({{}}): the required '{name}' is not named in errors ({string.Join(", ", errors.Keys)})");
            }
            foreach (var (name, messages) in errors)
                if (messages.Contains("is required.") && properties.Contains(name, StringComparer.OrdinalIgnoreCase) && !required.Contains(name, StringComparer.OrdinalIgnoreCase))
                    failures.Add($"{method} {path.Name}: validation requires '{name}', the document does not");
        }

        // Plugin endpoints are not in the document (they come and go at run time): the same bad bodies, from the router's list.
        var described = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        var pluginOperations = app.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is { ContentTypes.Count: > 0 })
            .Select(e => (Pattern: "/" + System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.Trim('/'), ":[^}]+\\}", "}"),
                Methods: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Pattern.StartsWith("/api/", StringComparison.Ordinal) && !described.Contains(e.Pattern))
            .ToList();
        Assert.Contains(pluginOperations, o => o.Pattern.StartsWith("/api/plugins/groupbuy/", StringComparison.Ordinal));
        foreach (var (pattern, methods) in pluginOperations)
        foreach (var verb in methods)
        {
            var url = System.Text.RegularExpressions.Regex.Replace(pattern, "\\{[^}]+\\}", "999999");
            var client = pattern.StartsWith("/api/admin/", StringComparison.Ordinal) ? app.Admin : shopper;
            foreach (var (what, bytes, type) in new[]
            {
                ("duplicate property", "{\"a\":1,\"a\":2}"u8.ToArray(), (string?)"application/json"),
                ("invalid UTF-8 name", new byte[] { (byte)'{', (byte)'"', 0xff, (byte)'"', (byte)':', (byte)'1', (byte)'}' }, "application/json"),
                ("malformed JSON", "{\"a\":"u8.ToArray(), "application/json"),
                ("form-encoded", "{}"u8.ToArray(), "application/x-www-form-urlencoded"),
            })
            {
                using var request = new HttpRequestMessage(new HttpMethod(verb), url) { Content = new ByteArrayContent(bytes) };
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(type!);
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                if (status is < 400 or >= 500 || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    failures.Add($"plugin {verb} {pattern} ({what}): {status} as {response.Content.Headers.ContentType?.MediaType}");
                else if (what == "form-encoded" && status != 415) failures.Add($"plugin {verb} {pattern} ({what}): {status}, not 415");
            }
            walked++;
        }

        Assert.True(walked > 35, $"only {walked} operations with a body were walked");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var after = await RowCountsAsync(app, provider);
        var changed = after.Where(t => !before.TryGetValue(t.Key, out var n) || n != t.Value).Select(t => $"{t.Key}: {before.GetValueOrDefault(t.Key)} → {t.Value}").ToList();
        // Audited requests name themselves: which one wrote.
        if (changed.Count > 0)
            await using (var connection = await app.Services.GetRequiredService<IMallDatabase>().OpenConnectionAsync())
                changed.AddRange((await Dapper.SqlMapper.QueryAsync<string>(connection, "SELECT action FROM mall_audit ORDER BY id")).Skip((int)before.GetValueOrDefault("mall_audit")));
        Assert.True(changed.Count == 0, "bad bodies wrote rows: " + string.Join(", ", changed));
    }

    private static JsonElement Resolve(JsonElement schemas, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;

    /// <summary>Row counts of every Mall table, to prove that nothing was written.</summary>
    private static async Task<Dictionary<string, long>> RowCountsAsync(MallApp app, string provider)
    {
        var database = app.Services.GetRequiredService<IMallDatabase>();
        await using var connection = await database.OpenConnectionAsync();
        var tables = (await connection.QueryAsync<string>(provider switch
        {
            "Sqlite" => "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'mall%'",
            "MySql" => "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'mall%'",
            _ => "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'mall%'",
        })).ToList();
        var counts = new Dictionary<string, long>();
        foreach (var table in tables) counts[table] = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
        return counts;
    }
}
