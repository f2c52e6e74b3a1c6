using System.Data.Common;
using Mall.Common;
using Mall.Data;
using Mall.Ordering;
using static Mall.Data.MallSql;

namespace Mall.Plugins.GroupBuy;

/// <summary>
/// The team state machine, run inside an order's transaction (its row is locked by the order service, or by the
/// expiry job before it calls in), so each order's effect on its team happens once. Every counter changes with a
/// conditional update; rows are touched in one order — quota, activity, team, member — so that transactions
/// racing for the same team queue rather than deadlock.
/// </summary>
internal sealed class TeamLifecycle(ISqlDialect dialect, DbTransaction tx, DateTime now, CancellationToken cancellationToken)
{
    private DbConnection Connection => tx.Connection!;

    /// <summary>A placed order claims its seat: the shopper's limit, the activity's stock cap, then a seat of the team (or a new team).</summary>
    public async Task ClaimAsync(OrderPlacing placing, GroupBuyChoice choice)
    {
        long activityId;
        if (choice.JoinTeamId is { } joining)
            activityId = await ScalarAsync(Connection, tx, "SELECT activity_id FROM groupbuy_team WHERE id = @id", cancellationToken, ("id", joining));
        else activityId = choice.OpenActivityId!.Value;
        var activity = await GroupBuyStore.FindActivityAsync(Connection, tx, activityId, cancellationToken)
            ?? throw new MallValidationException("extensions", $"Group-buy activity {activityId} does not exist.");
        var line = GroupBuyPriceEvaluator.SingleLine(placing.Quote.Lines, activity);
        var units = line.Quantity;

        await Exec(dialect.InsertIgnoreDuplicate("groupbuy_quota", ["activity_id", "customer_id", "units"], ["@activity", "@customer", "0"], ["activity_id", "customer_id"]),
            ("activity", activityId), ("customer", placing.CustomerId));
        if (await Exec("UPDATE groupbuy_quota SET units = units + @units WHERE activity_id = @activity AND customer_id = @customer AND units + @units <= @limit",
                ("units", units), ("activity", activityId), ("customer", placing.CustomerId), ("limit", activity.PerUserLimit)) == 0)
            throw new MallConflictException($"You already hold {activity.PerUserLimit} unit(s) in this group-buy activity, its limit.") { Code = "groupbuy.limit_reached" };
        if (await Exec("UPDATE groupbuy_activity SET sold = sold + @units, updated_at = @now WHERE id = @activity AND sold + @units <= stock_cap",
                ("units", units), ("now", now), ("activity", activityId)) == 0)
            throw new MallConflictException("This group-buy activity is sold out.") { Code = "groupbuy.sold_out" };

        long teamId;
        if (choice.JoinTeamId is { } team)
        {
            // The last seat goes to exactly one order: of orders racing for it, the others are refused before anyone pays.
            if (await Exec("UPDATE groupbuy_team SET seats = seats + 1, updated_at = @now WHERE id = @id AND status = @open AND seats < team_size AND expires_at > @now",
                    ("now", now), ("id", team), ("open", (short)TeamStatus.Open)) == 0)
                throw new MallConflictException($"Team {team} is full or closed.") { Code = "groupbuy.team_full" };
            teamId = team;
        }
        else
        {
            if (!GroupBuyStore.IsRunning(activity, now)) throw new MallConflictException("This group-buy activity is not running now.") { Code = "groupbuy.not_running" };
            teamId = await ScalarAsync(Connection, tx, dialect.InsertReturningId(
                "INSERT INTO groupbuy_team (activity_id, leader_id, status, team_size, seats, paid, virtual_members, expires_at, created_at, updated_at) " +
                "VALUES (@activity, @customer, @status, @size, 1, 0, 0, NULL, @now, @now)", "id"), cancellationToken,
                ("activity", activityId), ("customer", placing.CustomerId), ("status", (short)TeamStatus.AwaitingLeader), ("size", activity.TeamSize), ("now", now));
        }
        try
        {
            await Exec("INSERT INTO groupbuy_member (team_id, activity_id, customer_id, seat_key, order_id, is_leader, quantity, status, note, created_at, updated_at) " +
                "VALUES (@team, @activity, @customer, @customer, @order, @leader, @units, @pending, NULL, @now, @now)",
                ("team", teamId), ("activity", activityId), ("customer", placing.CustomerId), ("order", placing.OrderId), ("leader", choice.IsLeader),
                ("units", units), ("pending", (short)MemberStatus.Pending), ("now", now));
        }
        catch (Exception ex) when (dialect.IsUniqueViolation(ex))
        {
            throw new MallConflictException("You are already in this team.") { Code = "groupbuy.already_in_team" };
        }
    }

    /// <summary>The order of a member moved to <paramref name="to"/>: the team follows.</summary>
    public async Task FollowAsync(long orderId, OrderStatus to, OrderTrigger trigger)
    {
        var member = (await QueryAsync(Connection, tx,
            "SELECT m.id, m.team_id, m.activity_id, m.customer_id, m.is_leader, m.quantity, m.status, t.status, a.team_minutes, a.ends_at " +
            "FROM groupbuy_member m JOIN groupbuy_team t ON t.id = m.team_id JOIN groupbuy_activity a ON a.id = m.activity_id WHERE m.order_id = @order",
            r => new Seat(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetBoolean(4), r.GetInt32(5), (MemberStatus)r.GetInt16(6), (TeamStatus)r.GetInt16(7),
                r.GetInt32(8), r.IsDBNull(9) ? null : Utc(r.GetDateTime(9))), cancellationToken, ("order", orderId))).SingleOrDefault();
        if (member is null) return;   // not a group-buy order

        if (trigger == OrderTrigger.Ship && member.TeamStatus != TeamStatus.Succeeded)
            throw new MallConflictException("This is a group-buy order: it ships once its team is complete.") { Code = "groupbuy.team_incomplete" };
        switch (to)
        {
            case OrderStatus.Cancelled when member.Status == MemberStatus.Pending:
                await LeaveAsync(member);
                break;
            case OrderStatus.Paid or OrderStatus.Shipped or OrderStatus.Completed or OrderStatus.RefundRequested or OrderStatus.PartiallyRefunded when member.Status == MemberStatus.Pending:
                await PaidAsync(member);
                break;
            case OrderStatus.Refunded when member.Status is MemberStatus.Paid or MemberStatus.RefundDue or MemberStatus.RefundBlocked or MemberStatus.Pending:
                await RefundedAsync(member);
                break;
        }
    }

