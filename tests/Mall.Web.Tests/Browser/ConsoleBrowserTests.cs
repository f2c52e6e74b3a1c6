using System.Net.Http.Json;
using System.Text.Json;
using Mall.Testing;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;

namespace Mall.Web.Tests.Browser;

/// <summary>
/// The merchant console (<c>/admin</c>, package Mall.Admin) in a real headless Chromium against a real host: what a
/// merchant does in a day, checked through the API and the storefront afterwards. Screenshots of each main screen
/// (desktop 1280×800, phone 390 wide) go to the test artifacts (<c>MALL_TEST_ARTIFACTS</c>, default
/// <c>artifacts/screenshots/admin</c>); docs/admin.md shows copies of them.
/// </summary>
public class ConsoleBrowserTests
{
    private static string Artifacts => Path.Combine(Environment.GetEnvironmentVariable("MALL_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir
        : Path.Combine(PluginBuilds.RepositoryRoot, "artifacts", "screenshots"), "admin");

    private static string Js(string value) => JsonSerializer.Serialize(value);

    /// <summary>Types into an Element Plus input (or the input inside the element <paramref name="selector"/> names) as a person would.</summary>
    // Element Plus tables render each column's cell template once more, with an empty row, in a hidden element before
    // the body: selectors of cells are scoped to .el-table__body.
    private static async Task TypeAsync(Chromium browser, string selector, string value, int index = 0)
    {
        await browser.WaitAsync($"document.querySelectorAll({Js(selector)}).length > {index}", $"{selector} to exist");
        await browser.EvalAsync($$"""
            (() => {
              const host = document.querySelectorAll({{Js(selector)}})[{{index}}];
              const input = host.matches('input, textarea') ? host : host.querySelector('input, textarea');
              input.focus();
              input.value = {{Js(value)}};
              input.dispatchEvent(new Event('input', { bubbles: true }));
              input.dispatchEvent(new Event('change', { bubbles: true }));
              input.blur();
            })()
            """);
    }

    /// <summary>Opens an Element Plus select (or tree select) and picks the option showing <paramref name="label"/>.</summary>
    private static async Task PickAsync(Chromium browser, string selector, string label)
    {
        await browser.ClickAsync($"{selector} .el-select__wrapper");
        var option = $"[...document.querySelectorAll('.el-select-dropdown__item, .el-tree-node__content')].find(e => e.offsetParent !== null && e.textContent.trim().startsWith({Js(label)}))";
        await browser.WaitAsync(option, $"the option {label}");
        await browser.EvalAsync($"{option}.click()");
    }

    private static Task ClickTextAsync(Chromium browser, string selector, string text) =>
        browser.EvalAsync($"[...document.querySelectorAll({Js(selector)})].find(e => e.textContent.includes({Js(text)})).click()");

    private static async Task SignInAsync(Chromium browser, string baseUrl, string user, string password)
    {
        await browser.EvalAsync("localStorage.clear(), sessionStorage.clear(), localStorage.setItem('mall_admin_locale', 'en')");
        await browser.GoAsync($"{baseUrl}/admin/login");
        await TypeAsync(browser, "#login-form [name=userName]", user);
        await TypeAsync(browser, "#login-form [name=password]", password);
        await browser.ClickAsync("#login-form button[type=submit]");
        await browser.WaitAsync("document.querySelector('[data-test=user]')", "the console after signing in");
    }

    private static async Task ShotAsync(Chromium browser, string name, bool phone = false)
    {
        // Charts and transitions settle first.
        await Task.Delay(400);
        await browser.ScreenshotAsync(Path.Combine(Artifacts, $"{name}-{(phone ? "phone" : "desktop")}.png"));
    }

    [Fact]
    public async Task A_merchant_builds_a_product_edits_prices_in_bulk_ships_refunds_installs_a_plugin_reorders_a_theme_and_creates_an_api_key()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], kestrel: true);
        var baseUrl = app.Anonymous.BaseAddress!.ToString().TrimEnd('/');
        await app.PostOkAsync("/api/admin/catalog/categories", new { name = "Apparel" });
        var bulkSkus = await ConsoleApiTests.ProductWithSkusAsync(app, 20);
        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(1280, 800, false);

        // Signing in: a wrong password says so, the right one opens the dashboard.
        await browser.GoAsync($"{baseUrl}/");
        await browser.EvalAsync($"location.href = {Js(baseUrl + "/admin")}");
        await browser.WaitAsync("location.pathname === '/admin/login' && document.querySelector('#login-form')", "the sign-in screen");
        await ShotAsync(browser, "login");
        await TypeAsync(browser, "#login-form [name=userName]", MallApp.AdminUser);
        await TypeAsync(browser, "#login-form [name=password]", "wrong-password");
        await browser.ClickAsync("#login-form button[type=submit]");
        await browser.WaitAsync("document.querySelector('[data-test=login-error]')", "the sign-in error");
        await SignInAsync(browser, baseUrl, MallApp.AdminUser, MallApp.AdminPassword);
        await browser.WaitAsync("document.querySelector('[data-test=trend-chart] canvas')", "the dashboard's charts");
        await ShotAsync(browser, "dashboard");

        // A product with a 2×3 matrix. Saved without a name first: the API's message shows by the name field, nothing is saved.
        await browser.GoAsync($"{baseUrl}/admin/catalog/products/new");
        await browser.WaitAsync("document.querySelector('#product-form')", "the product form");
        await PickAsync(browser, ".category-select", "Apparel");
        await browser.ClickAsync(".add-dimension");
        await browser.ClickAsync(".add-dimension");
        foreach (var (dimension, name, values) in new[] { (0, "Colour", new[] { "Red", "Blue" }), (1, "Size", new[] { "S", "M", "L" }) })
        {
            await TypeAsync(browser, $"[data-dimension='{dimension}'] .dimension-name", name);
            foreach (var value in values)
            {
                await TypeAsync(browser, $"[data-dimension='{dimension}'] .dimension-value", value);
                await browser.ClickAsync($"[data-dimension='{dimension}'] .add-value");
            }
        }
        await browser.WaitAsync("document.querySelectorAll('.sku-matrix .el-table__body .sku-code').length === 6", "six rows in the SKU matrix");
        Assert.Equal(6, (await browser.EvalAsync("document.querySelectorAll('.sku-matrix .el-table__body .sku-price').length"))!.GetValue<int>());
        for (var i = 0; i < 6; i++)
        {
            await TypeAsync(browser, ".sku-matrix .el-table__body .sku-code", $"TEE-{i}", i);
            await TypeAsync(browser, ".sku-matrix .el-table__body .sku-price", (59 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), i);
            await TypeAsync(browser, ".sku-matrix .el-table__body .sku-stock", "10", i);
        }
        await browser.ClickAsync("#product-form .save");
        await browser.WaitAsync("[...document.querySelectorAll('#product-form .el-form-item__error')].some(e => e.textContent.length > 0)", "the name's error by its field");
        await ShotAsync(browser, "product-error");
        Assert.Equal(1, await app.CountAsync("mall_product"));
        await TypeAsync(browser, "#product-form [name=name]", "Cotton tee 纯棉T恤");
        await browser.ClickAsync("#product-form .save");
        await browser.WaitAsync("/\\/admin\\/catalog\\/products\\/\\d+$/.test(location.pathname)", "the saved product");
        var productId = long.Parse((await browser.EvalAsync("location.pathname.split('/').pop()"))!.GetValue<string>());
        await ShotAsync(browser, "product");
        await browser.GoAsync($"{baseUrl}/admin/catalog/products");
        await browser.WaitAsync("document.querySelector('.products-table .el-table__body .publish')", "the product list");
        await ShotAsync(browser, "products");
        await browser.ClickAsync(".products-table .el-table__body .publish");
        await browser.WaitAsync("!document.querySelector('.products-table .el-table__body .publish')", "the product published");
        var storefront = "";
        await WithinAsync(async () =>
        {
            using var page = await app.Anonymous.GetAsync($"/products/{productId}");
            storefront = await page.Content.ReadAsStringAsync();
            return page.IsSuccessStatusCode;
        }, "the published product is not on the storefront");
        Assert.Equal("published", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/catalog/products/{productId}")).GetProperty("status").GetString());
        Assert.Contains("Cotton tee", storefront);
        Assert.Equal(6, System.Text.RegularExpressions.Regex.Matches(storefront, "data-sku-id=").Count);

        // Bulk edit: 20 SKUs to 33.00, previewed, then applied in one go.
        await browser.GoAsync($"{baseUrl}/admin/catalog/bulk");
        await TypeAsync(browser, ".bulk-keyword", "Bulk product");
        await browser.ClickAsync(".bulk-search");
        await browser.WaitAsync("document.querySelectorAll('.bulk-products .el-table__body tr').length === 1", "the product to choose");
        await browser.ClickAsync(".bulk-products .el-table__body .el-checkbox__original");
        await browser.ClickAsync(".bulk-load");
        await browser.WaitAsync("document.querySelectorAll('.bulk-skus .el-table__body .bulk-price').length === 20", "twenty SKU rows");
        await TypeAsync(browser, ".bulk-set-all", "33");
        await browser.ClickAsync(".bulk-fill");
        await browser.ClickAsync(".bulk-preview");
        await browser.WaitAsync("document.querySelector('.bulk-preview-result')?.textContent.includes('20')", "the preview of 20 changes");
        await ShotAsync(browser, "bulk-edit");
        Assert.Equal(10m, await SkuPriceAsync(app, bulkSkus[0]));
        await browser.ClickAsync(".bulk-apply");
        await WithinAsync(async () => await SkuPriceAsync(app, bulkSkus[19]) == 33m, "the bulk edit was not applied");
        foreach (var sku in bulkSkus) Assert.Equal(33m, await SkuPriceAsync(app, sku));

        // Stock: +7 with a reason; the ledger shows it.
        await browser.GoAsync($"{baseUrl}/admin/inventory");
        await TypeAsync(browser, ".inventory-sku", bulkSkus[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await browser.ClickAsync(".inventory-lookup");
        await browser.WaitAsync("document.querySelector('.stock-level')", "the stock level");
        await TypeAsync(browser, ".adjust-delta", "7");
        await TypeAsync(browser, ".adjust-reason", "stocktake 盘点");
        await browser.ClickAsync(".adjust-submit");
        await browser.WaitAsync("document.querySelector('.ledger').textContent.includes('stocktake')", "the adjustment in the ledger");
        Assert.Equal(57, await ShopperFlowTests.AvailableAsync(app, bulkSkus[0]));
        await ShotAsync(browser, "inventory");

        // An order placed through the API, shipped from the console with a tracking number, then refunded in part.
        using var shopper = await app.ShopperAsync("13600000001");
        using var place = ShopperFlowTests.OrderRequest(bulkSkus[1], 2, null);
        var order = await (await shopper.SendAsync(place)).Content.ReadFromJsonAsync<JsonElement>();
        var orderId = order.GetProperty("id").GetInt64();
        await ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/dev-pay");
        await browser.GoAsync($"{baseUrl}/admin/orders");
        await browser.WaitAsync($"document.body.textContent.includes({Js(order.GetProperty("number").GetString()!)})", "the order in the list");
        await ShotAsync(browser, "orders");
        await browser.GoAsync($"{baseUrl}/admin/orders/{orderId}");
        await browser.WaitAsync("document.querySelector('#ship-form')", "the ship form");
        await TypeAsync(browser, ".ship-carrier", "SF Express");
        await TypeAsync(browser, ".ship-tracking", "SF1234567890");
        await browser.ClickAsync(".ship-submit");
        await browser.WaitAsync("document.querySelector('.order-history [data-to=shipped]') && document.querySelector('.tracking')?.textContent.includes('SF1234567890')", "the shipment in the history");
        var shipped = await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}");
        Assert.Equal("shipped", shipped.GetProperty("status").GetString());
        Assert.Equal("SF1234567890", shipped.GetProperty("trackingNumber").GetString());
        // More than was paid: the API's message by the amount field, nothing refunded.
        await TypeAsync(browser, ".refund-amount", "9999");
        await TypeAsync(browser, ".refund-reason", "damaged box");
        await browser.ClickAsync(".refund-submit");
        await browser.WaitAsync("document.querySelector('[data-test=problem]')", "the refund's problem");
        Assert.Equal("captured", (await PaymentOfAsync(app, orderId)).GetProperty("status").GetString());
        await TypeAsync(browser, ".refund-amount", "5");
        await browser.ClickAsync(".refund-submit");
        await WithinAsync(async () => (await PaymentOfAsync(app, orderId)).GetProperty("status").GetString() == "partiallyRefunded", "the partial refund did not happen");
        await browser.WaitAsync("document.querySelector('.payments').textContent.includes('partiallyRefunded')", "the refund on the order screen");
        await ShotAsync(browser, "order");
        await browser.ViewportAsync(390, 844, true);
        await browser.GoAsync($"{baseUrl}/admin/orders/{orderId}");
        await browser.WaitAsync("document.querySelector('.order-history')", "the order on a phone");
        await ShotAsync(browser, "order", phone: true);
        await browser.GoAsync($"{baseUrl}/admin/orders");
        await browser.WaitAsync("document.querySelector('.menu-toggle')", "the phone menu");
        await ShotAsync(browser, "orders", phone: true);
        await browser.GoAsync($"{baseUrl}/admin/inventory");
        await ShotAsync(browser, "inventory", phone: true);
        await browser.ViewportAsync(1280, 800, false);

        // The shopper found by phone; the detail shows the address they saved.
        await ShopperFlowTests.PostOkAsync(shopper, "/api/v1/me/addresses", new { receiver = "王五", phone = "13600000001", regionCode = "310115", detail = "浦东新区 8 号" });
        await browser.GoAsync($"{baseUrl}/admin/customers");
        await TypeAsync(browser, ".customer-search", "1360000");
        await browser.EvalAsync("document.querySelector('.customer-search').closest('form').requestSubmit()");
        await browser.WaitAsync("document.querySelectorAll('.customer-list .el-table__body tr').length === 1 && document.querySelector('.customer-list .el-table__body').textContent.includes('13600000001')", "the shopper in the list");
        await browser.ClickAsync(".customer-list .el-table__body tr td");
        await browser.WaitAsync("document.querySelector('.customer-addresses .el-table__body')?.textContent.includes('浦东新区 8 号')", "the shopper's address");
        await ShotAsync(browser, "customers");

        // A promotion drafted in the form and quoted on a sample cart before it exists: 2 × 33.00, 满50减8 → 58.00.
        // The draft without a name is refused by the name field (the preview validates as a save would); nothing is saved.
        var promotionsBefore = await app.CountAsync("mall_promotion");
        await browser.GoAsync($"{baseUrl}/admin/marketing/promotions");
        await browser.ClickAsync(".promotion-new");
        await TypeAsync(browser, ".promotion-min-amount", "50");
        await TypeAsync(browser, ".promotion-value", "8");
        await TypeAsync(browser, ".preview-sku", bulkSkus[2].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await TypeAsync(browser, ".preview-quantity", "2");
        await browser.ClickAsync(".preview-run");
        await browser.WaitAsync("document.querySelector('.promotion-form .el-form-item.is-error .promotion-name')", "the draft's missing name by its field");
        await TypeAsync(browser, ".promotion-name", "满50减8");
        await browser.ClickAsync(".preview-run");
        await browser.WaitAsync("document.querySelector('.preview-total')?.textContent.includes('58.00') && document.querySelector('.preview-applied').textContent.includes('满50减8')", "the sample cart quoted with the draft");
        await ShotAsync(browser, "promotions");
        Assert.Equal(promotionsBefore, await app.CountAsync("mall_promotion"));
        await browser.ClickAsync(".promotion-save");
        await browser.WaitAsync("document.querySelector('.promotion-list .el-table__body')?.textContent.includes('满50减8')", "the saved promotion in the list");
        var rule = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/promotions")).EnumerateArray(), r => r.GetProperty("name").GetString() == "满50减8");
        Assert.Equal(8m, rule.GetProperty("value").GetDecimal());
        Assert.Equal(50m, rule.GetProperty("minAmount").GetDecimal());

        // A freight template with a region rule: a code that is not one is refused by that rule's field, nothing saved.
        var templatesBefore = await app.CountAsync("mall_freight_template");
        await browser.GoAsync($"{baseUrl}/admin/shipping");
        await browser.ClickAsync(".freight-new");
        await TypeAsync(browser, ".freight-name", "偏远加价");
        await browser.ClickAsync(".rule-add");
        await TypeAsync(browser, ".rule-codes", "540000, 65");
        await TypeAsync(browser, ".rule-firstFee", "20");
        await browser.ClickAsync(".freight-save");
        await browser.WaitAsync("document.querySelector('[data-rule=\"0\"] .el-form-item.is-error')?.textContent.includes('65')", "the bad region code by its rule");
        await ShotAsync(browser, "shipping");
        Assert.Equal(templatesBefore, await app.CountAsync("mall_freight_template"));
        await TypeAsync(browser, ".rule-codes", "540000, 650000");
        await browser.ClickAsync(".freight-save");
        await browser.WaitAsync("document.querySelector('.freight-list .el-table__body')?.textContent.includes('偏远加价')", "the saved template in the list");
        var template = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/shipping/freight-templates")).EnumerateArray(), t => t.GetProperty("name").GetString() == "偏远加价");
        var regionRule = Assert.Single(template.GetProperty("rules").EnumerateArray());
        Assert.Equal(["540000", "650000"], regionRule.GetProperty("regionCodes").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.Equal(20m, regionRule.GetProperty("charge").GetProperty("firstFee").GetDecimal());

        // A coupon template: a value of zero is refused by its field; 满50减5 is saved with its validity in days.
        var couponsBefore = await app.CountAsync("mall_coupon_template");
        await browser.GoAsync($"{baseUrl}/admin/marketing/coupons");
        await browser.ClickAsync(".coupon-new");
        await TypeAsync(browser, ".coupon-name", "新人券 满50减5");
        await TypeAsync(browser, ".coupon-value", "0");
        await browser.ClickAsync(".coupon-save");
        await browser.WaitAsync("document.querySelector('.coupon-form .el-form-item.is-error .coupon-value')", "the zero value by its field");
        Assert.Equal(couponsBefore, await app.CountAsync("mall_coupon_template"));
        await TypeAsync(browser, ".coupon-value", "5");
        await browser.ClickAsync(".coupon-save");
        await browser.WaitAsync("document.querySelector('.coupon-list .el-table__body')?.textContent.includes('新人券 满50减5')", "the saved coupon template in the list");
        var coupon = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, "/api/admin/coupons/templates")).EnumerateArray(), c => c.GetProperty("name").GetString() == "新人券 满50减5");
        Assert.Equal(5m, coupon.GetProperty("value").GetDecimal());
        Assert.Equal(7, coupon.GetProperty("validDays").GetInt32());

        // A plugin installed from its file; a bad setting is refused by its field, a good one saved.
        const string WeChatPay = "Mall.Plugins.WeChatPay";
        await browser.GoAsync($"{baseUrl}/admin/plugins");
        await browser.SetFileAsync(".plugin-file", FakeGatewayProcess.PluginPackage(WeChatPay));
        await browser.ClickAsync($"[data-plugin='{WeChatPay}'] .plugin-install");
        await browser.WaitAsync($"document.querySelector('[data-plugin-state=\"{WeChatPay}\"]')?.dataset.state === 'enabled'", "the plugin enabled");
        await browser.ClickAsync($"[data-plugin='{WeChatPay}'] .plugin-settings");
        await TypeAsync(browser, "[data-setting=apiV3Key] .setting-input", "too-short");
        await browser.ClickAsync(".settings-save");
        await browser.WaitAsync("document.querySelector('[data-setting=apiV3Key] .el-form-item__error')?.textContent.includes('32')", "the apiV3Key error by its field");
        await ShotAsync(browser, "plugin-settings");
        Assert.Equal("", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/plugins/{WeChatPay}/settings")).GetProperty("apiV3Key").GetString());
        await TypeAsync(browser, "[data-setting=apiV3Key] .setting-input", "0123456789abcdef0123456789abcdef");
        await TypeAsync(browser, "[data-setting=mchId] .setting-input", "1900000109");
        await browser.ClickAsync(".settings-save");
        await WithinAsync(async () => (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/plugins/{WeChatPay}/settings")).GetProperty("mchId").GetString() == "1900000109", "the settings were not saved");
        await browser.EvalAsync("document.querySelector('.el-dialog__headerbtn')?.click()");
        await browser.WaitAsync("!document.querySelector('.settings-form') || document.querySelector('.settings-form').offsetParent === null", "the settings dialog to close");
        await ShotAsync(browser, "plugins");

        // A theme of its own (built on the default), its home sections reordered (the product grid first), activated.
        using (var content = new ByteArrayContent(Themes.ThemeTests.Theme("spring", @base: "default")))
        {
            content.Headers.ContentType = new("application/zip");
            Assert.True((await app.Admin.PostAsync("/api/admin/themes", content)).IsSuccessStatusCode);
        }
        await browser.GoAsync($"{baseUrl}/admin/themes");
        await PickAsync(browser, ".theme-select", "spring");
        await browser.WaitAsync("document.querySelectorAll('.section-row').length === 3 && document.querySelector('.theme-activate')", "the spring theme's sections");
        await browser.EvalAsync("document.querySelector(\"[data-section='product-grid'] .section-up\").click()");
        await browser.EvalAsync("document.querySelector(\"[data-section='product-grid'] .section-up\").click()");
        await browser.WaitAsync("document.querySelector('.section-row').dataset.section === 'product-grid'", "the product grid first");
        await browser.ClickAsync(".section-save");
        await browser.ClickAsync(".theme-activate");
        await WithinAsync(async () =>
        {
            var home = await app.Anonymous.GetStringAsync("/");
            var grid = home.IndexOf("class=\"product-grid\"", StringComparison.Ordinal);
            var hero = home.IndexOf("class=\"hero\"", StringComparison.Ordinal);
            return grid >= 0 && hero > grid;
        }, "the storefront does not show the product grid first");
        await ShotAsync(browser, "themes");

        // An API key: its secret shown once, and the audit log has the creation.
        await browser.GoAsync($"{baseUrl}/admin/platform/api-keys");
        await TypeAsync(browser, ".api-key-name", "erp-bridge");
        await browser.ClickAsync("[data-scope='catalog:read'] .el-checkbox__original");
        await browser.ClickAsync(".api-key-create");
        await browser.WaitAsync("document.querySelector('[data-test=api-key-secret]')?.textContent.trim().length > 20", "the key's secret");
        var secret = (await browser.EvalAsync("document.querySelector('[data-test=api-key-secret]').textContent.trim()"))!.GetValue<string>();
        await ShotAsync(browser, "api-keys");
        await browser.GoAsync($"{baseUrl}/admin/platform/audit");
        await browser.WaitAsync("document.querySelector('.audit-table') && document.querySelector('.audit-table').textContent.includes('api-key')", "the key's creation in the audit log");
        await ShotAsync(browser, "audit");
        using var keyClient = OpenPlatform.ApiKeyTests.KeyClient(app, secret);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await keyClient.GetAsync("/api/admin/catalog/products")).StatusCode);

        // The other main screens on a phone (390 wide).
        await browser.ViewportAsync(390, 844, true);
        foreach (var (name, path, ready) in new[]
        {
            ("dashboard", "/admin/", "document.querySelector('[data-test=trend-chart] canvas')"),
            ("products", "/admin/catalog/products", "document.querySelector('.el-table__body tr')"),
            ("customers", "/admin/customers", "document.querySelector('.customer-list .el-table__body tr')"),
            ("promotions", "/admin/marketing/promotions", "document.querySelector('.promotion-list .el-table__body tr')"),
            ("plugins", "/admin/plugins", "document.querySelector('.page-header h2')"),
            ("themes", "/admin/themes", "document.querySelector('.page-header h2')"),
        })
        {
            await browser.GoAsync(baseUrl + path);
            await browser.WaitAsync(ready, $"the {name} screen on a phone");
            await ShotAsync(browser, name, phone: true);
        }
        await browser.ViewportAsync(1280, 800, false);

        // The console in Chinese.
        await browser.EvalAsync("localStorage.setItem('mall_admin_locale', 'zh-CN')");
        await browser.GoAsync($"{baseUrl}/admin/");
        await browser.WaitAsync("document.querySelector('[data-test=trend-chart] canvas') && document.documentElement.lang === 'zh-CN'", "the dashboard in Chinese");
        await ShotAsync(browser, "dashboard-zh");
    }

    [Fact]
    public async Task A_role_sees_only_its_menus_a_deep_link_elsewhere_is_not_allowed_and_plugin_screens_come_and_go_live()
    {
        await using var app = await MallApp.StartAsync(TestDatabase.Providers[0], kestrel: true);
        var baseUrl = app.Anonymous.BaseAddress!.ToString().TrimEnd('/');
        using var owner = await app.AdminByLoginAsync();
        foreach (var (name, role) in new[] { ("clerk", "orders"), ("buyer", "catalog") })
            await ShopperFlowTests.PostOkAsync(owner, "/api/admin/admins", new { userName = name, password = "admin-pass-1", roles = new[] { role } });
        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(1280, 800, false);

        // A fresh browser (cold cache): the sign-in screen; then, signed in and with the cache emptied again, the
        // dashboard. The times (from navigation start to the console's performance marks) are recorded for
        // docs/benchmarks.md, not asserted.
        await browser.GoAsync($"{baseUrl}/admin/login");
        var loginMs = await MarkAsync(browser, "mall-console-interactive");

        // Orders only: no catalog menu; the catalog by its address says "not allowed"; the API refuses it anyway.
        await SignInAsync(browser, baseUrl, "clerk", "admin-pass-1");
        await browser.WaitAsync("document.querySelector('[data-menu=orders]')", "the orders menu");
        await browser.ClearCacheAsync();
        await browser.GoAsync($"{baseUrl}/admin/");
        var dashboardMs = await MarkAsync(browser, "mall-console-interactive");
        var figuresMs = await MarkAsync(browser, "mall-dashboard-figures");
        Directory.CreateDirectory(Artifacts);
        await File.WriteAllTextAsync(Path.Combine(Artifacts, "console-timing.json"),
            JsonSerializer.Serialize(new { coldLoginInteractiveMs = loginMs, coldDashboardInteractiveMs = dashboardMs, coldDashboardFiguresMs = figuresMs }));
        Assert.False((await browser.EvalAsync("!!document.querySelector('[data-menu=catalog]')"))!.GetValue<bool>());
        Assert.False((await browser.EvalAsync("!!document.querySelector('[data-menu=plugins]')"))!.GetValue<bool>());
        await browser.EvalAsync($"location.href = {Js(baseUrl + "/admin/catalog/products")}");
        await browser.WaitAsync("location.pathname === '/admin/not-allowed' && document.querySelector('[data-test=not-allowed]')", "\"not allowed\"");
        Assert.Equal("/catalog/products", (await browser.EvalAsync("new URLSearchParams(location.search).get('from')"))!.GetValue<string>());
        await ShotAsync(browser, "not-allowed");
        var clerkToken = (await browser.EvalAsync("localStorage.getItem('mall_admin_token')"))!.GetValue<string>();
        using (var clerk = app.NewClient())
        {
            clerk.DefaultRequestHeaders.Authorization = new("Bearer", clerkToken);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await clerk.GetAsync("/api/admin/catalog/products")).StatusCode);
        }

        // Catalog: the plugin's screens appear when it is enabled (the console looks every few seconds) and go when disabled.
        await SignInAsync(browser, baseUrl, "buyer", "admin-pass-1");
        await browser.WaitAsync("document.querySelector('[data-menu=catalog]')", "the catalog menu");
        Assert.False((await browser.EvalAsync("!!document.querySelector('[data-plugin-screen]')"))!.GetValue<bool>());
        const string GroupBuy = "Mall.Plugins.GroupBuy";
        await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage(GroupBuy));
        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{GroupBuy}/install?enable=true");
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 50, price: 20m);
        await app.PostOkAsync("/api/plugins/groupbuy/admin/activities", new
        {
            name = "三人团 Team of three", skus = new[] { new { skuId, groupPrice = 12m } }, teamSize = 3, teamMinutes = 60, perUserLimit = 2, stockCap = 30,
        });
        await browser.WaitAsync($"document.querySelector('[data-plugin-screen=\"{GroupBuy}/activities\"]')", "the group-buy screen in the menu", seconds: 15);
        await browser.EvalAsync("document.querySelector('[data-menu=extensions] .el-sub-menu__title')?.click()");
        await browser.ClickAsync($"[data-plugin-screen=\"{GroupBuy}/activities\"]");
        await browser.WaitAsync("document.body.textContent.includes('Team of three')", "the activity in the plugin's list");
        await ShotAsync(browser, "plugin-screen");
        // The screen's create form, generated from the manifest: a team of one is refused by that field, nothing created; then a pair.
        await browser.ClickAsync(".plugin-screen-new");
        await TypeAsync(browser, ".plugin-screen-form [data-field=name]", "双人团 Pair");
        await TypeAsync(browser, ".plugin-screen-form [data-field=skus]", $"[{{\"skuId\": {skuId}, \"groupPrice\": 15}}]");
        await TypeAsync(browser, ".plugin-screen-form [data-field=teamSize]", "1");
        await browser.ClickAsync(".plugin-screen-submit");
        await browser.WaitAsync("document.querySelector('.plugin-screen-form [data-field=teamSize].is-error')", "the team size's error by its field");
        await ShotAsync(browser, "plugin-screen-form");
        Assert.Equal(1, (await CatalogApiTests.GetJsonAsync(app.Admin, "/api/plugins/groupbuy/admin/activities")).GetArrayLength());
        await TypeAsync(browser, ".plugin-screen-form [data-field=teamSize]", "2");
        await browser.ClickAsync(".plugin-screen-submit");
        await browser.WaitAsync("document.querySelector('.el-table__body')?.textContent.includes('双人团 Pair')", "the new activity in the plugin's list");
        var activities = await CatalogApiTests.GetJsonAsync(app.Admin, "/api/plugins/groupbuy/admin/activities");
        var pair = Assert.Single(activities.EnumerateArray(), a => a.GetProperty("name").GetString() == "双人团 Pair");
        Assert.Equal(2, pair.GetProperty("teamSize").GetInt32());
        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{GroupBuy}/disable");
        await browser.WaitAsync($"!document.querySelector('[data-plugin-screen=\"{GroupBuy}/activities\"]')", "the group-buy screen gone", seconds: 15);
    }

    [Fact]
    public async Task The_erp_sync_screen_shows_the_status_above_the_delivery_log_and_its_toolbar_pulls_pauses_and_resumes()
    {
        await using var erp = await OpenPlatform.FakeErpProcess.StartAsync(Mall.Plugins.ErpSync.Signing.HmacJsonSignatureScheme.SchemeName);
        await using var app = await OpenPlatform.ErpSyncTests.StartAsync(TestDatabase.Providers[0], erp);
        var baseUrl = app.Anonymous.BaseAddress!.ToString().TrimEnd('/');
        var (_, skuId) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 12m);
        using var shopper = await app.ShopperAsync("13600000099");
        var (_, number) = await OpenPlatform.ErpSyncTests.PaidOrderAsync(shopper, skuId);
        await WithinAsync(async () => (await OpenPlatform.ErpSyncTests.StatusAsync(app)).GetProperty("sent").GetInt64() == 1, "the paid order was not pushed");
        await using var browser = await Chromium.StartAsync();
        await browser.ViewportAsync(1280, 800, false);
        await browser.GoAsync($"{baseUrl}/admin/login");
        await SignInAsync(browser, baseUrl, MallApp.AdminUser, MallApp.AdminPassword);

        // The status (from the plugin's status endpoint) above the log of pushes.
        await browser.GoAsync($"{baseUrl}/admin/x/Mall.Plugins.ErpSync/pushes");
        await browser.WaitAsync($"document.querySelector('[data-summary=sent]')?.textContent.trim() === '1' && document.querySelector('.plugin-screen-table .el-table__body')?.textContent.includes({Js(number)})", "the status and the pushed order");

        // Pull now: a pull runs (its time moves on, on screen after a refresh).
        var before = (await OpenPlatform.ErpSyncTests.StatusAsync(app)).GetProperty("lastPullAt").ToString();
        await browser.ClickAsync("[data-toolbar=pull]");
        await WithinAsync(async () => (await OpenPlatform.ErpSyncTests.StatusAsync(app)).GetProperty("lastPullAt").ToString() != before, "the pull did not run");

        // Pause asks first, then the status says paused; resume undoes it.
        await browser.ClickAsync("[data-toolbar=pause]");
        await browser.WaitAsync("[...document.querySelectorAll('.el-popconfirm')].some(e => e.offsetParent !== null)", "the confirmation");
        await browser.EvalAsync("[...document.querySelectorAll('.el-popconfirm')].find(e => e.offsetParent !== null).querySelector('.el-button--primary').click()");
        await browser.WaitAsync("document.querySelector('[data-summary=paused]')?.textContent.trim() === 'Yes'", "paused on screen");
        Assert.True((await OpenPlatform.ErpSyncTests.StatusAsync(app)).GetProperty("paused").GetBoolean());
        await ShotAsync(browser, "erp-sync");
        await browser.ClickAsync("[data-toolbar=resume]");
        await browser.WaitAsync("document.querySelector('[data-summary=paused]')?.textContent.trim() === 'No'", "resumed on screen");
        Assert.False((await OpenPlatform.ErpSyncTests.StatusAsync(app)).GetProperty("paused").GetBoolean());
    }

    /// <summary>Milliseconds from navigation start to a performance mark the console sets.</summary>
    private static async Task<double> MarkAsync(Chromium browser, string mark)
    {
        await browser.WaitAsync($"performance.getEntriesByName({Js(mark)}).length > 0", $"the console's {mark} mark");
        return (await browser.EvalAsync($"performance.getEntriesByName({Js(mark)})[0].startTime"))!.GetValue<double>();
    }

    private static async Task<decimal> SkuPriceAsync(MallApp app, long skuId)
    {
        var productId = await app.ScalarAsync<long>("SELECT product_id FROM mall_sku WHERE id = @skuId", new { skuId });
        return (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/catalog/products/{productId}")).GetProperty("skus").EnumerateArray()
            .Single(s => s.GetProperty("id").GetInt64() == skuId).GetProperty("price").GetDecimal();
    }

    private static async Task<JsonElement> PaymentOfAsync(MallApp app, long orderId) =>
        (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}/payments")).EnumerateArray().First();

    private static async Task WithinAsync(Func<Task<bool>> condition, string failure) =>
        await Marketing.FlashSaleTests.WithinAsync(TimeSpan.FromSeconds(15), condition, failure);
}
