using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mall.Testing;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;
using Mall.Web.Tests.Themes;

namespace Mall.Web.Tests;

/// <summary>
/// Every body Mall reads as free-form JSON (theme settings and sections, plugin settings, checkout extensions) and every
/// manifest inside an uploaded package: a duplicate property or bytes that are not UTF-8 are a 400 naming the problem,
/// and nothing is saved.
/// </summary>
public class FreeFormJsonTests
{
    private static readonly byte[] InvalidKey = [(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'"', (byte)'b', (byte)'"', (byte)'}'];

    [Fact]
    public async Task Duplicate_keys_and_invalid_UTF8_in_free_form_bodies_are_400s_that_say_so()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0]);
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage("Mall.Plugins.GroupBuy"));
        await PluginHostTests.PostOkAsync(app, "/api/admin/plugins/Mall.Plugins.GroupBuy/install?enable=true");
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 3m);
        using var shopper = await app.ShopperAsync("13700000002");
        var settingsBefore = await (await app.Admin.GetAsync("/api/admin/themes")).Content.ReadAsStringAsync();
        var pluginBefore = await (await app.Admin.GetAsync("/api/admin/plugins/Mall.Plugins.GroupBuy/settings")).Content.ReadAsStringAsync();

        var cases = new (HttpClient Client, HttpMethod Method, string Url, byte[] Body, string Mentions)[]
        {
            (app.Admin, HttpMethod.Put, "/api/admin/themes/default/settings", """{"storeName":"a","storeName":"b"}"""u8.ToArray(), "'storeName' appears twice"),
            (app.Admin, HttpMethod.Put, "/api/admin/themes/default/settings", InvalidKey, "not valid UTF-8"),
            (app.Admin, HttpMethod.Put, "/api/admin/themes/default/pages/home", """[{"type":"hero","settings":{"title":"a","title":"b"}}]"""u8.ToArray(), "'title' appears twice in $[0].settings"),
            (app.Admin, HttpMethod.Put, "/api/admin/themes/default/pages/home", Encoding.UTF8.GetBytes("[{\"type\":\"hero\",\"settings\":").Concat(InvalidKey).Append((byte)'}').Append((byte)']').ToArray(), "not valid UTF-8"),
            (app.Admin, HttpMethod.Put, "/api/admin/plugins/Mall.Plugins.GroupBuy/settings", """{"a":1,"a":2}"""u8.ToArray(), "'a' appears twice"),
            (app.Admin, HttpMethod.Put, "/api/admin/plugins/Mall.Plugins.GroupBuy/settings", InvalidKey, "not valid UTF-8"),
            (shopper, HttpMethod.Post, "/api/v1/orders", Encoding.UTF8.GetBytes($$$"""{"lines":[{"skuId":{{{sku}}},"quantity":1}],"extensions":{"k":"1","k":"2"}}"""), "Duplicate"),
            (shopper, HttpMethod.Post, "/api/v1/checkout/quote", Encoding.UTF8.GetBytes($$$"""{"lines":[{"skuId":{{{sku}}},"quantity":1}],"lines":[]}"""), "Duplicate"),
        };
        foreach (var (client, method, url, body, mentions) in cases)
        {
            using var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {url}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(mentions, JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString());
        }
        Assert.Equal(0, await app.CountAsync("mall_order"));
        Assert.Equal(settingsBefore, await (await app.Admin.GetAsync("/api/admin/themes")).Content.ReadAsStringAsync());
        Assert.Equal(pluginBefore, await (await app.Admin.GetAsync("/api/admin/plugins/Mall.Plugins.GroupBuy/settings")).Content.ReadAsStringAsync());

        // Manifests inside uploaded packages: theme.json, a locale file, plugin.json.
        foreach (var (package, mentions) in new[]
        {
            (ThemeTests.Theme("dup", manifest: """{ "name": "dup", "name": "other", "version": "1.0.0", "author": "t" }"""), "appears twice"),
            (Zip(("theme.json", Encoding.UTF8.GetBytes("""{ "name": "bad", "version": "1.0.0", "author": "t" }""").Concat(new byte[] { 0x20 }).ToArray()), ("locales/en.json", InvalidKey)), "not valid UTF-8"),
            (Zip(("theme.json", Encoding.UTF8.GetBytes("{ \"name\": \"bad\", \"version\": \"1.0.0\", \"author\": \"").Concat(new byte[] { 0xff }).Concat("\" }"u8.ToArray()).ToArray())), "not valid UTF-8"),
        })
        {
            using var content = new ByteArrayContent(package);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            using var response = await app.Admin.PostAsync("/api/admin/themes/check", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains(mentions, text);
        }
        using (var content = new ByteArrayContent(WithManifest(FakeGatewayProcess.PluginPackage("Mall.Plugins.GroupBuy"), m => m.Replace("\"name\":", "\"name\": \"x\", \"name\":"))))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            using var response = await app.Admin.PostAsync("/api/admin/plugins", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains("appears twice", text);
        }
    }

    /// <summary>A copy of a package with its plugin.json edited.</summary>
    private static byte[] WithManifest(string package, Func<string, string> edit)
    {
        using var buffer = new MemoryStream();
        buffer.Write(File.ReadAllBytes(package));
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true)) PluginBuilds.EditManifest(zip, edit);
        return buffer.ToArray();
    }

    private static byte[] Zip(params (string Path, byte[] Bytes)[] files)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (path, bytes) in files)
            {
                using var stream = zip.CreateEntry(path).Open();
                stream.Write(bytes);
            }
        return buffer.ToArray();
    }
}
