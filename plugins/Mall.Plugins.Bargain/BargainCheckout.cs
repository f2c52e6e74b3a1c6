using System.Data.Common;
using System.Globalization;
using Mall.Checkout;
using Mall.Common;
using Mall.Data;
using Mall.Ordering;
using Mall.Promotions;

namespace Mall.Plugins.Bargain;

/// <summary>
/// Buying at the bargain price through normal checkout: for each cart line of a SKU the shopper has a buyable bargain
/// for (at its floor, or above it when the activity allows early buying; not expired, not bought, within the
/// activity's stock cap), one unit costs the bargain's current price. Unless the activity stacks with promotions,
/// what promotions already took off that unit counts toward it (the unit never costs less than the bargain price).
/// </summary>
public sealed class BargainPriceEvaluator(IMallDatabase database, TimeProvider clock) : IPromotionEvaluator
{
    /// <summary>Quote references of a bargain: <c>bargain:{id}</c>.</summary>
    public const string ReferencePrefix = "bargain:";

    /// <inheritdoc />
    public string Name => "bargain";

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        if (context.CustomerId is not { } customerId || context.Lines.Count == 0) return [];
        var now = clock.GetUtcNow().UtcDateTime;
        // Through the checkout's own connection (and the order's transaction when placing): one connection per checkout.
        var running = await database.ReadAsync(context.Connection, context.Transaction, (connection, tx) => MallSql.QueryAsync(connection, tx,
            "SELECT b.id, a.sku_id, b.current_price, a.stack_with_promotions, b.status, a.allow_early_buy, a.sold, a.stock_cap FROM bargain b JOIN bargain_activity a ON a.id = b.activity_id " +
            "WHERE b.customer_id = @customer AND b.status IN (1, 2) AND b.expires_at > @now",
            r => (Id: r.GetInt64(0), SkuId: r.GetInt64(1), Price: r.GetInt64(2), Stacks: r.GetBoolean(3), AtFloor: r.GetInt16(4) == (short)BargainStatus.AtFloor,
                EarlyBuy: r.GetBoolean(5), SoldOut: r.GetInt32(6) >= r.GetInt32(7)),
            cancellationToken, ("customer", customerId), ("now", now)), cancellationToken);
        var buyable = new List<(long Id, long SkuId, long Price, bool Stacks)>();
        foreach (var bargain in running.Where(b => b.AtFloor || b.EarlyBuy))
        {
            if (bargain.SoldOut) context.AddNote(string.Create(CultureInfo.InvariantCulture, $"bargain {bargain.Id}: the activity is sold out"));
            else buyable.Add((bargain.Id, bargain.SkuId, bargain.Price, bargain.Stacks));
        }
        var discounts = new List<PromotionDiscount>();
        foreach (var bargain in buyable)
        {
            var index = context.Lines.ToList().FindIndex(l => l.SkuId == bargain.SkuId);
            if (index < 0) continue;
            var line = context.Lines[index];
            var unit = Money.ToCents(line.UnitPrice);
            // What promotions already took off one unit of the line.
            var already = bargain.Stacks ? 0 : Money.ToCents(line.Discount) / line.Quantity;
            var off = Math.Max(0, unit - bargain.Price - already);
            if (off == 0) continue;
            var shares = context.Lines.Select((_, i) => i == index ? Money.FromCents(off) : 0m).ToList();
            discounts.Add(new PromotionDiscount(Money.FromCents(off), $"砍价 bargain price {Money.FromCents(bargain.Price).ToString("0.00", CultureInfo.InvariantCulture)}")
            {
                LineShares = shares, Reference = ReferencePrefix + bargain.Id.ToString(CultureInfo.InvariantCulture),
            });
        }
        return discounts;
    }
}

/// <summary>
/// Claims a bargain for the order that used its price, inside the order's transaction (so two orders cannot both buy
/// one bargain, and the activity's stock cap holds), and gives it back if that order is cancelled unpaid.
/// </summary>
public sealed class BargainOrderParticipant(TimeProvider clock) : IOrderParticipant
{
    /// <inheritdoc />
    public async Task PlacingAsync(OrderPlacing placing, CancellationToken cancellationToken)
    {
        var connection = placing.Transaction.Connection!;
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var adjustment in placing.Quote.Adjustments)
        {
            if (adjustment.Reference is not { } reference || !reference.StartsWith(BargainPriceEvaluator.ReferencePrefix, StringComparison.Ordinal)) continue;
            var bargainId = long.Parse(reference[BargainPriceEvaluator.ReferencePrefix.Length..], CultureInfo.InvariantCulture);
            var claimed = await BargainStore.ExecuteAsync(connection, placing.Transaction,
                "UPDATE bargain SET status = @bought, order_id = @order, updated_at = @now WHERE id = @id AND customer_id = @customer AND status IN (1, 2) AND expires_at > @now",
                cancellationToken, ("bought", (short)3), ("order", placing.OrderId), ("now", now), ("id", bargainId), ("customer", placing.CustomerId));
            if (claimed == 0) throw new MallConflictException($"Bargain {bargainId} was bought or ended meanwhile.") { Code = "bargain.unavailable" };
            var counted = await BargainStore.ExecuteAsync(connection, placing.Transaction,
                "UPDATE bargain_activity SET sold = sold + 1 WHERE id = (SELECT activity_id FROM bargain WHERE id = @id) AND sold < stock_cap",
                cancellationToken, ("id", bargainId));
            if (counted == 0) throw new MallConflictException("This bargain activity is sold out.") { Code = "bargain.sold_out" };
        }
    }

    /// <inheritdoc />
    public async Task CancellingAsync(OrderCancelling cancelling, CancellationToken cancellationToken)
    {
        var connection = cancelling.Transaction.Connection!;
        var bought = new List<(long Id, long ActivityId)>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = cancelling.Transaction;
            command.CommandText = "SELECT id, activity_id FROM bargain WHERE order_id = @order AND status = 3";
            BargainStore.Add(command, "order", cancelling.OrderId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) bought.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        foreach (var (id, activityId) in bought)
        {
            // Back to where it was: at the floor when every needed help landed, else still running.
            await BargainStore.ExecuteAsync(connection, cancelling.Transaction,
                "UPDATE bargain SET status = CASE WHEN helps >= (SELECT helpers_needed FROM bargain_activity WHERE id = @activity) THEN 2 ELSE 1 END, order_id = NULL, updated_at = @now " +
                "WHERE id = @id AND status = 3", cancellationToken, ("activity", activityId), ("now", clock.GetUtcNow().UtcDateTime), ("id", id));
            await BargainStore.ExecuteAsync(connection, cancelling.Transaction, "UPDATE bargain_activity SET sold = sold - 1 WHERE id = @activity AND sold > 0", cancellationToken, ("activity", activityId));
        }
    }
}
