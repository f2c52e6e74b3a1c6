using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Events;
using Mall.Inventory;
using Mall.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mall.Core.Tests;

public class InventoryTests
{
    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Sixty_four_concurrent_reservers_never_oversell_and_conserve_stock(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        const int stock = 20;
        var sku = (await ctx.CreateProductAsync(stock)).Skus[0];
        var inventory = ctx.Get<IInventoryService>();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            try
            {
                await inventory.ReserveAsync($"order-{i}", [new StockLine(sku.Id, 1)]);
                return true;
            }
            catch (MallConflictException e) when (e.Code == "stock.insufficient")
            {
                return false;
            }
        })));

        Assert.Equal(stock, outcomes.Count(ok => ok));
        var level = await inventory.GetAsync(sku.Id);
        Assert.Equal(0, level.Available);
        Assert.Equal(stock, level.Reserved);
        Assert.Equal(level.Received, level.Available + level.Reserved + level.Sold);
        await AssertLedgerMatchesAsync(ctx, sku.Id);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Concurrent_multi_line_reservations_are_all_or_nothing(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var skus = (await ctx.CreateProductAsync(10, 30)).Skus;
        var inventory = ctx.Get<IInventoryService>();

        // Each order takes one of the scarce SKU and three of the other; lines in both orders to provoke lock-order deadlocks.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            StockLine[] lines = i % 2 == 0
                ? [new StockLine(skus[0].Id, 1), new StockLine(skus[1].Id, 3)]
                : [new StockLine(skus[1].Id, 3), new StockLine(skus[0].Id, 1)];
            try { await inventory.ReserveAsync($"multi-{i}", lines); return true; }
            catch (MallConflictException) { return false; }
        })));

        var winners = outcomes.Count(ok => ok);
        Assert.Equal(10, winners); // the second SKU runs out at 10 orders too (30 / 3)
        var a = await inventory.GetAsync(skus[0].Id);
        var b = await inventory.GetAsync(skus[1].Id);
        Assert.Equal(winners, a.Reserved);
        Assert.Equal(winners * 3, b.Reserved);
        Assert.Equal(a.Received, a.Available + a.Reserved + a.Sold);
        Assert.Equal(b.Received, b.Available + b.Reserved + b.Sold);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Replays_with_the_same_reference_change_nothing(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var sku = (await ctx.CreateProductAsync(10)).Skus[0];
        var inventory = ctx.Get<IInventoryService>();

        var first = await inventory.ReserveAsync("order-1", [new StockLine(sku.Id, 3)]);
        var again = await inventory.ReserveAsync("order-1", [new StockLine(sku.Id, 3)]);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => inventory.ReserveAsync("order-1", [new StockLine(sku.Id, 3)]))));
        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.All(concurrent, r => Assert.True(r.Replayed));
        Assert.Equal(7, (await inventory.GetAsync(sku.Id)).Available);

        var released = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => inventory.ReleaseAsync("order-1"))));
        Assert.Equal(1, released.Count(r => !r.Replayed));
        var level = await inventory.GetAsync(sku.Id);
        Assert.Equal(10, level.Available);
        Assert.Equal(0, level.Reserved);

        // A released reservation can neither be committed nor re-reserved under the same key.
        var commit = await Assert.ThrowsAsync<MallConflictException>(() => inventory.CommitAsync("order-1"));
        Assert.Equal("stock.reservation_settled", commit.Code);
        Assert.True((await inventory.ReserveAsync("order-1", [new StockLine(sku.Id, 3)])).Replayed);
        Assert.Equal(10, (await inventory.GetAsync(sku.Id)).Available);
        await AssertLedgerMatchesAsync(ctx, sku.Id);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Commit_moves_reserved_to_sold_exactly_once(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var sku = (await ctx.CreateProductAsync(5)).Skus[0];
        var inventory = ctx.Get<IInventoryService>();
        await inventory.ReserveAsync("order-9", [new StockLine(sku.Id, 2)]);

        var commits = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => inventory.CommitAsync("order-9"))));

        Assert.Equal(1, commits.Count(c => !c.Replayed));
        var level = await inventory.GetAsync(sku.Id);
        Assert.Equal((5L, 3L, 0L, 2L), (level.Received, level.Available, level.Reserved, level.Sold));
        await Assert.ThrowsAsync<MallConflictException>(() => inventory.ReleaseAsync("order-9"));
        await Assert.ThrowsAsync<MallNotFoundException>(() => inventory.CommitAsync("no-such-order"));
        await AssertLedgerMatchesAsync(ctx, sku.Id);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Adjustments_are_idempotent_and_never_go_below_zero(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var sku = (await ctx.CreateProductAsync(5)).Skus[0];
        var inventory = ctx.Get<IInventoryService>();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => inventory.AdjustAsync(new StockAdjustment(sku.Id, 10, "Goods received", "grn-1")))));
        Assert.All(results, r => Assert.Equal(15, r.Available));
        var damage = await inventory.AdjustAsync(new StockAdjustment(sku.Id, -4, "Damaged", "dmg-1"));
        Assert.Equal((11L, 11L), (damage.Received, damage.Available));

        var tooMuch = await Assert.ThrowsAsync<MallConflictException>(() => inventory.AdjustAsync(new StockAdjustment(sku.Id, -12, "Stock take", "take-1")));
        Assert.Equal("stock.insufficient", tooMuch.Code);
        Assert.Equal(11, (await inventory.GetAsync(sku.Id)).Available);
        var invalid = await Assert.ThrowsAsync<MallValidationException>(() => inventory.AdjustAsync(new StockAdjustment(sku.Id, 0, "", "")));
        Assert.Contains("delta", invalid.Errors.Keys);
        Assert.Contains("reason", invalid.Errors.Keys);
        Assert.Contains("reference", invalid.Errors.Keys);

        var movements = await inventory.GetMovementsAsync(sku.Id, 1, 10);
        Assert.Equal(3, movements.Total); // initial, grn-1 once, dmg-1
        await AssertLedgerMatchesAsync(ctx, sku.Id);
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Crossing_the_low_stock_threshold_raises_one_event(string provider)
    {
        var seen = new LowStockRecorder();
        await using var ctx = await CoreTestContext.CreateAsync(provider, s => s.AddSingleton<IDomainEventHandler<StockLowEvent>>(seen));
        var sku = (await ctx.CreateProductAsync(10)).Skus[0];
        var inventory = ctx.Get<IInventoryService>();
        await inventory.SetLowStockThresholdAsync(sku.Id, 5);

        await inventory.ReserveAsync("a", [new StockLine(sku.Id, 4)]); // 6 left: above
        await inventory.ReserveAsync("b", [new StockLine(sku.Id, 2)]); // 4 left: crosses
        await inventory.ReserveAsync("c", [new StockLine(sku.Id, 1)]); // 3 left: already below

        var e = Assert.Single(seen.Events);
        Assert.Equal((sku.Id, 4L, 5), (e.SkuId, e.Available, e.Threshold));
    }

    [Theory, MemberData(nameof(TestDatabase.All), MemberType = typeof(TestDatabase))]
    public async Task Reserving_more_than_available_holds_nothing(string provider)
    {
        await using var ctx = await CoreTestContext.CreateAsync(provider);
        var skus = (await ctx.CreateProductAsync(5, 1)).Skus;
        var inventory = ctx.Get<IInventoryService>();

        var error = await Assert.ThrowsAsync<MallConflictException>(() =>
            inventory.ReserveAsync("big", [new StockLine(skus[0].Id, 2), new StockLine(skus[1].Id, 2)]));

        Assert.Equal("stock.insufficient", error.Code);
        Assert.Equal(5, (await inventory.GetAsync(skus[0].Id)).Available);
        Assert.Null(await inventory.FindReservationAsync("big"));
        await Assert.ThrowsAsync<MallNotFoundException>(() => inventory.ReserveAsync("ghost", [new StockLine(999_999, 1)]));
    }

    /// <summary>The ledger explains the stock: received = sum of adjustments, and per-kind sums match the counters.</summary>
    private static async Task AssertLedgerMatchesAsync(CoreTestContext ctx, long skuId)
    {
        var level = await ctx.Get<IInventoryService>().GetAsync(skuId);
        await using var connection = await ctx.Get<IMallDatabase>().OpenConnectionAsync();
        var sums = (await connection.QueryAsync<(short Kind, long Total)>(
            "SELECT kind, SUM(quantity) FROM mall_stock_movement WHERE sku_id = @skuId GROUP BY kind", new { skuId })).ToDictionary(r => (StockMovementKind)r.Kind, r => r.Total);
        long Sum(StockMovementKind k) => sums.GetValueOrDefault(k);
        Assert.Equal(level.Received, Sum(StockMovementKind.Adjust));
        Assert.Equal(level.Sold, Sum(StockMovementKind.Commit));
        Assert.Equal(level.Reserved, Sum(StockMovementKind.Reserve) - Sum(StockMovementKind.Commit) - Sum(StockMovementKind.Release));
        Assert.Equal(level.Received, level.Available + level.Reserved + level.Sold);
    }

    private sealed class LowStockRecorder : IDomainEventHandler<StockLowEvent>
    {
        private readonly List<StockLowEvent> _events = [];
        public IReadOnlyList<StockLowEvent> Events { get { lock (_events) return _events.ToList(); } }
        public Task HandleAsync(StockLowEvent domainEvent, CancellationToken cancellationToken)
        {
            lock (_events) _events.Add(domainEvent);
            return Task.CompletedTask;
        }
    }
}