    /// <summary>Unpaid and cancelled: the seat, the units and the stock cap are free again; a leader's team never opens.</summary>
    private async Task LeaveAsync(Seat member)
    {
        await GiveBackUnitsAsync(member);
        if (member.IsLeader && member.TeamStatus == TeamStatus.AwaitingLeader)
            await Exec("UPDATE groupbuy_team SET status = @abandoned, seats = 0, closed_at = @now, updated_at = @now WHERE id = @id AND status = @awaiting",
                ("abandoned", (short)TeamStatus.Abandoned), ("now", now), ("id", member.TeamId), ("awaiting", (short)TeamStatus.AwaitingLeader));
        else
            await Exec("UPDATE groupbuy_team SET seats = seats - 1, updated_at = @now WHERE id = @id AND seats > 0", ("now", now), ("id", member.TeamId));
        await SetMemberAsync(member, MemberStatus.Left, freeSeat: true);
    }

    /// <summary>Paid: the leader's payment opens the team; a member's counts, and the last one completes it. A team closed meanwhile owes the payment back.</summary>
    private async Task PaidAsync(Seat member)
    {
        switch (member.TeamStatus)
        {
            case TeamStatus.AwaitingLeader when member.IsLeader:
                var deadline = now.AddMinutes(member.TeamMinutes);
                if (member.ActivityEndsAt is { } end && end < deadline) deadline = end;
                await Exec("UPDATE groupbuy_team SET status = @open, paid = paid + 1, opened_at = @now, expires_at = @deadline, updated_at = @now WHERE id = @id AND status = @awaiting",
                    ("open", (short)TeamStatus.Open), ("now", now), ("deadline", deadline), ("id", member.TeamId), ("awaiting", (short)TeamStatus.AwaitingLeader));
                await SetMemberAsync(member, MemberStatus.Paid, freeSeat: false);
                break;
            case TeamStatus.Open:
                await Exec("UPDATE groupbuy_team SET paid = paid + 1, updated_at = @now WHERE id = @id AND status = @open", ("now", now), ("id", member.TeamId), ("open", (short)TeamStatus.Open));
                await Exec("UPDATE groupbuy_team SET status = @succeeded, closed_at = @now WHERE id = @id AND status = @open AND paid >= team_size",
                    ("succeeded", (short)TeamStatus.Succeeded), ("now", now), ("id", member.TeamId), ("open", (short)TeamStatus.Open));
                await SetMemberAsync(member, MemberStatus.Paid, freeSeat: false);
                break;
            default:
                // The team closed before this payment landed (failed, filled, abandoned): the member is owed a refund.
                await SetMemberAsync(member, MemberStatus.RefundDue, freeSeat: false, note: $"paid after the team closed ({member.TeamStatus})");
                break;
        }
    }

    /// <summary>Refunded in full: the member leaves the team (an open team gets the seat back) and gives back units and stock cap.</summary>
    private async Task RefundedAsync(Seat member)
    {
        await GiveBackUnitsAsync(member);
        if (member.TeamStatus == TeamStatus.Open)
            await Exec("UPDATE groupbuy_team SET seats = seats - 1, paid = paid - @paid, updated_at = @now WHERE id = @id AND seats > 0",
                ("paid", member.Status == MemberStatus.Paid ? 1 : 0), ("now", now), ("id", member.TeamId));
        await SetMemberAsync(member, MemberStatus.Refunded, freeSeat: true);
    }

    private async Task GiveBackUnitsAsync(Seat member)
    {
        await Exec("UPDATE groupbuy_quota SET units = units - @units WHERE activity_id = @activity AND customer_id = @customer AND units >= @units",
            ("units", member.Quantity), ("activity", member.ActivityId), ("customer", member.CustomerId));
        await Exec("UPDATE groupbuy_activity SET sold = sold - @units, updated_at = @now WHERE id = @activity AND sold >= @units",
            ("units", member.Quantity), ("now", now), ("activity", member.ActivityId));
    }

    private async Task SetMemberAsync(Seat member, MemberStatus status, bool freeSeat, string? note = null)
    {
        // Conditional on the status read: the order's lock already serialises changes to this member; this keeps it so.
        var changed = await Exec(
            $"UPDATE groupbuy_member SET status = @status, note = @note, updated_at = @now{(freeSeat ? ", seat_key = NULL" : "")} WHERE id = @id AND status = @was",
            ("status", (short)status), ("note", note), ("now", now), ("id", member.Id), ("was", (short)member.Status));
        if (changed == 0) throw new MallConflictException("The group-buy team changed meanwhile; try again.") { Code = "groupbuy.concurrent_change" };
    }

    private Task<int> Exec(string sql, params (string, object?)[] parameters) => ExecuteAsync(Connection, tx, sql, cancellationToken, parameters);

    private sealed record Seat(long Id, long TeamId, long ActivityId, long CustomerId, bool IsLeader, int Quantity, MemberStatus Status, TeamStatus TeamStatus, int TeamMinutes, DateTime? ActivityEndsAt);
}
