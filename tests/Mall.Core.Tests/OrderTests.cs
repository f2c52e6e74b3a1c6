using Dapper;
using Mall.Catalog;
using Mall.Common;
using Mall.Data;
using Mall.Inventory;
using Mall.Ordering;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Core.Tests;

public class OrderTests
{
    private const long Shopper = 42;

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Placed_paid_shipped_completed_with_a_price_snapshot_and_history(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var product = await PublishedProductAsync(ctx, 10, 5);
        var orders = ctx.Get<IOrderService>();

        var placed = await orders.PlaceAsync(new PlaceOrderRequest
        {
            CustomerId = Shopper, Note = "请尽快发货",
            Lines = [new PlaceOrderLine(product.Skus[0].Id, 2), new PlaceOrderLine(product.Skus[1].Id, 1), new PlaceOrderLine(product.Skus[0].Id, 1)],
        });
        var order = placed.Order;
        Assert.False(placed.Replayed);
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(2, order.Lines.Count); // same SKU merged
        Assert.Equal(3 * 10.5m + 11.5m, order.Total);
        Assert.Equal(order.Total, order.Lines.Sum(l => l.LineTotal));
        Assert.Equal(20, order.Number.Length);
        Assert.Equal((7L, 3L), await AvailableReservedAsync(ctx, product.Skus[0].Id));
        // The order returned without a read-back is the order as stored.
        var json = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(order, json), System.Text.Json.JsonSerializer.Serialize(await orders.FindAsync(order.Id), json));

        // A later price change does not touch the order's snapshot.
        await ctx.Get<IProductService>().UpdateAsync(product.Id, new ProductInput
        {
            Name = product.Name, CategoryId = product.CategoryId, Specs = product.Specs,
            Skus = product.Skus.Select(s => new SkuInput { Code = s.Code, SpecValues = s.SpecValues, Price = 999m }).ToList(),
        });

        await orders.MarkPaidAsync(order.Id, "dev");
        await orders.ShipAsync(order.Id, "SF Express", "SF1234567890", "admin:alice");
        var done = await orders.CompleteAsync(order.Id, $"customer:{Shopper}");

