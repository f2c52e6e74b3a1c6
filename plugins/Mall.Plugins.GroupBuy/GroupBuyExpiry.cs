using System.Globalization;
using Mall.Common;
using Mall.Data;
using Mall.Ordering;
using Mall.Payments;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static Mall.Data.MallSql;

namespace Mall.Plugins.GroupBuy;

/// <summary>
/// Closes teams at their deadline and settles what they owe. Safe with any number of hosts running it at once: a
/// team closes with one conditional update (one host wins), an order's effect on its team runs under the order's
/// row lock and once per status, and each refund carries the member's idempotency key, so the ledger refunds it once.
/// </summary>
public sealed class GroupBuyExpiry(IMallDatabase database, IOrderService orders, IPaymentService payments, TimeProvider clock, ILogger<GroupBuyExpiry> logger)
{
    private const int Batch = 100;
    private const int ReconcilePage = 500;

    /// <summary>Idempotency key of a member's refund.</summary>
    internal static string RefundKey(long memberId) => string.Create(CultureInfo.InvariantCulture, $"groupbuy-member-{memberId}");

    /// <summary>One pass: reconcile members with their orders, close teams past their deadline, cancel their unpaid orders, refund what is owed.</summary>
    public async Task<ExpiryPass> RunOnceAsync(CancellationToken cancellationToken)
    {
        var reconciled = await ReconcileAsync(cancellationToken);
        var closed = await CloseExpiredAsync(cancellationToken);
        var cancelled = await CancelUnpaidOfClosedAsync(cancellationToken);
        var (refunded, blocked) = await RefundDueAsync(cancellationToken);
        return new ExpiryPass(reconciled, closed, cancelled, refunded, blocked);
    }

