using System.Data.Common;
using System.Globalization;
using Mall.Checkout;
using Mall.Common;
using Mall.Data;
using Mall.Ordering;
using Mall.Promotions;
using static Mall.Data.MallSql;

namespace Mall.Plugins.GroupBuy;

/// <summary>
/// What a shopper asks for at checkout, through <see cref="CheckoutChoices.Extensions"/>: <c>groupbuy.activity</c>
/// (open a new team of that activity, as its leader) or <c>groupbuy.team</c> (join that team).
/// </summary>
internal readonly record struct GroupBuyChoice(long? OpenActivityId, long? JoinTeamId)
{
    public const string OpenKey = "groupbuy.activity";
    public const string JoinKey = "groupbuy.team";

    public bool IsLeader => OpenActivityId is not null;

    /// <summary>The choice, or null when the shopper made none; a malformed one is a 400 on its key.</summary>
    public static GroupBuyChoice? Read(Func<string, string?> get)
    {
        var open = get(OpenKey);
        var join = get(JoinKey);
        if (open is null && join is null) return null;
        if (open is not null && join is not null) throw new MallValidationException($"extensions.{JoinKey}", $"Open a team ({OpenKey}) or join one ({JoinKey}), not both.");
        return open is not null ? new GroupBuyChoice(Id(OpenKey, open), null) : new GroupBuyChoice(null, Id(JoinKey, join!));
    }

    private static long Id(string key, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : throw new MallValidationException($"extensions.{key}", "is a positive id.");
}

/// <summary>
/// Prices a group-buy checkout: the order holds one line, of one of the activity's SKUs, within the shopper's limit;
/// each unit costs the group price (less the leader discount for a leader). Store promotions do not take it lower.
/// Whether the team can still be joined is checked here for a clear answer, and again atomically when the order is placed.
/// </summary>
public sealed class GroupBuyPriceEvaluator(IMallDatabase database, TimeProvider clock) : IPromotionEvaluator
{
    /// <summary>Quote references: <c>groupbuy:{activityId}</c>.</summary>
    public const string ReferencePrefix = "groupbuy:";

    /// <inheritdoc />
    public string Name => "groupbuy";

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionDiscount>> EvaluateAsync(CheckoutContext context, CancellationToken cancellationToken)
    {
        if (GroupBuyChoice.Read(key => context.TryGetExtension(key, out var value) ? value : null) is not { } choice) return [];
        if (context.CustomerId is null) throw new MallValidationException("extensions", "Log in to buy in a group.");
        var now = clock.GetUtcNow().UtcDateTime;
        // Through the checkout's own connection (and the order's transaction when placing): one connection per checkout.
        var activity = await database.ReadAsync(context.Connection, context.Transaction, (connection, tx) => ActivityAsync(connection, tx, choice, now, cancellationToken), cancellationToken);
        var line = SingleLine(context.Lines, activity);
        var sku = activity.Skus.Single(s => s.SkuId == line.SkuId);

        // The unit costs the group price (the leader's less the leader discount); what promotions already took counts toward it.
        var target = Money.ToCents(sku.GroupPrice) - (choice.IsLeader ? Money.ToCents(activity.LeaderDiscount) : 0);
        var already = Money.ToCents(line.Discount) / line.Quantity;
        var offPerUnit = Math.Max(0, Money.ToCents(line.UnitPrice) - target - already);
        if (offPerUnit == 0) return [];
        var index = context.Lines.ToList().IndexOf(line);
        var off = Money.FromCents(offPerUnit * line.Quantity);
        return
        [
            new PromotionDiscount(off, $"拼团 group price {Money.FromCents(target).ToString("0.00", CultureInfo.InvariantCulture)}{(choice.IsLeader ? " (leader)" : "")}")
            {
                LineShares = context.Lines.Select((_, i) => i == index ? off : 0m).ToList(), Reference = ReferencePrefix + activity.Id.ToString(CultureInfo.InvariantCulture),
            },
        ];
    }

    /// <summary>The activity the choice buys from, after checking that it (or the team to join) takes orders now.</summary>
    private static async Task<GroupBuyActivity> ActivityAsync(DbConnection connection, DbTransaction? tx, GroupBuyChoice choice, DateTime now, CancellationToken cancellationToken)
    {
        var activityId = choice.OpenActivityId ?? 0;
        if (choice.JoinTeamId is { } teamId)
        {
            var team = (await QueryAsync(connection, tx, "SELECT activity_id, status, seats, team_size, expires_at FROM groupbuy_team WHERE id = @id",
                r => (Activity: r.GetInt64(0), Status: (TeamStatus)r.GetInt16(1), Seats: r.GetInt32(2), Size: r.GetInt32(3), Expires: r.IsDBNull(4) ? (DateTime?)null : Utc(r.GetDateTime(4))),
                cancellationToken, ("id", teamId))).SingleOrDefault();
            if (team == default) throw new MallValidationException($"extensions.{GroupBuyChoice.JoinKey}", $"Team {teamId} does not exist.");
            if (team.Status != TeamStatus.Open || team.Expires <= now) throw new MallConflictException($"Team {teamId} is not open for joining.") { Code = "groupbuy.team_closed" };
            if (team.Seats >= team.Size) throw new MallConflictException($"Team {teamId} is full.") { Code = "groupbuy.team_full" };
            activityId = team.Activity;
        }
        var activity = await GroupBuyStore.FindActivityAsync(connection, tx, activityId, cancellationToken)
            ?? throw new MallValidationException($"extensions.{GroupBuyChoice.OpenKey}", $"Group-buy activity {activityId} does not exist.");
        if (choice.IsLeader && !GroupBuyStore.IsRunning(activity, now))
            throw new MallConflictException("This group-buy activity is not running now.") { Code = "groupbuy.not_running" };
        return activity;
    }

    /// <summary>The one line of a group-buy order; anything else is a 400 on <c>lines</c>.</summary>
    internal static QuoteLine SingleLine(IReadOnlyList<QuoteLine> lines, GroupBuyActivity activity)
    {
        var bought = lines.Where(l => !l.IsGift).ToList();
        if (bought.Count != 1 || activity.Skus.All(s => s.SkuId != bought[0].SkuId))
            throw new MallValidationException("lines", $"A group-buy order holds one line, of one of the activity's SKUs ({string.Join(", ", activity.Skus.Select(s => s.SkuId))}).");
        if (bought[0].Quantity > activity.PerUserLimit)
            throw new MallValidationException("lines[0].quantity", $"is at most {activity.PerUserLimit} in this group-buy activity.");
        return bought[0];
    }
}

/// <summary>
/// Keeps teams in step with their members' orders, inside the orders' own transactions: a placed order claims its
/// seat (or opens its team), a paid one counts (and may complete the team), a cancelled one frees the seat, a
/// refunded one leaves the team, and shipping waits until the team succeeded.
/// </summary>
public sealed class GroupBuyOrderParticipant(IMallDatabase database, TimeProvider clock) : IOrderParticipant
{
    /// <inheritdoc />
    public async Task PlacingAsync(OrderPlacing placing, CancellationToken cancellationToken)
    {
        if (GroupBuyChoice.Read(key => placing.Extensions.TryGetValue(key, out var value) ? value : null) is not { } choice) return;
        await new TeamLifecycle(database.Dialect, placing.Transaction, clock.GetUtcNow().UtcDateTime, cancellationToken).ClaimAsync(placing, choice);
    }

    /// <inheritdoc />
    /// <remarks>Cancellation is followed here too, with every other status change.</remarks>
    public Task TransitionedAsync(OrderTransitioned transition, CancellationToken cancellationToken) =>
        // Completion, after-sale and refund requests change nothing of a team: no query for them.
        transition.Trigger is OrderTrigger.Complete or OrderTrigger.OpenAfterSale or OrderTrigger.RequestRefund or OrderTrigger.RefundPartially
            ? Task.CompletedTask
            : new TeamLifecycle(database.Dialect, transition.Transaction, clock.GetUtcNow().UtcDateTime, cancellationToken).FollowAsync(transition.OrderId, transition.To, transition.Trigger);
}
