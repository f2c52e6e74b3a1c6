using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mall.Plugins.GroupBuy;
using Mall.Testing;
using Mall.Web.Tests.Payments;
using Mall.Web.Tests.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Web.Tests.Marketing;

/// <summary>The group-buy (拼团) plugin hot-installed into a running host and used over HTTP, with real payments through the ledger.</summary>
public class GroupBuyTests
{
    private const string Plugin = "Mall.Plugins.GroupBuy";
    private const string Secret = "groupbuy-sandbox-secret";
    private const string Open = "groupbuy.activity";
    private const string Join = "groupbuy.team";

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_full_team_succeeds_and_its_orders_ship_only_then(string provider)
    {
        await using var fixture = await Fixture.StartAsync(provider);
        var app = fixture.App;
        var (productId, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 50m);
        await app.PostOkAsync("/api/admin/promotions", new { name = "立减5元", benefit = "goodsReduce", value = 5m });
        var activity = await CreateActivityAsync(app, sku, teamSize: 3, leaderDiscount: 1m, perUserLimit: 2);

        using var leader = await app.ShopperAsync("13300000001");
        // The group price, less the leader discount; the store promotion does not take it lower.
        var quote = await ShopperFlowTests.PostOkAsync(leader, "/api/v1/checkout/quote", new { lines = Lines(sku), extensions = new Dictionary<string, string> { [Open] = $"{activity}" } });
        Assert.Equal(29m, quote.GetProperty("total").GetDecimal());
        var leaderOrder = await PlaceAsync(leader, sku, Open, activity);
        Assert.Equal(29m, leaderOrder.GetProperty("total").GetDecimal());
        var leaderOrderId = leaderOrder.GetProperty("id").GetInt64();
        var teamId = Assert.Single((await Memberships(leader)).EnumerateArray()).GetProperty("teamId").GetInt64();
        Assert.Equal("awaitingLeader", (await TeamAsync(app, teamId)).GetProperty("status").GetString());

        // Nobody joins before the leader paid.
        using var first = await app.ShopperAsync("13300000002");
        Assert.Equal("groupbuy.team_closed", await CodeAsync(await PlaceRawAsync(first, sku, Join, teamId), HttpStatusCode.Conflict));
        await DevPayAsync(leader, leaderOrderId);
        var opened = await TeamAsync(app, teamId);
        Assert.Equal("open", opened.GetProperty("status").GetString());
        Assert.Equal(1, opened.GetProperty("paid").GetInt32());
        Assert.Equal(2, opened.GetProperty("seatsLeft").GetInt32());

        var firstOrder = await PlaceAsync(first, sku, Join, teamId);
        Assert.Equal(30m, firstOrder.GetProperty("total").GetDecimal());
        Assert.Equal("groupbuy.already_in_team", await CodeAsync(await PlaceRawAsync(first, sku, Join, teamId), HttpStatusCode.Conflict));
        Assert.Equal("groupbuy.already_in_team", await CodeAsync(await PlaceRawAsync(leader, sku, Join, teamId), HttpStatusCode.Conflict));
        await DevPayAsync(first, firstOrder.GetProperty("id").GetInt64());

        // Paid, but the team is short: the order does not ship.
        var early = await app.Admin.PostAsJsonAsync($"/api/admin/orders/{leaderOrderId}/ship", new { carrier = "SF", trackingNumber = "SF1" });
        Assert.Equal("groupbuy.team_incomplete", await CodeAsync(early, HttpStatusCode.Conflict));
        Assert.Equal("paid", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{leaderOrderId}")).GetProperty("status").GetString());

        // The storefront: the product widget, the activity page listing the team, the team page to share.
        var widget = (await Themes.ThemeTests.PageAsync(app.Anonymous, $"/products/{productId}")).QuerySelector(".groupbuy-widget");
        Assert.NotNull(widget);
        Assert.Contains("¥30.00", widget.TextContent);
        var page = await Themes.ThemeTests.PageAsync(app.Anonymous, $"/groupbuy/{activity}");
        Assert.Equal($"{teamId}", page.QuerySelector(".groupbuy .teams li")!.GetAttribute("data-team-id"));
        var teamPage = await Themes.ThemeTests.PageAsync(app.Anonymous, $"/groupbuy/teams/{teamId}");
        Assert.Equal("2", teamPage.QuerySelector(".groupbuy-team .paid")!.TextContent);
        Assert.Equal(2, teamPage.QuerySelectorAll(".groupbuy-team .members li").Length);
        Assert.NotNull(teamPage.QuerySelector(".groupbuy-join"));
        Assert.Matches(@"Closes \d{4}-\d{2}-\d{2} \d{2}:\d{2}$", teamPage.QuerySelector(".groupbuy-team .deadline")!.TextContent.Trim());   // the date helper formats a plugin model's ISO date
        Assert.EndsWith($"/groupbuy/teams/{teamId}", teamPage.QuerySelector(".share input")!.GetAttribute("value"));

        using var last = await app.ShopperAsync("13300000003");
        var lastOrder = await PlaceAsync(last, sku, Join, teamId);
        await DevPayAsync(last, lastOrder.GetProperty("id").GetInt64());
        var full = await TeamAsync(app, teamId);
        Assert.Equal("succeeded", full.GetProperty("status").GetString());
        Assert.Equal(3, full.GetProperty("paid").GetInt32());
        Assert.Null((await Themes.ThemeTests.PageAsync(app.Anonymous, $"/groupbuy/teams/{teamId}")).QuerySelector(".groupbuy-join"));
        await ShopperFlowTests.PostOkAsync(app.Admin, $"/api/admin/orders/{leaderOrderId}/ship", new { carrier = "SF", trackingNumber = "SF1" });

        // Bad choices are 400s with the key that is wrong, and nothing is written.
        var orders = await app.CountAsync("mall_order");
        Assert.Equal(HttpStatusCode.BadRequest, (await PlaceRawAsync(last, sku, "groupbuy.nothing", 1)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PlaceRawAsync(last, sku, Open, 999999)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PlaceRawAsync(last, sku, Open, activity, quantity: 3)).StatusCode);   // above the per-user limit
        var (_, otherSku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 10m);
        Assert.Equal(HttpStatusCode.BadRequest, (await PlaceRawAsync(last, otherSku, Open, activity)).StatusCode);           // not an activity SKU
        using (var both = new HttpRequestMessage(HttpMethod.Post, "/api/v1/orders") { Content = JsonContent.Create(new { lines = Lines(sku), extensions = new Dictionary<string, string> { [Open] = $"{activity}", [Join] = $"{teamId}" } }) })
            Assert.Equal(HttpStatusCode.BadRequest, (await last.SendAsync(both)).StatusCode);
        Assert.Equal(orders, await app.CountAsync("mall_order"));
        // The shopper's limit counts units held across teams: one more unit is refused at placement.
        using var greedy = await app.ShopperAsync("13300000004");
        await PlaceAsync(greedy, sku, Open, activity, quantity: 2);
        Assert.Equal("groupbuy.limit_reached", await CodeAsync(await PlaceRawAsync(greedy, sku, Open, activity), HttpStatusCode.Conflict));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task A_team_short_at_its_deadline_fails_and_each_paid_member_is_refunded_once_through_the_ledger(string provider)
    {
        await using var fixture = await Fixture.StartAsync(provider);
        var app = fixture.App;
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 40m);
        var activity = await CreateActivityAsync(app, sku, teamSize: 4, teamMinutes: 10);
        using var leader = await app.ShopperAsync("13300000101");
        var leaderOrder = (await PlaceAsync(leader, sku, Open, activity)).GetProperty("id").GetInt64();
        await DevPayAsync(leader, leaderOrder);
        var teamId = Assert.Single((await Memberships(leader)).EnumerateArray()).GetProperty("teamId").GetInt64();
        using var member = await app.ShopperAsync("13300000102");
        var memberOrder = (await PlaceAsync(member, sku, Join, teamId)).GetProperty("id").GetInt64();
        await DevPayAsync(member, memberOrder);
        using var slow = await app.ShopperAsync("13300000103");
        var slowOrder = (await PlaceAsync(slow, sku, Join, teamId)).GetProperty("id").GetInt64();   // never pays
        Assert.Equal(17, await ShopperFlowTests.AvailableAsync(app, sku));

        // Past the deadline, two passes at once (as two hosts would run them): the team fails once, each paid member is refunded once.
        fixture.Clock.Advance(TimeSpan.FromMinutes(11));
        var passes = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => app.Admin.PostAsync($"{GroupBuyPlugin.Routes}/admin/expiry/run", null)));
        Assert.All(passes, p => Assert.Equal(HttpStatusCode.OK, p.StatusCode));
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/expiry/run");
        var team = await TeamAsync(app, teamId);
        Assert.Equal("failed", team.GetProperty("status").GetString());
        Assert.Empty(team.GetProperty("members").EnumerateArray());                       // refunded members no longer show
        foreach (var order in new[] { leaderOrder, memberOrder })
        {
            Assert.Equal("refunded", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{order}")).GetProperty("status").GetString());
            var ledger = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{order}/payments")).EnumerateArray());
            var refund = Assert.Single(ledger.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refunded");
            Assert.Equal(30m, refund.GetProperty("amount").GetDecimal());
            // The ledger keeps the refund under the member's key ("refund:{payment}:groupbuy-member-{id}").
            var memberKey = refund.GetProperty("idempotencyKey").GetString()!.Split(':')[^1];
            Assert.StartsWith("groupbuy-member-", memberKey);

            // Replaying the member's refund key answers the first refund and refunds nothing more.
            using var replay = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/payments/{ledger.GetProperty("number").GetString()}/refunds") { Content = JsonContent.Create(new { amount = 30m, reason = "replay" }) };
            replay.Headers.Add("Idempotency-Key", memberKey);
            var replayed = await app.Admin.SendAsync(replay);
            Assert.True(replayed.IsSuccessStatusCode || replayed.StatusCode == HttpStatusCode.Conflict, $"replay answered {(int)replayed.StatusCode}");
            var after = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{order}/payments")).EnumerateArray());
            Assert.Single(after.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refunded");
        }
        Assert.Equal("cancelled", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{slowOrder}")).GetProperty("status").GetString());
        var members = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/activities/{activity}/teams?status=failed")).EnumerateArray())
            .GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count(m => m.GetProperty("status").GetString() == "refunded"));
        Assert.Equal(1, members.Count(m => m.GetProperty("status").GetString() == "left"));
        // Units and the stock cap are given back: the activity holds nothing, and a new team can be opened.
        Assert.Equal(0, (await CatalogApiTests.GetJsonAsync(app.Anonymous, $"{GroupBuyPlugin.Routes}/activities/{activity}")).GetProperty("activity").GetProperty("sold").GetInt32());
        Assert.Equal(18, await ShopperFlowTests.AvailableAsync(app, sku));                 // the unpaid order's unit is back (refunds do not restock by themselves)
        await PlaceAsync(member, sku, Open, activity);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Fifty_shoppers_racing_for_the_last_seat_exactly_one_joins_and_repeated_notifications_count_once(string provider)
    {
        await using var fixture = await Fixture.StartAsync(provider);
        var app = fixture.App;
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 100, price: 20m);
        var activity = await CreateActivityAsync(app, sku, teamSize: 3);
        using var leader = await app.ShopperAsync("13300000201");
        await DevPayAsync(leader, (await PlaceAsync(leader, sku, Open, activity)).GetProperty("id").GetInt64());
        var teamId = Assert.Single((await Memberships(leader)).EnumerateArray()).GetProperty("teamId").GetInt64();
        using var second = await app.ShopperAsync("13300000202");
        await DevPayAsync(second, (await PlaceAsync(second, sku, Join, teamId)).GetProperty("id").GetInt64());

        var racers = await Task.WhenAll(Enumerable.Range(1, 50).Select(i => app.ShopperAsync($"1331{i:D7}")));
        var ordersBefore = await app.CountAsync("mall_order");
        using var go = new SemaphoreSlim(0);
        var attempts = racers.Select(async racer =>
        {
            await go.WaitAsync();
            var response = await PlaceRawAsync(racer, sku, Join, teamId);
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>(), Racer: racer);
        }).ToList();
        go.Release(attempts.Count);
        var results = await Task.WhenAll(attempts);

        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"answered {(int)r.StatusCode}: {r.Body}"));
        var winner = Assert.Single(results, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(results.Where(r => r.StatusCode == HttpStatusCode.Conflict),
            r => Assert.Contains(r.Body.GetProperty("code").GetString(), new[] { "groupbuy.team_full", "groupbuy.concurrent_change" }));
        // The losers were refused before any payment: one order more, its stock reserved, nothing else written.
        Assert.Equal(ordersBefore + 1, await app.CountAsync("mall_order"));
        Assert.Equal(97, await ShopperFlowTests.AvailableAsync(app, sku));
        Assert.Equal(0, (await TeamAsync(app, teamId)).GetProperty("seatsLeft").GetInt32());

        // The winner pays; the gateway's notification arrives twenty times at once: one payment, one seat counted.
        var orderId = winner.Body.GetProperty("id").GetInt64();
        var start = await ShopperFlowTests.PostOkAsync(winner.Racer, $"/api/v1/orders/{orderId}/payments", new { provider = "sandbox" });
        var notification = JsonSerializer.Serialize(new
        {
            eventId = $"GB{Guid.NewGuid():N}", paymentNumber = start.GetProperty("paymentNumber").GetString(), status = "captured", amount = "20.00", currency = "CNY", transactionId = "SBXGB",
        }, JsonSerializerOptions.Web);
        var deliveries = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/notify/sandbox") { Content = new StringContent(notification, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Sandbox-Signature", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(notification))));
            using var response = await app.Anonymous.SendAsync(request);
            return response.StatusCode;
        }));
        Assert.All(deliveries, d => Assert.Equal(HttpStatusCode.OK, d));
        var team = await TeamAsync(app, teamId);
        Assert.Equal("succeeded", team.GetProperty("status").GetString());
        Assert.Equal(3, team.GetProperty("paid").GetInt32());
        var history = (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{orderId}")).GetProperty("history").EnumerateArray();
        Assert.Single(history, h => h.GetProperty("trigger").GetString() == "pay");
        foreach (var racer in racers) racer.Dispose();
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Disabled_mid_activity_and_re_enabled_the_teams_are_intact_and_catch_up_and_a_shipped_order_is_never_refunded_silently(string provider)
    {
        await using var fixture = await Fixture.StartAsync(provider);
        var app = fixture.App;
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 25m);
        var activity = await CreateActivityAsync(app, sku, teamSize: 2, teamMinutes: 10);
        using var alice = await app.ShopperAsync("13300000301");
        using var bob = await app.ShopperAsync("13300000302");
        using var carol = await app.ShopperAsync("13300000303");
        using var dave = await app.ShopperAsync("13300000304");
        // Team A: Alice leads, Bob places his order to join. Team B: Carol leads; Dave will join.
        await DevPayAsync(alice, (await PlaceAsync(alice, sku, Open, activity)).GetProperty("id").GetInt64());
        var teamA = Assert.Single((await Memberships(alice)).EnumerateArray()).GetProperty("teamId").GetInt64();
        var bobOrder = (await PlaceAsync(bob, sku, Join, teamA)).GetProperty("id").GetInt64();
        var carolOrder = (await PlaceAsync(carol, sku, Open, activity)).GetProperty("id").GetInt64();
        await DevPayAsync(carol, carolOrder);
        var teamB = Assert.Single((await Memberships(carol)).EnumerateArray()).GetProperty("teamId").GetInt64();

        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/disable");
        // While it is off: group-buy choices are refused (never sold at the plain price), and orders move without it.
        Assert.Equal(HttpStatusCode.BadRequest, (await PlaceRawAsync(dave, sku, Join, teamB)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous.GetAsync($"{GroupBuyPlugin.Routes}/teams/{teamA}")).StatusCode);
        await DevPayAsync(bob, bobOrder);
        await ShopperFlowTests.PostOkAsync(app.Admin, $"/api/admin/orders/{carolOrder}/ship", new { carrier = "SF", trackingNumber = "SF9" });   // nothing guards shipping while off

        await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/enable");
        // The next pass (this one, or the job's own if it came first) counts Bob's payment made while off: team A is complete.
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/expiry/run");
        var a = await TeamAsync(app, teamA);
        Assert.Equal("succeeded", a.GetProperty("status").GetString());
        Assert.Equal(2, a.GetProperty("paid").GetInt32());

        // Team B stays short and fails: Carol's order had shipped, so it is not refunded — it waits for the merchant.
        fixture.Clock.Advance(TimeSpan.FromMinutes(11));
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/expiry/run");
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/expiry/run");
        var b = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/activities/{activity}/teams?status=failed")).EnumerateArray());
        var carolSeat = Assert.Single(b.GetProperty("members").EnumerateArray());
        Assert.Equal("refundBlocked", carolSeat.GetProperty("status").GetString());
        Assert.Contains("after-sale", carolSeat.GetProperty("note").GetString());
        Assert.Equal("shipped", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{carolOrder}")).GetProperty("status").GetString());
        var ledger = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{carolOrder}/payments")).EnumerateArray());
        Assert.DoesNotContain(ledger.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "refunded");
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.GetAsync($"{GroupBuyPlugin.Routes}/admin/activities/{activity}/teams?status=2")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Admin.GetAsync($"{GroupBuyPlugin.Routes}/admin/activities/{activity}/teams?status=nope")).StatusCode);
        Assert.Equal(2, (await CatalogApiTests.GetJsonAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/activities/{activity}/teams?status=")).GetArrayLength());
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Unpaid_seats_free_at_the_payment_timeout_refunded_members_leave_and_virtual_members_fill_a_nearly_full_team(string provider)
    {
        await using var fixture = await Fixture.StartAsync(provider);
        var app = fixture.App;
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 20, price: 30m);
        var activity = (await app.PostOkAsync($"{GroupBuyPlugin.Routes}/admin/activities", new
        {
            name = "模拟成团", skus = new[] { new { skuId = sku, groupPrice = 20m } }, teamSize = 4, teamMinutes = 60, perUserLimit = 1, stockCap = 50, virtualFill = 1,
        })).GetProperty("id").GetInt64();
        using var leader = await app.ShopperAsync("13300000501");
        using var member = await app.ShopperAsync("13300000502");
        using var quitter = await app.ShopperAsync("13300000503");
        using var sleeper = await app.ShopperAsync("13300000504");
        using var lonely = await app.ShopperAsync("13300000505");

        // A leader who never pays: the team never opens, and is abandoned when the order times out.
        var lonelyOrder = (await PlaceAsync(lonely, sku, Open, activity)).GetProperty("id").GetInt64();
        var abandoned = Assert.Single((await Memberships(lonely)).EnumerateArray()).GetProperty("teamId").GetInt64();

        await DevPayAsync(leader, (await PlaceAsync(leader, sku, Open, activity)).GetProperty("id").GetInt64());
        var teamId = Assert.Single((await Memberships(leader)).EnumerateArray()).GetProperty("teamId").GetInt64();
        await DevPayAsync(member, (await PlaceAsync(member, sku, Join, teamId)).GetProperty("id").GetInt64());
        var quitterOrder = (await PlaceAsync(quitter, sku, Join, teamId)).GetProperty("id").GetInt64();
        await DevPayAsync(quitter, quitterOrder);
        await PlaceAsync(sleeper, sku, Join, teamId);                                  // holds the last seat, never pays
        Assert.Equal(0, (await TeamAsync(app, teamId)).GetProperty("seatsLeft").GetInt32());

        // A member refunded while the team is open leaves it: the seat is free, the member no longer counts or shows.
        var payment = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{quitterOrder}/payments")).EnumerateArray()).GetProperty("number").GetString();
        using (var refund = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/payments/{payment}/refunds") { Content = JsonContent.Create(new { amount = 20m, reason = "changed mind" }) })
        {
            refund.Headers.Add("Idempotency-Key", "quit-1");
            Assert.True((await app.Admin.SendAsync(refund)).IsSuccessStatusCode);
        }
        var afterRefund = await TeamAsync(app, teamId);
        Assert.Equal(2, afterRefund.GetProperty("paid").GetInt32());
        Assert.Equal(1, afterRefund.GetProperty("seatsLeft").GetInt32());
        Assert.Equal(3, afterRefund.GetProperty("members").GetArrayLength());

        // The payment timeout passes: the unpaid seat is free again, and the never-paid leader's team is abandoned.
        fixture.Clock.Advance(TimeSpan.FromMinutes(31));
        await app.Services.GetRequiredService<Mall.Ordering.IOrderService>().CancelExpiredAsync(100);
        var afterTimeout = await TeamAsync(app, teamId);
        Assert.Equal(2, afterTimeout.GetProperty("seatsLeft").GetInt32());
        Assert.Equal(2, afterTimeout.GetProperty("members").GetArrayLength());
        Assert.Equal("abandoned", (await TeamAsync(app, abandoned)).GetProperty("status").GetString());
        Assert.Equal("cancelled", (await CatalogApiTests.GetJsonAsync(app.Admin, $"/api/admin/orders/{lonelyOrder}")).GetProperty("status").GetString());

        // A third payer makes it three of four at the deadline: the activity lets one virtual member fill the last
        // seat, so the team succeeds and its orders ship.
        using var third = await app.ShopperAsync("13300000506");
        var thirdOrder = (await PlaceAsync(third, sku, Join, teamId)).GetProperty("id").GetInt64();
        await DevPayAsync(third, thirdOrder);
        fixture.Clock.Advance(TimeSpan.FromMinutes(30));
        await ShopperFlowTests.PostOkAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/expiry/run");
        var filled = await TeamAsync(app, teamId);
        Assert.Equal("succeeded", filled.GetProperty("status").GetString());
        Assert.Equal(1, filled.GetProperty("virtualMembers").GetInt32());
        Assert.Equal(3, filled.GetProperty("paid").GetInt32());
        await ShopperFlowTests.PostOkAsync(app.Admin, $"/api/admin/orders/{thirdOrder}/ship", new { carrier = "SF", trackingNumber = "SF7" });
        // The quitter's seat stays refunded (once), nobody else was refunded.
        var members = Assert.Single((await CatalogApiTests.GetJsonAsync(app.Admin, $"{GroupBuyPlugin.Routes}/admin/activities/{activity}/teams?status=succeeded")).EnumerateArray())
            .GetProperty("members").EnumerateArray().Select(m => m.GetProperty("status").GetString()).Order().ToList();
        Assert.Equal(new[] { "left", "paid", "paid", "paid", "refunded" }, members);
    }

    [Fact]
    public async Task In_a_real_browser_a_friend_opens_the_shared_team_page_joins_and_lands_on_the_order_to_pay()
    {
        await using var fixture = await Fixture.StartAsync(Mall.Data.Sqlite.SqliteDatabaseProvider.ProviderName, kestrel: true);
        var app = fixture.App;
        var baseUrl = app.Anonymous.BaseAddress!.ToString().TrimEnd('/');
        var (productId, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 10, price: 99m);
        var activity = await CreateActivityAsync(app, sku, teamSize: 2);
        using var leader = await app.ShopperAsync("13300000701");
        await DevPayAsync(leader, (await PlaceAsync(leader, sku, Open, activity)).GetProperty("id").GetInt64());
        var teamId = Assert.Single((await Memberships(leader)).EnumerateArray()).GetProperty("teamId").GetInt64();
        using var friend = await app.ShopperAsync("13300000702");
        Assert.True((await friend.PostAsJsonAsync("/api/v1/me/addresses", new { receiver = "李四", phone = "13300000702", regionCode = "110105", detail = "朝阳区 2 号", isDefault = true })).IsSuccessStatusCode);

        await using var browser = await Browser.Chromium.StartAsync();
        await browser.ViewportAsync(390, 844, true);
        // The product page links to the activity, which lists the team.
        await browser.GoAsync($"{baseUrl}/products/{productId}");
        await browser.ClickAsync(".groupbuy-widget a.groupbuy-link");
        await browser.WaitAsync($"location.pathname === '/groupbuy/{activity}' && document.querySelector('.groupbuy .teams li[data-team-id]')", "the activity page");
        // The friend, logged in, opens the shared link and joins.
        await browser.EvalAsync($"localStorage.setItem('mall_token', '{friend.DefaultRequestHeaders.Authorization!.Parameter}')");
        await browser.GoAsync($"{baseUrl}/groupbuy/teams/{teamId}");
        Assert.Equal("1", (await browser.EvalAsync("document.querySelector('.groupbuy-team .paid').textContent"))!.GetValue<string>());
        var artifacts = Environment.GetEnvironmentVariable("MALL_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(PluginBuilds.RepositoryRoot, "artifacts", "screenshots");
        await browser.ScreenshotAsync(Path.Combine(artifacts, "groupbuy-team-phone.png"));
        await browser.ClickAsync(".groupbuy-join");
        await browser.WaitAsync("location.pathname.startsWith('/orders/') && document.querySelector('#order-number')", "the order page", seconds: 30);

        var order = Assert.Single((await CatalogApiTests.GetJsonAsync(friend, "/api/v1/orders")).GetProperty("items").EnumerateArray());
        Assert.Equal(30m, order.GetProperty("total").GetDecimal());
        Assert.Equal("pendingPayment", order.GetProperty("status").GetString());
        var seat = Assert.Single((await Memberships(friend)).EnumerateArray());
        Assert.Equal(teamId, seat.GetProperty("teamId").GetInt64());
        Assert.Equal(order.GetProperty("id").GetInt64(), seat.GetProperty("orderId").GetInt64());
        Assert.Equal(0, (await TeamAsync(app, teamId)).GetProperty("seatsLeft").GetInt32());
    }

    [Fact]
    public async Task Bad_activities_are_refused_and_nothing_is_written()
    {
        await using var fixture = await Fixture.StartAsync(Mall.Data.Sqlite.SqliteDatabaseProvider.ProviderName);
        var app = fixture.App;
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 10m);
        object[] bad =
        [
            new { name = "x", skus = new[] { new { skuId = 999999L, groupPrice = 5m } }, teamSize = 2, teamMinutes = 60, perUserLimit = 1, stockCap = 5 },
            new { name = "x", skus = Array.Empty<object>(), teamSize = 2, teamMinutes = 60, perUserLimit = 1, stockCap = 5 },
            new { name = "x", skus = new[] { new { skuId = sku, groupPrice = 5m } }, teamSize = 1, teamMinutes = 60, perUserLimit = 1, stockCap = 5 },
            new { name = "x", skus = new[] { new { skuId = sku, groupPrice = 5m } }, teamSize = 3, teamMinutes = 0, perUserLimit = 1, stockCap = 5 },
            new { name = "x", skus = new[] { new { skuId = sku, groupPrice = 0m } }, teamSize = 3, teamMinutes = 60, perUserLimit = 1, stockCap = 5 },
            new { name = "x", skus = new[] { new { skuId = sku, groupPrice = 5m } }, teamSize = 3, teamMinutes = 60, perUserLimit = 1, stockCap = 5, leaderDiscount = 5m },
            new { name = "x", skus = new[] { new { skuId = sku, groupPrice = 5m } }, teamSize = 3, teamMinutes = 60, perUserLimit = 1, stockCap = 5, virtualFill = 3 },
            new { name = "", skus = new[] { new { skuId = sku, groupPrice = 5m } }, teamSize = 3, teamMinutes = 60, perUserLimit = 1, stockCap = 5 },
            new { name = "x", skus = new[] { new { skuId = sku, groupPrice = 5m }, new { skuId = sku, groupPrice = 6m } }, teamSize = 3, teamMinutes = 60, perUserLimit = 1, stockCap = 5 },
        ];
        foreach (var body in bad)
        {
            var response = await app.Admin.PostAsJsonAsync($"{GroupBuyPlugin.Routes}/admin/activities", body);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)} answered {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(0, await app.CountAsync("groupbuy_activity"));
        Assert.Equal(0, await app.CountAsync("groupbuy_activity_sku"));
        using var shopper = await app.ShopperAsync("13300000601");
        Assert.Equal(HttpStatusCode.Forbidden, (await shopper.PostAsJsonAsync($"{GroupBuyPlugin.Routes}/admin/activities", bad[0])).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await shopper.PostAsync($"{GroupBuyPlugin.Routes}/admin/expiry/run", null)).StatusCode);
        // Malformed choices: a bad key, a bad id.
        foreach (var extensions in new[] { new Dictionary<string, string> { ["GroupBuy Team"] = "1" }, new Dictionary<string, string> { [Join] = "twelve" } })
        {
            var response = await shopper.PostAsJsonAsync("/api/v1/checkout/quote", new { lines = Lines(sku), extensions });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(0, await app.CountAsync("mall_order"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task The_plugin_is_hot_installed_used_upgraded_with_its_data_intact_and_uninstalled(string provider)
    {
        await using var fixture = await Fixture.StartAsync(provider);
        var app = fixture.App;
        var unloaded = PluginHostTests.WatchUnloads(app);
        var (_, sku) = await ShopperFlowTests.PublishedProductAsync(app, stock: 5, price: 20m);
        var activity = await CreateActivityAsync(app, sku, teamSize: 2);
        using var leader = await app.ShopperAsync("13300000401");
        await DevPayAsync(leader, (await PlaceAsync(leader, sku, Open, activity)).GetProperty("id").GetInt64());
        var teamId = Assert.Single((await Memberships(leader)).EnumerateArray()).GetProperty("teamId").GetInt64();

        var newer = PluginBuildsAccess.WithVersion(FakeGatewayProcess.PluginPackage(Plugin), "1.0.1");
        await PluginHostTests.UploadAsync(app, newer);
        var upgraded = await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/upgrade");
        Assert.Equal("1.0.1", upgraded.GetProperty("liveVersion").GetString());
        Assert.Equal("open", (await TeamAsync(app, teamId)).GetProperty("status").GetString());
        using var member = await app.ShopperAsync("13300000402");
        await DevPayAsync(member, (await PlaceAsync(member, sku, Join, teamId)).GetProperty("id").GetInt64());
        Assert.Equal("succeeded", (await TeamAsync(app, teamId)).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.DeleteAsync($"/api/admin/plugins/{Plugin}?dropData=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous.GetAsync($"{GroupBuyPlugin.Routes}/teams/{teamId}")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => app.CountAsync("groupbuy_team"));
        Assert.NotEmpty(unloaded);
        foreach (var report in unloaded) await PluginHostTests.AssertCollectedAsync(report.LoadContext, $"group-buy {report.Version}");
    }

    /// <summary>A host with the plugin installed and enabled, a clock the test moves, and the sandbox payment method.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private Fixture(MallApp app, ManualClock clock) => (App, Clock) = (app, clock);

        public MallApp App { get; }

        public ManualClock Clock { get; }

        public static async Task<Fixture> StartAsync(string provider, bool kestrel = false)
        {
            var clock = new ManualClock(DateTimeOffset.UtcNow);
            var app = await MallApp.StartAsync(provider, services => services.AddSingleton<TimeProvider>(clock), settings: [new("Mall:Payments:Sandbox:Secret", Secret)], kestrel);
            await PluginHostTests.UploadAsync(app, FakeGatewayProcess.PluginPackage(Plugin));
            await PluginHostTests.PostOkAsync(app, $"/api/admin/plugins/{Plugin}/install?enable=true");
            return new Fixture(app, clock);
        }

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    private static async Task<long> CreateActivityAsync(MallApp app, long sku, int teamSize, decimal leaderDiscount = 0, int perUserLimit = 1, int teamMinutes = 60) =>
        (await app.PostOkAsync($"{GroupBuyPlugin.Routes}/admin/activities", new
        {
            name = "拼团", skus = new[] { new { skuId = sku, groupPrice = 30m } },
            teamSize, teamMinutes, perUserLimit, stockCap = 50, leaderDiscount,
        })).GetProperty("id").GetInt64();

    private static object[] Lines(long sku, int quantity = 1) => [new { skuId = sku, quantity }];

    private static async Task<HttpResponseMessage> PlaceRawAsync(HttpClient shopper, long sku, string key, long id, int quantity = 1) =>
        await shopper.PostAsJsonAsync("/api/v1/orders", new { lines = Lines(sku, quantity), extensions = new Dictionary<string, string> { [key] = $"{id}" } });

    private static async Task<JsonElement> PlaceAsync(HttpClient shopper, long sku, string key, long id, int quantity = 1)
    {
        var response = await PlaceRawAsync(shopper, sku, key, id, quantity);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"placing answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<JsonElement> DevPayAsync(HttpClient shopper, long orderId) => ShopperFlowTests.PostOkAsync(shopper, $"/api/v1/orders/{orderId}/dev-pay");

    private static Task<JsonElement> TeamAsync(MallApp app, long teamId) => CatalogApiTests.GetJsonAsync(app.Anonymous, $"{GroupBuyPlugin.Routes}/teams/{teamId}");

    private static Task<JsonElement> Memberships(HttpClient shopper) => CatalogApiTests.GetJsonAsync(shopper, $"{GroupBuyPlugin.Routes}/me/memberships");

    private static async Task<string?> CodeAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("code").GetString();
    }
}
