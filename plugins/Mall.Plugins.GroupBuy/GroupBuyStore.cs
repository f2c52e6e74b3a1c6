using System.Data.Common;
using Mall.Common;
using Mall.Data;
using static Mall.Data.MallSql;

namespace Mall.Plugins.GroupBuy;

/// <summary>Activities and the read side of teams, through the host's database with plain ADO.NET.</summary>
public sealed class GroupBuyStore(IMallDatabase database, Mall.Catalog.IProductService products, TimeProvider clock)
{
    private const string ActivityColumns =
        "id, name, team_size, team_minutes, starts_at, ends_at, per_user_limit, leader_discount, virtual_fill, stock_cap, sold, is_active";

    private const string TeamColumns = "t.id, t.activity_id, t.status, t.team_size, t.paid, t.seats, t.virtual_members, t.expires_at";

    /// <summary>Creates an activity after checking its terms (nothing is written when any is wrong).</summary>
    public async Task<GroupBuyActivity> CreateActivityAsync(GroupBuyActivityInput input, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Required("name", input.Name, 100);
        var skus = input.Skus ?? [];
        if (skus.Count is 0 or > 20) errors.Add("skus", "lists 1 to 20 SKUs with their group prices.");
        for (var i = 0; i < skus.Count; i++)
        {
            if (skus[i] is null || skus[i].SkuId <= 0) { errors.Add($"skus[{i}].skuId", "is required."); continue; }
            errors.Money($"skus[{i}].groupPrice", skus[i].GroupPrice);
            if (skus[i].GroupPrice < 0.01m) errors.Add($"skus[{i}].groupPrice", "is at least 0.01.");
        }
        if (skus.Where(s => s is not null).GroupBy(s => s.SkuId).Any(g => g.Count() > 1)) errors.Add("skus", "lists each SKU once.");
        errors.Range("teamSize", input.TeamSize, 2, 100);
        errors.Range("teamMinutes", input.TeamMinutes, 1, 7 * 24 * 60);
        errors.Range("perUserLimit", input.PerUserLimit, 1, 100);
        errors.Range("stockCap", input.StockCap, 1, 1_000_000);
        errors.Money("leaderDiscount", input.LeaderDiscount);
        if (input.LeaderDiscount < 0) errors.Add("leaderDiscount", "is 0 or more.");
        else if (skus.Count > 0 && skus.All(s => s is not null) && input.LeaderDiscount >= skus.Min(s => s.GroupPrice))
            errors.Add("leaderDiscount", "is below the lowest group price.");
        if (input.VirtualFill < 0 || input.VirtualFill >= input.TeamSize) errors.Add("virtualFill", "is 0 (off) up to teamSize − 1 missing seats.");
        if (input.StartsAt is { } from && input.EndsAt is { } until && until <= from) errors.Add("endsAt", "must be after startsAt.");
        errors.ThrowIfAny();

        // The catalog says which SKUs exist (a SKU deleted meanwhile is refused when an order is placed).
        var known = await products.GetSkusAsync(skus.Select(s => s.SkuId).ToList(), cancellationToken: cancellationToken);
        for (var i = 0; i < skus.Count; i++)
            if (!known.TryGetValue(skus[i].SkuId, out var sku) || sku.IsDeleted) throw new MallValidationException($"skus[{i}].skuId", $"SKU {skus[i].SkuId} does not exist.");
        return await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var now = clock.GetUtcNow().UtcDateTime;
            var id = await ScalarAsync(connection, tx, database.Dialect.InsertReturningId(
                "INSERT INTO groupbuy_activity (name, team_size, team_minutes, starts_at, ends_at, per_user_limit, leader_discount, virtual_fill, stock_cap, sold, is_active, created_at, updated_at) " +
                "VALUES (@name, @size, @minutes, @startsAt, @endsAt, @limit, @leader, @virtual, @cap, 0, @yes, @now, @now)", "id"), cancellationToken,
                ("name", input.Name!.Trim()), ("size", input.TeamSize), ("minutes", input.TeamMinutes), ("startsAt", input.StartsAt?.ToUniversalTime()), ("endsAt", input.EndsAt?.ToUniversalTime()),
                ("limit", input.PerUserLimit), ("leader", Money.ToCents(input.LeaderDiscount)), ("virtual", input.VirtualFill), ("cap", input.StockCap), ("yes", true), ("now", now));
            foreach (var sku in skus)
                await ExecuteAsync(connection, tx, "INSERT INTO groupbuy_activity_sku (activity_id, sku_id, group_price) VALUES (@activity, @sku, @price)", cancellationToken,
                    ("activity", id), ("sku", sku.SkuId), ("price", Money.ToCents(sku.GroupPrice)));
            return (await FindActivityAsync(connection, tx, id, cancellationToken))!;
        }, cancellationToken);
    }

    /// <summary>Ends an activity: no new teams; open teams run to their deadline.</summary>
    public async Task<GroupBuyActivity> EndActivityAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE groupbuy_activity SET is_active = @no, updated_at = @now WHERE id = @id", cancellationToken,
            ("no", false), ("now", clock.GetUtcNow().UtcDateTime), ("id", id));
        return await FindActivityAsync(connection, null, id, cancellationToken) ?? throw new MallNotFoundException($"Group-buy activity {id} does not exist.");
    }

    /// <summary>An activity, or null.</summary>
    public async Task<GroupBuyActivity?> FindActivityAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await FindActivityAsync(connection, null, id, cancellationToken);
    }

    /// <summary>The newest activities (at most 100), for the console's list.</summary>
    public async Task<IReadOnlyList<GroupBuyActivity>> ListActivitiesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var ids = await QueryAsync(connection, null, $"SELECT id FROM groupbuy_activity ORDER BY id DESC {database.Dialect.Page("0", "100")}", r => r.GetInt64(0), cancellationToken);
        var activities = new List<GroupBuyActivity>(ids.Count);
        foreach (var id in ids)
            if (await FindActivityAsync(connection, null, id, cancellationToken) is { } activity) activities.Add(activity);
        return activities;
    }

    /// <summary>The activity with the teams a shopper can join now, or null.</summary>
    public async Task<ActivityPage?> PageAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        if (await FindActivityAsync(connection, null, id, cancellationToken) is not { } activity) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        var teams = await QueryAsync(connection, null,
            $"SELECT {TeamColumns} FROM groupbuy_team t WHERE t.activity_id = @id AND t.status = @open AND t.seats < t.team_size AND t.expires_at > @now " +
            $"ORDER BY t.paid DESC, t.expires_at, t.id {database.Dialect.Page("0", "20")}", ReadTeam, cancellationToken, ("id", id), ("open", (short)TeamStatus.Open), ("now", now));
        return new ActivityPage(activity, IsRunning(activity, now), teams);
    }

    /// <summary>A team with the members holding a seat (its share link shows it to anyone), or null.</summary>
    public async Task<TeamView?> FindTeamAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var team = (await QueryAsync(connection, null, $"SELECT {TeamColumns} FROM groupbuy_team t WHERE t.id = @id", ReadTeam, cancellationToken, ("id", id))).SingleOrDefault();
        if (team is null) return null;
        var members = await QueryAsync(connection, null,
            "SELECT is_leader, status, created_at FROM groupbuy_member WHERE team_id = @id AND status IN (@pending, @paid) ORDER BY is_leader DESC, id",
            r => new TeamMemberView(r.GetBoolean(0), r.GetInt16(1) == (short)MemberStatus.Paid, Utc(r.GetDateTime(2))), cancellationToken,
            ("id", id), ("pending", (short)MemberStatus.Pending), ("paid", (short)MemberStatus.Paid));
        return team with { Members = members };
    }

    /// <summary>Teams of an activity with every member (the merchant's view), newest first, optionally of one status.</summary>
    public async Task<IReadOnlyList<TeamRecord>> ListTeamsAsync(long activityId, TeamStatus? status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var teams = await QueryAsync(connection, null,
            $"SELECT {TeamColumns} FROM groupbuy_team t WHERE t.activity_id = @activity{(status is null ? "" : " AND t.status = @status")} ORDER BY t.id DESC {database.Dialect.Page("0", "200")}",
            ReadTeam, cancellationToken, ("activity", activityId), ("status", (short?)status));
        var members = await MembersAsync(connection, "m.activity_id = @key", activityId, cancellationToken);
        return teams.Select(t => new TeamRecord(t, members.Where(m => m.TeamId == t.Id).ToList())).ToList();
    }

    /// <summary>A shopper's memberships, newest first.</summary>
    public async Task<IReadOnlyList<MemberRecord>> MembershipsAsync(long customerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await MembersAsync(connection, "m.customer_id = @key", customerId, cancellationToken);
    }

    /// <summary>Drops the plugin's tables (uninstalling with its data).</summary>
    public async Task DropTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var table in new[] { "groupbuy_quota", "groupbuy_member", "groupbuy_team", "groupbuy_activity_sku", "groupbuy_activity" })
            await ExecuteAsync(connection, null, $"DROP TABLE IF EXISTS {table}", cancellationToken);
    }

    internal static bool IsRunning(GroupBuyActivity activity, DateTime now) =>
        activity.IsActive && (activity.StartsAt is null || activity.StartsAt <= now) && (activity.EndsAt is null || activity.EndsAt > now);

    internal static async Task<GroupBuyActivity?> FindActivityAsync(DbConnection connection, DbTransaction? tx, long id, CancellationToken cancellationToken)
    {
        var skus = await QueryAsync(connection, tx, "SELECT sku_id, group_price FROM groupbuy_activity_sku WHERE activity_id = @id ORDER BY id",
            r => new GroupBuySku(r.GetInt64(0), Money.FromCents(r.GetInt64(1))), cancellationToken, ("id", id));
        var rows = await QueryAsync(connection, tx, $"SELECT {ActivityColumns} FROM groupbuy_activity WHERE id = @id", r => new GroupBuyActivity(
            r.GetInt64(0), r.GetString(1), skus, r.GetInt32(2), r.GetInt32(3), r.IsDBNull(4) ? null : Utc(r.GetDateTime(4)), r.IsDBNull(5) ? null : Utc(r.GetDateTime(5)),
            r.GetInt32(6), Money.FromCents(r.GetInt64(7)), r.GetInt32(8), r.GetInt32(9), r.GetInt32(10), r.GetBoolean(11)), cancellationToken, ("id", id));
        return rows.SingleOrDefault();
    }

    private static TeamView ReadTeam(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), (TeamStatus)r.GetInt16(2), r.GetInt32(3), r.GetInt32(4), Math.Max(0, r.GetInt32(3) - r.GetInt32(5)), r.GetInt32(6),
        r.IsDBNull(7) ? null : Utc(r.GetDateTime(7)), []);

    private static Task<List<MemberRecord>> MembersAsync(DbConnection connection, string where, long key, CancellationToken cancellationToken) =>
        QueryAsync(connection, null,
            $"SELECT m.id, m.team_id, m.customer_id, m.order_id, m.is_leader, m.quantity, m.status, m.note FROM groupbuy_member m WHERE {where} ORDER BY m.id DESC",
            r => new MemberRecord(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetBoolean(4), r.GetInt32(5), (MemberStatus)r.GetInt16(6), r.IsDBNull(7) ? null : r.GetString(7)),
            cancellationToken, ("key", key));
}
