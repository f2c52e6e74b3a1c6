using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mall.Testing;

namespace Mall.Web.Tests;

/// <summary>Freight templates (运费模板) price checkout quotes: by piece or weight, per region, free thresholds, exclusions.</summary>
public class ShippingTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Freight_templates_price_quotes_by_piece_and_weight_per_region_with_free_thresholds_and_exclusions(string provider)
    {
        await using var app = await MallApp.StartAsync(provider);
        var (pieceProduct, pieceSku) = await ProductAsync(app, price: 12.34m, weightGrams: 100);
        var (_, weightSku) = await ProductAsync(app, price: 5m, weightGrams: 800);
        using var shopper = await app.ShopperAsync("13400000001");
        async Task<decimal> ShippingAsync(string? region, params (long Sku, int Quantity)[] lines)
        {
            var response = await shopper.PostAsJsonAsync("/api/v1/checkout/quote", new { lines = lines.Select(l => new { skuId = l.Sku, quantity = l.Quantity }), regionCode = region });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            return JsonDocument.Parse(text).RootElement.GetProperty("shippingFee").GetDecimal();
        }
        Assert.Equal(0m, await ShippingAsync("310101", (pieceSku, 3)));   // no templates yet: free

        var byPiece = await app.PostOkAsync("/api/admin/shipping/freight-templates", new
        {
            name = "By piece", chargeBy = "piece",
            defaultCharge = new { firstUnits = 1, firstFee = 10m, additionalUnits = 1, additionalFee = 5m },
            rules = new[] { new { regionCodes = new[] { "110000" }, charge = new { firstUnits = 1, firstFee = 8m, additionalUnits = 1, additionalFee = 2m } } },
            freeOverAmount = 100m,
            excludedRegions = new[] { "540000" },
        });
        await app.PostOkAsync("/api/admin/shipping/freight-templates", new
        {
            name = "By weight", chargeBy = "weight", isDefault = true,
            defaultCharge = new { firstUnits = 1000, firstFee = 12m, additionalUnits = 500, additionalFee = 3m },
        });
        using (var assign = await app.Admin.PutAsJsonAsync($"/api/admin/catalog/products/{pieceProduct}/freight-template", new { templateId = byPiece.GetProperty("id").GetInt64() }))
            Assert.Equal(HttpStatusCode.NoContent, assign.StatusCode);

        Assert.Equal(20m, await ShippingAsync("310101", (pieceSku, 3)));          // 10 + 2 × 5
        Assert.Equal(12m, await ShippingAsync("110105", (pieceSku, 3)));          // Beijing (province rule): 8 + 2 × 2
        Assert.Equal(0m, await ShippingAsync("110105", (pieceSku, 9)));           // 111.06 ≥ 100: free
        Assert.Equal(20m, await ShippingAsync(null, (pieceSku, 3)));              // no address yet: the default charge
        Assert.Equal(18m, await ShippingAsync("310101", (weightSku, 2)));         // default template, 1600 g: 12 + 2 × 3
        Assert.Equal(38m, await ShippingAsync("310101", (pieceSku, 3), (weightSku, 2)));

        var excluded = await shopper.PostAsJsonAsync("/api/v1/checkout/quote", new { lines = new[] { new { skuId = pieceSku, quantity = 1 } }, regionCode = "540102" });
        Assert.Equal(HttpStatusCode.BadRequest, excluded.StatusCode);
        Assert.Contains("not delivered", await excluded.Content.ReadAsStringAsync());

        // The order pays what the quote said.
        var address = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/me/addresses", new { receiver = "A", phone = "13400000001", regionCode = "110105", detail = "x" });
        var order = await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/orders", new { lines = new[] { new { skuId = pieceSku, quantity = 3 } }, addressId = address.GetProperty("id").GetInt64() });
        Assert.Equal(12m, order.GetProperty("shippingFee").GetDecimal());
        Assert.Equal(37.02m + 12m, order.GetProperty("total").GetDecimal());

        // A template in use cannot be deleted; bad input writes nothing.
        Assert.Equal(HttpStatusCode.Conflict, (await app.Admin.DeleteAsync($"/api/admin/shipping/freight-templates/{byPiece.GetProperty("id").GetInt64()}")).StatusCode);
        var before = await app.CountAsync("mall_freight_template");
        string[] bad =
        [
            """{"name":"","chargeBy":"piece","defaultCharge":{"firstUnits":1,"firstFee":1,"additionalUnits":1,"additionalFee":1}}""",
            """{"name":"x","chargeBy":"piece"}""",
            """{"name":"x","chargeBy":"piece","defaultCharge":{"firstUnits":0,"firstFee":1,"additionalUnits":1,"additionalFee":1}}""",
            """{"name":"x","chargeBy":"piece","defaultCharge":{"firstUnits":1,"firstFee":-1,"additionalUnits":1,"additionalFee":1}}""",
            """{"name":"x","chargeBy":"piece","defaultCharge":{"firstUnits":1,"firstFee":1.001,"additionalUnits":1,"additionalFee":1}}""",
            """{"name":"x","chargeBy":"piece","defaultCharge":{"firstUnits":1,"firstFee":1,"additionalUnits":1,"additionalFee":1},"excludedRegions":["Tibet"]}""",
            """{"name":"x","chargeBy":"piece","defaultCharge":{"firstUnits":1,"firstFee":1,"additionalUnits":1,"additionalFee":1},"rules":[{"regionCodes":[],"charge":{"firstUnits":1,"firstFee":1,"additionalUnits":1,"additionalFee":1}}]}""",
            """{"name":"x","chargeBy":"volume","defaultCharge":{"firstUnits":1,"firstFee":1,"additionalUnits":1,"additionalFee":1}}""",
            """{"name":"x","chargeBy":"piece","defaultCharge":{"firstUnits":1,"firstFee":1,"additionalUnits":1,"additionalFee":1},"freeOverCount":0}""",
            """{"name":"x",""",
        ];
        foreach (var body in bad)
        {
            var response = await app.Admin.PostAsync("/api/admin/shipping/freight-templates", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{body} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(before, await app.CountAsync("mall_freight_template"));
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.PutAsJsonAsync($"/api/admin/catalog/products/{pieceProduct}/freight-template", new { templateId = 999999 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin.PutAsJsonAsync("/api/admin/catalog/products/999999/freight-template", new { templateId = (long?)null })).StatusCode);
    }

    private static async Task<(long ProductId, long SkuId)> ProductAsync(MallApp app, decimal price, int weightGrams)
    {
        var category = await app.PostOkAsync("/api/admin/catalog/categories", new { name = "Ship" });
        var product = await app.PostOkAsync("/api/admin/catalog/products", new
        {
            name = "Ship product", categoryId = category.GetProperty("id").GetInt64(),
            skus = new[] { new { code = "SHIP-" + Guid.NewGuid().ToString("N")[..8], price, stock = 50, weightGrams } },
        });
        var id = product.GetProperty("id").GetInt64();
        await app.PostOkAsync($"/api/admin/catalog/products/{id}/publish", new { });
        return (id, product.GetProperty("skus")[0].GetProperty("id").GetInt64());
    }
}
