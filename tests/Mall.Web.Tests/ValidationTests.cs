using System.Net;
using System.Text;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

/// <summary>Every bad admin input gets a 4xx problem-details answer that names the problem, and writes nothing.</summary>
public class ValidationTests
{
    private static readonly string LongName = new('x', 201);

    /// <summary>(what is wrong, method, url, body, expected status, text the problem must mention).</summary>
    private static IEnumerable<(string Case, string Method, string Url, string Body, HttpStatusCode Status, string Mentions)> Cases(long categoryId, long productId)
    {
        string Product(string skus, string extra = "", string specs = "[{\"name\":\"Size\",\"values\":[\"M\",\"L\"]}]") =>
            $$"""{"name":"Shirt","categoryId":{{categoryId}},"specs":{{specs}},"skus":{{skus}}{{extra}}}""";
        const string goodSku = """{"code":"NEW-1","specValues":["M"],"price":10,"stock":1}""";

        yield return ("negative price", "POST", "/api/admin/catalog/products", Product("""[{"code":"N1","specValues":["M"],"price":-1,"stock":1}]"""), HttpStatusCode.BadRequest, "skus[0].price");
        yield return ("three decimals", "POST", "/api/admin/catalog/products", Product("""[{"code":"N1","specValues":["M"],"price":1.005,"stock":1}]"""), HttpStatusCode.BadRequest, "two decimal");
        yield return ("negative stock", "POST", "/api/admin/catalog/products", Product("""[{"code":"N1","specValues":["M"],"price":1,"stock":-5}]"""), HttpStatusCode.BadRequest, "skus[0].stock");
        yield return ("negative member price", "POST", "/api/admin/catalog/products", Product("""[{"code":"N1","specValues":["M"],"price":1,"memberPrice":-2,"stock":1}]"""), HttpStatusCode.BadRequest, "memberPrice");
        yield return ("unknown category", "POST", "/api/admin/catalog/products", Product($"[{goodSku}]").Replace($"\"categoryId\":{categoryId}", "\"categoryId\":999999"), HttpStatusCode.BadRequest, "Category 999999 does not exist");
        yield return ("unknown brand", "POST", "/api/admin/catalog/products", Product($"[{goodSku}]", ",\"brandId\":424242"), HttpStatusCode.BadRequest, "Brand 424242");
        yield return ("duplicate SKU code of another product", "POST", "/api/admin/catalog/products", Product("""[{"code":"TAKEN-1","specValues":["M"],"price":1,"stock":1}]"""), HttpStatusCode.Conflict, "TAKEN-1");
        yield return ("duplicate SKU code in one request", "POST", "/api/admin/catalog/products", Product("""[{"code":"D1","specValues":["M"],"price":1},{"code":"D1","specValues":["L"],"price":1}]"""), HttpStatusCode.BadRequest, "more than once");
        yield return ("spec value not in dimension", "POST", "/api/admin/catalog/products", Product("""[{"code":"S1","specValues":["XXL"],"price":1}]"""), HttpStatusCode.BadRequest, "not a value of dimension");
        yield return ("wrong number of spec values", "POST", "/api/admin/catalog/products", Product("""[{"code":"S1","specValues":["M","Red"],"price":1}]"""), HttpStatusCode.BadRequest, "one per spec dimension");
        yield return ("same combination twice", "POST", "/api/admin/catalog/products", Product("""[{"code":"S1","specValues":["M"],"price":1},{"code":"S2","specValues":["M"],"price":1}]"""), HttpStatusCode.BadRequest, "appears more than once");
        yield return ("no SKUs", "POST", "/api/admin/catalog/products", Product("[]"), HttpStatusCode.BadRequest, "skus");
        yield return ("oversized name", "POST", "/api/admin/catalog/products", Product($"[{goodSku}]").Replace("\"name\":\"Shirt\"", $"\"name\":\"{LongName}\""), HttpStatusCode.BadRequest, "at most 200");
        yield return ("oversized SKU code", "POST", "/api/admin/catalog/products", Product($$"""[{"code":"{{new string('c', 65)}}","specValues":["M"],"price":1}]"""), HttpStatusCode.BadRequest, "skus[0].code");
        yield return ("bad image URL", "POST", "/api/admin/catalog/products", Product($"[{goodSku}]", ",\"images\":[\"javascript:alert(1)\"]"), HttpStatusCode.BadRequest, "images[0]");
        yield return ("malformed JSON", "POST", "/api/admin/catalog/products", """{"name":"Shirt","skus":[{"code":""", HttpStatusCode.BadRequest, "JSON");
        yield return ("wrong JSON type", "POST", "/api/admin/catalog/products", Product("""[{"code":"T1","specValues":["M"],"price":"cheap"}]"""), HttpStatusCode.BadRequest, "price");
        yield return ("empty body", "POST", "/api/admin/catalog/products", "", HttpStatusCode.BadRequest, "body");
        yield return ("update: spec mismatch", "PUT", $"/api/admin/catalog/products/{productId}", Product("""[{"code":"TAKEN-1","specValues":["S"],"price":1}]"""), HttpStatusCode.BadRequest, "not a value of dimension");
        yield return ("update: unknown product", "PUT", "/api/admin/catalog/products/999999", Product($"[{goodSku}]"), HttpStatusCode.NotFound, "999999");
        yield return ("category: oversized name", "POST", "/api/admin/catalog/categories", $$"""{"name":"{{new string('n', 101)}}"}""", HttpStatusCode.BadRequest, "at most 100");
        yield return ("category: blank name", "POST", "/api/admin/catalog/categories", """{"name":"   "}""", HttpStatusCode.BadRequest, "name");
        yield return ("category: unknown parent", "POST", "/api/admin/catalog/categories", """{"name":"Child","parentId":777777}""", HttpStatusCode.BadRequest, "777777");
        yield return ("category: moved under itself", "PUT", $"/api/admin/catalog/categories/{categoryId}", $$"""{"name":"Loop","parentId":{{categoryId}}}""", HttpStatusCode.BadRequest, "under itself");
        yield return ("brand: duplicate name", "POST", "/api/admin/catalog/brands", """{"name":"Existing Brand"}""", HttpStatusCode.Conflict, "already exists");
        yield return ("brand: oversized description", "POST", "/api/admin/catalog/brands", $$"""{"name":"B2","description":"{{new string('d', 2001)}}"}""", HttpStatusCode.BadRequest, "description");
        yield return ("adjust: zero delta and no reason", "POST", "/api/admin/inventory/skus/{sku}/adjustments", """{"delta":0,"reason":"","reference":"R"}""", HttpStatusCode.BadRequest, "delta");
        yield return ("adjust: unknown SKU", "POST", "/api/admin/inventory/skus/999999/adjustments", """{"delta":1,"reason":"x","reference":"R"}""", HttpStatusCode.NotFound, "999999");
        yield return ("threshold: negative", "PUT", "/api/admin/inventory/skus/{sku}/low-stock-threshold", """{"threshold":-1}""", HttpStatusCode.BadRequest, "lowStockThreshold");
        yield return ("search: bad sort", "GET", "/api/admin/catalog/products?sort=cheapest", "", HttpStatusCode.BadRequest, "sort");
        yield return ("search: page size too big", "GET", "/api/v1/catalog/products?pageSize=1000", "", HttpStatusCode.BadRequest, "pageSize");
        yield return ("search: min above max", "GET", "/api/v1/catalog/products?minPrice=9&maxPrice=1", "", HttpStatusCode.BadRequest, "maxPrice");
        yield return ("search: not a number", "GET", "/api/v1/catalog/products?page=abc", "", HttpStatusCode.BadRequest, "page");
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Every_bad_input_is_rejected_with_problem_details_and_writes_nothing(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var category = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "Shirts" });
        var categoryId = category.GetProperty("id").GetInt64();
        await app.PostOkAsync("/api/admin/catalog/brands", new { name = "Existing Brand" });
        var existing = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "Existing", categoryId, specs = new[] { new { name = "Size", values = new[] { "M", "L" } } },
            skus = new[] { new { code = "TAKEN-1", specValues = new[] { "M" }, price = 5m, stock = 3 } },
        });
        var productId = existing.GetProperty("id").GetInt64();
        var skuId = existing.GetProperty("skus")[0].GetProperty("id").GetInt64();
        var before = await app.CountAllAsync();
        var failures = new List<string>();

        foreach (var (name, method, rawUrl, body, status, mentions) in Cases(categoryId, productId))
        {
            var url = rawUrl.Replace("{sku}", skuId.ToString());
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method != "GET") request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await app.Admin.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != status) failures.Add($"{name}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
            else if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") failures.Add($"{name}: not problem+json: {text}");
            else
            {
                var problem = JsonDocument.Parse(text).RootElement;
                if (problem.GetProperty("status").GetInt32() != (int)status) failures.Add($"{name}: status field wrong: {text}");
                if (!text.Contains(mentions, StringComparison.OrdinalIgnoreCase)) failures.Add($"{name}: message does not mention '{mentions}': {text}");
            }
            if (await app.CountAllAsync() != before) failures.Add($"{name}: rows were written");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        // Nothing changed on the existing product either.
        var unchanged = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/catalog/products/{productId}");
        Assert.Equal("Existing", unchanged.GetProperty("name").GetString());
        Assert.Equal(3, unchanged.GetProperty("skus")[0].GetProperty("stock").GetProperty("available").GetInt64());
    }
}