        Assert.Equal(OrderStatus.Completed, done.Status);
        Assert.Equal(3 * 10.5m + 11.5m, done.Total);
        Assert.Equal(("SF Express", "SF1234567890"), (done.ShippingCarrier, done.TrackingNumber));
        Assert.Equal([OrderTrigger.Place, OrderTrigger.Pay, OrderTrigger.Ship, OrderTrigger.Complete], done.History.Select(h => h.Trigger));
        Assert.Equal([null, OrderStatus.PendingPayment, OrderStatus.Paid, OrderStatus.Shipped], done.History.Select(h => h.From));
        Assert.Equal("admin:alice", done.History[2].Actor);
        var stock = await ctx.Get<IInventoryService>().GetAsync(product.Skus[0].Id);
        Assert.Equal((10L, 7L, 0L, 3L), (stock.Received, stock.Available, stock.Reserved, stock.Sold));
        Assert.Null(await orders.FindAsync(order.Id, customerId: Shopper + 1)); // another shopper cannot see it
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Every_illegal_transition_is_rejected_and_changes_nothing(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var product = await PublishedProductAsync(ctx, 100);
        var orders = ctx.Get<IOrderService>();
        var paths = new Dictionary<OrderStatus, OrderTrigger[]>
        {
            [OrderStatus.PendingPayment] = [],
            [OrderStatus.Paid] = [OrderTrigger.Pay],
            [OrderStatus.Shipped] = [OrderTrigger.Pay, OrderTrigger.Ship],
            [OrderStatus.Completed] = [OrderTrigger.Pay, OrderTrigger.Ship, OrderTrigger.Complete],
            [OrderStatus.Cancelled] = [OrderTrigger.Cancel],
            [OrderStatus.RefundRequested] = [OrderTrigger.Pay, OrderTrigger.RequestRefund],
            [OrderStatus.Refunded] = [OrderTrigger.Pay, OrderTrigger.RequestRefund, OrderTrigger.Refund],
            [OrderStatus.PartiallyRefunded] = [OrderTrigger.Pay, OrderTrigger.RequestRefund, OrderTrigger.RefundPartially],
            [OrderStatus.AfterSale] = [OrderTrigger.Pay, OrderTrigger.Ship, OrderTrigger.Complete, OrderTrigger.OpenAfterSale],
        };
        Assert.Equal(Enum.GetValues<OrderStatus>().Length, paths.Count);
        var checkedCount = 0;
        foreach (var (status, path) in paths)
        {
            var order = (await orders.PlaceAsync(new PlaceOrderRequest { CustomerId = Shopper, Lines = [new PlaceOrderLine(product.Skus[0].Id, 1)] })).Order;
            foreach (var step in path) order = await ApplyAsync(orders, order.Id, step);
            Assert.Equal(status, order.Status);
            var stockBefore = await AvailableReservedAsync(ctx, product.Skus[0].Id);

            foreach (var trigger in Enum.GetValues<OrderTrigger>().Where(t => t != OrderTrigger.Place && !OrderStateMachine.TryNext(status, t, out _)))
            {
                var error = await Assert.ThrowsAsync<MallConflictException>(() => ApplyAsync(orders, order.Id, trigger));
                Assert.Equal("order.illegal_transition", error.Code);
                var after = (await orders.FindAsync(order.Id))!;
                Assert.Equal(status, after.Status);
                Assert.Equal(order.History.Count, after.History.Count);
                Assert.Equal(stockBefore, await AvailableReservedAsync(ctx, product.Skus[0].Id));
                checkedCount++;
            }
        }
        Assert.Equal(9 * 8 - 10, checkedCount); // 9 statuses × 8 triggers, minus the 10 allowed moves
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Two_hundred_concurrent_checkouts_for_fifty_units_make_exactly_fifty_orders(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var sku = (await PublishedProductAsync(ctx, 50)).Skus[0];
        var orders = ctx.Get<IOrderService>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            try
            {
                await orders.PlaceAsync(new PlaceOrderRequest { CustomerId = 1000 + i, Lines = [new PlaceOrderLine(sku.Id, 1)] });
                return "ok";
            }
            catch (MallConflictException e)
            {
                return e.Code!;
            }
        })));

        Assert.Equal(50, outcomes.Count(o => o == "ok"));
        Assert.Equal(150, outcomes.Count(o => o == "stock.insufficient"));
        var stock = await ctx.Get<IInventoryService>().GetAsync(sku.Id);
        Assert.Equal((50L, 0L, 50L, 0L), (stock.Received, stock.Available, stock.Reserved, stock.Sold));
        await using var connection = await ctx.Get<IMallDatabase>().OpenConnectionAsync();
        Assert.Equal(50L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_order"));
        Assert.Equal(50L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_order_line"));
        Assert.Equal(50L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_stock_reservation"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task An_idempotency_key_replayed_twenty_times_at_once_makes_one_order(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var sku = (await PublishedProductAsync(ctx, 100)).Skus[0];
        var orders = ctx.Get<IOrderService>();
        var request = new PlaceOrderRequest { CustomerId = Shopper, IdempotencyKey = "checkout-7f3a", Lines = [new PlaceOrderLine(sku.Id, 3)] };

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => orders.PlaceAsync(request))));

        Assert.Single(results.Select(r => r.Order.Id).Distinct());
        Assert.Equal(1, results.Count(r => !r.Replayed));
        Assert.Equal((97L, 3L), await AvailableReservedAsync(ctx, sku.Id));
        // The key is per shopper: another shopper using the same key gets an order of their own.
        var other = await orders.PlaceAsync(request with { CustomerId = Shopper + 1 });
        Assert.False(other.Replayed);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Unpaid_orders_time_out_once_even_with_two_sweepers(string provider)
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero));
        await using var ctx = await CoreTestContext.CreateAsync(provider, s => s.AddSingleton<TimeProvider>(clock));
        var sku = (await PublishedProductAsync(ctx, 10)).Skus[0];
        var orders = ctx.Get<IOrderService>();
        var placed = new List<Order>();
        for (var i = 0; i < 4; i++) placed.Add((await orders.PlaceAsync(new PlaceOrderRequest { CustomerId = Shopper, Lines = [new PlaceOrderLine(sku.Id, 2)] })).Order);
        await orders.MarkPaidAsync(placed[3].Id, "dev"); // paid in time: never cancelled

        Assert.Equal(0, await orders.CancelExpiredAsync(100)); // not yet due
        clock.Advance(TimeSpan.FromMinutes(31));
        var swept = await Task.WhenAll(Task.Run(() => orders.CancelExpiredAsync(100)), Task.Run(() => orders.CancelExpiredAsync(100)));

        Assert.Equal(3, swept.Sum());
        foreach (var order in placed.Take(3))
        {
            var after = (await orders.FindAsync(order.Id))!;
            Assert.Equal(OrderStatus.Cancelled, after.Status);
            var cancel = Assert.Single(after.History, h => h.Trigger == OrderTrigger.Cancel);
            Assert.Equal(("system", "Payment timeout"), (cancel.Actor, cancel.Reason));
        }
        var stock = await ctx.Get<IInventoryService>().GetAsync(sku.Id);
        Assert.Equal((10L, 8L, 0L, 2L), (stock.Received, stock.Available, stock.Reserved, stock.Sold));
        await Assert.ThrowsAsync<MallConflictException>(() => orders.MarkPaidAsync(placed[0].Id, "late payment"));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Bad_orders_are_rejected_and_write_nothing(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var onSale = (await PublishedProductAsync(ctx, 5)).Skus[0];
        var draft = (await ctx.CreateProductAsync(5)).Skus[0];
        var orders = ctx.Get<IOrderService>();
        PlaceOrderRequest[] bad =
        [
            new() { CustomerId = Shopper },
            new() { CustomerId = Shopper, Lines = [] },
            new() { CustomerId = 0, Lines = [new PlaceOrderLine(onSale.Id, 1)] },
            new() { CustomerId = Shopper, Lines = [new PlaceOrderLine(onSale.Id, 0)] },
            new() { CustomerId = Shopper, Lines = [new PlaceOrderLine(onSale.Id, -3)] },
            new() { CustomerId = Shopper, Lines = [new PlaceOrderLine(onSale.Id, 1000)] },
            new() { CustomerId = Shopper, Lines = [new PlaceOrderLine(onSale.Id, 600), new PlaceOrderLine(onSale.Id, 600)] },
            new() { CustomerId = Shopper, Lines = [new PlaceOrderLine(987654, 1)] },
            new() { CustomerId = Shopper, Lines = [new PlaceOrderLine(draft.Id, 1)] },
            new() { CustomerId = Shopper, Lines = [new PlaceOrderLine(onSale.Id, 1)], IdempotencyKey = new string('k', 101) },
        ];
        foreach (var request in bad) await Assert.ThrowsAsync<MallValidationException>(() => orders.PlaceAsync(request));
        var tooMany = await Assert.ThrowsAsync<MallConflictException>(() =>
            orders.PlaceAsync(new PlaceOrderRequest { CustomerId = Shopper, Lines = [new PlaceOrderLine(onSale.Id, 6)] }));
        Assert.Equal("stock.insufficient", tooMany.Code);

        await using var connection = await ctx.Get<IMallDatabase>().OpenConnectionAsync();
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_order"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_order_line"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mall_order_transition"));
        Assert.Equal((5L, 0L), await AvailableReservedAsync(ctx, onSale.Id));
    }

    private static async Task<Product> PublishedProductAsync(CoreTestContext ctx, params int[] stocks)
    {
        var product = await ctx.CreateProductAsync(stocks);
        return await ctx.Get<IProductService>().SetStatusAsync(product.Id, ProductStatus.Published);
    }

    private static async Task<(long Available, long Reserved)> AvailableReservedAsync(CoreTestContext ctx, long skuId)
    {
        var level = await ctx.Get<IInventoryService>().GetAsync(skuId);
        return (level.Available, level.Reserved);
    }

    private static Task<Order> ApplyAsync(IOrderService orders, long id, OrderTrigger trigger) => trigger switch
    {
        OrderTrigger.Pay => orders.MarkPaidAsync(id, "test"),
        OrderTrigger.Ship => orders.ShipAsync(id, "SF", "T1", "test"),
        OrderTrigger.Complete => orders.CompleteAsync(id, "test"),
        OrderTrigger.Cancel => orders.CancelAsync(id, "test", "because"),
        _ => orders.ApplyAsync(id, trigger, "test", null),
    };
}