    /// <summary>
    /// Orders that moved while the plugin was disabled (no participant saw them): each is followed now, under its
    /// row lock, exactly as the participant would have.
    /// </summary>
    private async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        // The plugin's own members, page by page; their orders' statuses come from the order service (the plugin
        // never reads the orders' tables). A member is behind when its order left "pending payment" while the member is
        // still pending, or was refunded while the member counts as paid.
        var behind = new List<long>();
        long after = 0;
        while (behind.Count < Batch)
        {
            List<(long Id, long OrderId, MemberStatus Status)> page;
            await using (var connection = await database.OpenConnectionAsync(cancellationToken))
                page = await QueryAsync(connection, null,
                    $"SELECT id, order_id, status FROM groupbuy_member WHERE id > @after AND status IN (@pending, @paid, @due, @blocked) ORDER BY id {database.Dialect.Page("0", "@page")}",
                    r => (r.GetInt64(0), r.GetInt64(1), (MemberStatus)Convert.ToInt16(r.GetValue(2), System.Globalization.CultureInfo.InvariantCulture)), cancellationToken,
                    ("after", after), ("pending", (short)MemberStatus.Pending), ("paid", (short)MemberStatus.Paid), ("due", (short)MemberStatus.RefundDue),
                    ("blocked", (short)MemberStatus.RefundBlocked), ("page", ReconcilePage));
            if (page.Count == 0) break;
            after = page[^1].Id;
            var statuses = await orders.GetStatusesAsync(page.Select(m => m.OrderId).ToList(), cancellationToken);
            foreach (var (_, orderId, status) in page)
                if (statuses.TryGetValue(orderId, out var order) && (status == MemberStatus.Pending ? order != OrderStatus.PendingPayment : order == OrderStatus.Refunded))
                    behind.Add(orderId);
            if (page.Count < ReconcilePage) break;
        }
        foreach (var orderId in behind.Take(Batch))
        {
            await database.InTransactionAsync(async tx =>
            {
                var status = await orders.LockStatusAsync(tx, orderId, cancellationToken);
                await new TeamLifecycle(database.Dialect, tx, clock.GetUtcNow().UtcDateTime, cancellationToken).FollowAsync(orderId, status, OrderTrigger.Place);
                return 0;
            }, cancellationToken);
        }
        if (behind.Count > 0) logger.LogInformation("Group-buy: {Count} member(s) brought in step with their orders.", behind.Count);
        return behind.Count;
    }

    /// <summary>Teams past their deadline: filled by virtual members when the activity allows and few enough are missing, else failed (paid members owed refunds).</summary>
    private async Task<int> CloseExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        List<(long Id, int Paid, int Size, int VirtualFill)> due;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            due = await QueryAsync(connection, null,
                "SELECT t.id, t.paid, t.team_size, a.virtual_fill FROM groupbuy_team t JOIN groupbuy_activity a ON a.id = t.activity_id " +
                $"WHERE t.status = @open AND t.expires_at <= @now ORDER BY t.expires_at {database.Dialect.Page("0", "@batch")}",
                r => (r.GetInt64(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3)), cancellationToken, ("open", (short)TeamStatus.Open), ("now", now), ("batch", Batch));
        var closed = 0;
        foreach (var team in due)
        {
            var missing = team.Size - team.Paid;
            var filled = team.VirtualFill > 0 && team.Paid >= 1 && missing <= team.VirtualFill;
            var won = await database.InTransactionAsync(async tx =>
            {
                // Conditional on what was read: a payment landing meanwhile (paid changed) or another host closing it first leaves it alone.
                var changed = await ExecuteAsync(tx.Connection!, tx,
                    "UPDATE groupbuy_team SET status = @status, virtual_members = @virtual, closed_at = @now, updated_at = @now WHERE id = @id AND status = @open AND paid = @paid",
                    cancellationToken, ("status", (short)(filled ? TeamStatus.Succeeded : TeamStatus.Failed)), ("virtual", filled ? missing : 0), ("now", now),
                    ("id", team.Id), ("open", (short)TeamStatus.Open), ("paid", team.Paid));
                if (changed == 1 && !filled)
                    await ExecuteAsync(tx.Connection!, tx, "UPDATE groupbuy_member SET status = @due, note = @note, updated_at = @now WHERE team_id = @id AND status = @paid", cancellationToken,
                        ("due", (short)MemberStatus.RefundDue), ("note", "team failed"), ("now", now), ("id", team.Id), ("paid", (short)MemberStatus.Paid));
                return changed == 1;
            }, cancellationToken);
            if (!won) continue;
            closed++;
            logger.LogInformation("Group-buy team {Team} closed at its deadline: {Outcome} ({Paid}/{Size} paid).", team.Id, filled ? "filled by virtual members" : "failed", team.Paid, team.Size);
        }
        return closed;
    }

    /// <summary>Unpaid orders holding seats of closed teams are cancelled (their stock goes back at once rather than at the payment timeout).</summary>
    private async Task<int> CancelUnpaidOfClosedAsync(CancellationToken cancellationToken)
    {
        List<long> unpaid;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            unpaid = await QueryAsync(connection, null,
                "SELECT m.order_id FROM groupbuy_member m JOIN groupbuy_team t ON t.id = m.team_id WHERE m.status = @pending AND t.status IN (@succeeded, @failed) " +
                $"ORDER BY m.id {database.Dialect.Page("0", "@batch")}", r => r.GetInt64(0), cancellationToken,
                ("pending", (short)MemberStatus.Pending), ("succeeded", (short)TeamStatus.Succeeded), ("failed", (short)TeamStatus.Failed), ("batch", Batch));
        var cancelled = 0;
        foreach (var orderId in unpaid)
        {
            try
            {
                await orders.CancelAsync(orderId, "groupbuy", "拼团已结束 the group-buy team closed", cancellationToken);
                cancelled++;
            }
            catch (MallConflictException)
            {
                // Paid or cancelled meanwhile (or by another host): the participant saw it; a late payment is owed back.
            }
        }
        return cancelled;
    }

    /// <summary>Refunds each member owed one, through the ledger with the member's key; a shipped order or one paid outside the ledger is left to the merchant.</summary>
    private async Task<(int Refunded, int Blocked)> RefundDueAsync(CancellationToken cancellationToken)
    {
        List<(long Id, long OrderId)> owed;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
            owed = await QueryAsync(connection, null, $"SELECT id, order_id FROM groupbuy_member WHERE status = @due ORDER BY id {database.Dialect.Page("0", "@batch")}",
                r => (r.GetInt64(0), r.GetInt64(1)), cancellationToken, ("due", (short)MemberStatus.RefundDue), ("batch", Batch));
        int refunded = 0, blocked = 0;
        foreach (var (memberId, orderId) in owed)
        {
            var order = await orders.FindAsync(orderId, null, cancellationToken);
            if (order is null || order.Status is OrderStatus.Shipped or OrderStatus.Completed or OrderStatus.AfterSale)
            {
                // Never refunded silently once the goods left: the merchant settles it (after-sale), listed in the admin API.
                blocked += await BlockAsync(memberId, $"order {order?.Number} is {order?.Status.ToString().ToLowerInvariant() ?? "missing"}: settle as an after-sale case", cancellationToken);
                continue;
            }
            var payment = (await payments.ListAsync(orderId, cancellationToken)).FirstOrDefault(p => p.Status is PaymentStatus.Captured or PaymentStatus.PartiallyRefunded);
            if (payment is null)
            {
                if (order.Status != OrderStatus.Refunded)
                    blocked += await BlockAsync(memberId, "no captured payment in the ledger (paid outside it): refund by hand", cancellationToken);
                continue;
            }
            var left = payment.Amount - payment.Events.Where(e => e.Kind == PaymentEventKind.Refunded).Sum(e => e.Amount)
                       + payment.Events.Where(e => e.Kind == PaymentEventKind.RefundFailed).Sum(e => e.Amount);
            if (left <= 0) continue;
            try
            {
                // The refund moves the order to refunded; the participant marks the member refunded in that transaction.
                await payments.RefundAsync(payment.Number, left, RefundKey(memberId), "拼团失败 group-buy team failed", "groupbuy", cancellationToken);
                refunded++;
            }
            catch (MallException ex)
            {
                // Kept owed: the next pass tries again with the same key.
                logger.LogWarning(ex, "Group-buy refund of member {Member} (order {Order}) failed; retrying on the next pass.", memberId, order.Number);
                await using var connection = await database.OpenConnectionAsync(cancellationToken);
                await ExecuteAsync(connection, null, "UPDATE groupbuy_member SET note = @note WHERE id = @id AND status = @due", cancellationToken,
                    ("note", Truncate($"refund failed: {ex.Message}")), ("id", memberId), ("due", (short)MemberStatus.RefundDue));
            }
        }
        return (refunded, blocked);
    }

    private async Task<int> BlockAsync(long memberId, string note, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var changed = await ExecuteAsync(connection, null, "UPDATE groupbuy_member SET status = @blocked, note = @note, updated_at = @now WHERE id = @id AND status = @due", cancellationToken,
            ("blocked", (short)MemberStatus.RefundBlocked), ("note", Truncate(note)), ("now", clock.GetUtcNow().UtcDateTime), ("id", memberId), ("due", (short)MemberStatus.RefundDue));
        if (changed == 1) logger.LogWarning("Group-buy member {Member}: refund needs the merchant — {Note}", memberId, note);
        return changed;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}

/// <summary>
/// Runs <see cref="GroupBuyExpiry"/> every few seconds while the plugin is enabled, on one node of the mall at a time
/// (a job lease; a pass is also safe beside another, so a lease lost mid-pass does no harm).
/// </summary>
public sealed class GroupBuyExpiryService(GroupBuyExpiry expiry, Mall.Jobs.IJobLeases leases, TimeProvider clock, ILogger<GroupBuyExpiryService> logger)
    : Mall.Jobs.MallJob(leases, clock, logger)
{
    /// <summary>Time between passes.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public override string Name => "Mall.Plugins.GroupBuy.expiry";

    /// <inheritdoc />
    protected override TimeSpan Interval => Every;

    /// <inheritdoc />
    protected override Task RunOnceAsync(CancellationToken cancellationToken) => expiry.RunOnceAsync(cancellationToken);
}
