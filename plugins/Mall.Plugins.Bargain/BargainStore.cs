using System.Data.Common;
using Mall.Common;
using Mall.Data;

namespace Mall.Plugins.Bargain;

/// <summary>A bargain activity (砍价活动). Money in cents.</summary>
public sealed record BargainActivity(long Id, long SkuId, long StartPrice, long FloorPrice, int HelpersNeeded, int MinSharePermille, int MaxSharePermille,
    int TimeLimitMinutes, DateTime? StartsAt, DateTime? EndsAt, bool AllowEarlyBuy, int StockCap, bool IsActive);

/// <summary>What a bargain is doing.</summary>
public enum BargainStatus
{
    /// <summary>Helpers are cutting.</summary>
    Active = 1,
    /// <summary>The floor price is reached.</summary>
    AtFloor = 2,
    /// <summary>Bought: bound to an order (an unpaid order cancelled gives it back).</summary>
    Bought = 3,
    /// <summary>Time ran out before it was bought (derived: never stored).</summary>
    Expired = 4,
}

/// <summary>One shopper's bargain, with its helpers.</summary>
public sealed record BargainView(long Id, long ActivityId, long CustomerId, decimal StartPrice, decimal FloorPrice, decimal CurrentPrice, int Helps, int HelpersNeeded,
    BargainStatus Status, DateTime ExpiresAt, IReadOnlyList<BargainHelpView> Helpers);

/// <summary>One helper's cut.</summary>
public sealed record BargainHelpView(long HelperId, decimal Cut, DateTime At);

/// <summary>The plugin's tables through the host's database, with plain ADO.NET (no shared Dapper caches holding plugin types).</summary>
public sealed class BargainStore(IMallDatabase database, Mall.Catalog.IProductService products, TimeProvider clock)
{
    private const int MaxAttempts = 8;

    private ISqlDialect Dialect => database.Dialect;

    /// <summary>Creates an activity after checking its terms.</summary>
    public async Task<BargainActivity> CreateActivityAsync(BargainActivityInput input, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (input.SkuId <= 0) errors.Add("skuId", "is required.");
        errors.Money("startPrice", input.StartPrice);
        errors.Money("floorPrice", input.FloorPrice);
        errors.Range("helpersNeeded", input.HelpersNeeded, 1, 1000);
        if (input.MinShare is <= 0 or > 1) errors.Add("minShare", "is a share of what is left to cut, above 0 and at most 1 (e.g. 0.05).");
        if (input.MaxShare < input.MinShare || input.MaxShare > 1) errors.Add("maxShare", "is at least minShare and at most 1.");
        errors.Range("timeLimitMinutes", input.TimeLimitMinutes, 1, 7 * 24 * 60);
        errors.Range("stockCap", input.StockCap, 1, 1_000_000);
        if (input.StartsAt is { } from && input.EndsAt is { } until && until <= from) errors.Add("endsAt", "must be after startsAt.");
        var start = Money.ToCents(input.StartPrice);
        var floor = Money.ToCents(input.FloorPrice);
        if (floor < 1 || floor >= start) errors.Add("floorPrice", "must be at least 0.01 and below startPrice.");
        else if (start - floor < input.HelpersNeeded) errors.Add("helpersNeeded", $"each helper cuts at least 0.01: at most {start - floor} helpers for this price range.");
        errors.ThrowIfAny();

        // The catalog says which SKUs exist (a SKU deleted meanwhile is refused when an order is placed).
        if (!(await products.GetSkusAsync([input.SkuId], cancellationToken: cancellationToken)).TryGetValue(input.SkuId, out var sku) || sku.IsDeleted)
            throw new MallValidationException("skuId", $"SKU {input.SkuId} does not exist.");
        return await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var id = await ScalarAsync(connection, tx, Dialect.InsertReturningId(
                "INSERT INTO bargain_activity (sku_id, start_price, floor_price, helpers_needed, min_share, max_share, time_limit_minutes, starts_at, ends_at, allow_early_buy, stock_cap, is_active, created_at, sold, stack_with_promotions) " +
                "VALUES (@sku, @start, @floor, @helpers, @min, @max, @limit, @startsAt, @endsAt, @early, @cap, @active, @now, 0, @stacks)", "id"), cancellationToken, ("stacks", input.StackWithPromotions),
                ("sku", input.SkuId), ("start", start), ("floor", floor), ("helpers", input.HelpersNeeded), ("min", Permille(input.MinShare)), ("max", Permille(input.MaxShare)),
                ("limit", input.TimeLimitMinutes), ("startsAt", input.StartsAt?.ToUniversalTime()), ("endsAt", input.EndsAt?.ToUniversalTime()), ("early", input.AllowEarlyBuy),
                ("cap", input.StockCap), ("active", true), ("now", clock.GetUtcNow().UtcDateTime));
            return (await FindActivityAsync(connection, tx, id, cancellationToken))!;
        }, cancellationToken);
    }

    /// <summary>An activity, or null.</summary>
    public async Task<BargainActivity?> FindActivityAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await FindActivityAsync(connection, null, id, cancellationToken);
    }

    /// <summary>The newest activities (at most 100), for the console's list.</summary>
    public async Task<IReadOnlyList<BargainActivity>> ListActivitiesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var ids = new List<long>();
        await using (var command = Command(connection, null, $"SELECT id FROM bargain_activity ORDER BY id DESC {database.Dialect.Page("0", "100")}"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetInt64(0));
        var activities = new List<BargainActivity>(ids.Count);
        foreach (var id in ids)
            if (await FindActivityAsync(connection, null, id, cancellationToken) is { } activity) activities.Add(activity);
        return activities;
    }

    /// <summary>A shopper starts their one bargain of an activity.</summary>
    public async Task<BargainView> StartAsync(long activityId, long customerId, CancellationToken cancellationToken)
    {
        long id;
        try
        {
            id = await database.InTransactionAsync(async tx =>
            {
                var connection = tx.Connection!;
                var activity = await FindActivityAsync(connection, tx, activityId, cancellationToken) ?? throw new MallNotFoundException($"Bargain activity {activityId} does not exist.");
                var now = clock.GetUtcNow().UtcDateTime;
                if (!activity.IsActive || activity.StartsAt > now || activity.EndsAt <= now)
                    throw new MallConflictException("This bargain activity is not running now.") { Code = "bargain.not_running" };
                return await ScalarAsync(connection, tx, Dialect.InsertReturningId(
                    "INSERT INTO bargain (activity_id, customer_id, current_price, helps, status, expires_at, created_at, updated_at) " +
                    "VALUES (@activity, @customer, @price, 0, @status, @expires, @now, @now)", "id"), cancellationToken,
                    ("activity", activityId), ("customer", customerId), ("price", activity.StartPrice), ("status", (short)BargainStatus.Active),
                    ("expires", Min(now.AddMinutes(activity.TimeLimitMinutes), activity.EndsAt)), ("now", now));
            }, cancellationToken);
        }
        catch (Exception ex) when (Dialect.IsUniqueViolation(ex))
        {
            throw new MallConflictException("You have already started a bargain in this activity.") { Code = "bargain.already_started" };
        }
        return (await FindAsync(id, cancellationToken))!;
    }

    /// <summary>
    /// A helper cuts the price once. The bargain row is locked while the cut is drawn; the update is also conditional
    /// on the number of helps read, and a race lost that way (SQLite, which has no row locks) is retried.
    /// </summary>
    public async Task<(long Cut, BargainView Bargain)> HelpAsync(long bargainId, long helperId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var cut = await database.InTransactionAsync(tx => HelpOnceAsync(tx, bargainId, helperId, cancellationToken), cancellationToken);
                return (cut, (await FindAsync(bargainId, cancellationToken))!);
            }
            catch (LostRaceException)
            {
                // Another help landed between the read and the update (SQLite has no row locks): draw again.
            }
            catch (Exception ex) when (Dialect.IsUniqueViolation(ex))
            {
                throw new MallConflictException("You have already helped this bargain.") { Code = "bargain.already_helped" };
            }
            if (attempt >= MaxAttempts) throw new MallConflictException("Many friends are helping at this moment; try again.") { Code = "bargain.busy" };
        }
    }

    private sealed class LostRaceException : Exception;

    private async Task<long> HelpOnceAsync(DbTransaction tx, long bargainId, long helperId, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        await using var read = Command(connection, tx,
            "SELECT b.customer_id, b.current_price, b.helps, b.expires_at, a.floor_price, a.helpers_needed, a.min_share, a.max_share " +
            $"FROM bargain b JOIN bargain_activity a ON a.id = b.activity_id WHERE b.id = @id{Dialect.ForUpdate}", ("id", bargainId));
        long owner, price, floor;
        int helps, needed, min, max;
        DateTime expires;
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) throw new MallNotFoundException($"Bargain {bargainId} does not exist.");
            (owner, price, helps, expires, floor, needed, min, max) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), Utc(reader.GetDateTime(3)),
                reader.GetInt64(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7));
        }
        if (owner == helperId) throw new MallConflictException("You cannot help your own bargain; share it with friends.") { Code = "bargain.self_help" };
        if (helps >= needed) throw new MallConflictException("This bargain has reached its floor price.") { Code = "bargain.complete" };
        var now = clock.GetUtcNow().UtcDateTime;
        if (expires <= now) throw new MallConflictException("This bargain has expired.") { Code = "bargain.expired" };

        var cut = BargainMath.NextCut(price - floor, needed - helps, min, max, Random.Shared);
        await ExecuteAsync(connection, tx, "INSERT INTO bargain_help (bargain_id, helper_id, cut, created_at) VALUES (@id, @helper, @cut, @now)", cancellationToken,
            ("id", bargainId), ("helper", helperId), ("cut", cut), ("now", now));
        var changed = await ExecuteAsync(connection, tx,
            "UPDATE bargain SET current_price = current_price - @cut, helps = helps + 1, status = @status, updated_at = @now WHERE id = @id AND helps = @helps", cancellationToken,
            ("cut", cut), ("status", (short)(helps + 1 == needed ? BargainStatus.AtFloor : BargainStatus.Active)), ("now", now), ("id", bargainId), ("helps", helps));
        return changed == 1 ? cut : throw new LostRaceException();
    }

    /// <summary>Drops the plugin's tables (uninstalling with its data).</summary>
    public async Task DropTablesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var table in new[] { "bargain_help", "bargain", "bargain_activity" })
            await ExecuteAsync(connection, null, $"DROP TABLE IF EXISTS {table}", cancellationToken);
    }

    /// <summary>A bargain with its helpers (a share link shows it to anyone), or null.</summary>
    public async Task<BargainView?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var read = Command(connection, null,
            "SELECT b.activity_id, b.customer_id, a.start_price, a.floor_price, b.current_price, b.helps, a.helpers_needed, b.status, b.expires_at " +
            "FROM bargain b JOIN bargain_activity a ON a.id = b.activity_id WHERE b.id = @id", ("id", id));
        BargainView view;
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) return null;
            var status = (BargainStatus)reader.GetInt16(7);
            var expires = Utc(reader.GetDateTime(8));
            if (status is BargainStatus.Active or BargainStatus.AtFloor && expires <= clock.GetUtcNow().UtcDateTime) status = BargainStatus.Expired;
            view = new BargainView(id, reader.GetInt64(0), reader.GetInt64(1), Money.FromCents(reader.GetInt64(2)), Money.FromCents(reader.GetInt64(3)),
                Money.FromCents(reader.GetInt64(4)), reader.GetInt32(5), reader.GetInt32(6), status, expires, []);
        }
        await using var helpers = Command(connection, null, "SELECT helper_id, cut, created_at FROM bargain_help WHERE bargain_id = @id ORDER BY id", ("id", id));
        var list = new List<BargainHelpView>();
        await using (var reader = await helpers.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                list.Add(new BargainHelpView(reader.GetInt64(0), Money.FromCents(reader.GetInt64(1)), Utc(reader.GetDateTime(2))));
        return view with { Helpers = list };
    }

    private async Task<BargainActivity?> FindActivityAsync(DbConnection connection, DbTransaction? tx, long id, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, tx,
            "SELECT id, sku_id, start_price, floor_price, helpers_needed, min_share, max_share, time_limit_minutes, starts_at, ends_at, allow_early_buy, stock_cap, is_active " +
            "FROM bargain_activity WHERE id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new BargainActivity(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6),
            reader.GetInt32(7), reader.IsDBNull(8) ? null : Utc(reader.GetDateTime(8)), reader.IsDBNull(9) ? null : Utc(reader.GetDateTime(9)),
            reader.GetBoolean(10), reader.GetInt32(11), reader.GetBoolean(12));
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters) =>
        MallSql.Command(connection, tx, sql, parameters);

    /// <summary>Adds a named parameter.</summary>
    internal static void Add(DbCommand command, string name, object? value) => MallSql.AddParameter(command, name, value);

    private static Task<long> ScalarAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        MallSql.ScalarAsync(connection, tx, sql, cancellationToken, parameters);

    /// <summary>Runs a statement with named parameters.</summary>
    internal static Task<int> ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters) =>
        MallSql.ExecuteAsync(connection, tx, sql, cancellationToken, parameters);

    private static int Permille(decimal share) => (int)decimal.Round(share * 1000, MidpointRounding.AwayFromZero);

    private static DateTime Utc(DateTime value) => MallSql.Utc(value);

    private static DateTime Min(DateTime a, DateTime? b) => b is { } other && other < a ? other : a;
}

/// <summary>An activity's terms as the merchant sends them.</summary>
/// <param name="SkuId">The SKU.</param>
/// <param name="StartPrice">Price when a bargain starts.</param>
/// <param name="FloorPrice">Price the last needed helper reaches.</param>
/// <param name="HelpersNeeded">How many friends must help.</param>
/// <param name="MinShare">Smallest cut as a share of what is left to cut (e.g. 0.05).</param>
/// <param name="MaxShare">Largest cut as a share of what is left (e.g. 0.4).</param>
/// <param name="TimeLimitMinutes">How long a bargain runs.</param>
/// <param name="StartsAt">Activity start (UTC), or now.</param>
/// <param name="EndsAt">Activity end (UTC), or open.</param>
/// <param name="AllowEarlyBuy">Whether a shopper may buy before the floor.</param>
/// <param name="StockCap">Units sold through the activity at most.</param>
/// <param name="StackWithPromotions">Whether store promotions may take the unit below the bargain price (default: no).</param>
public sealed record BargainActivityInput(long SkuId, decimal StartPrice, decimal FloorPrice, int HelpersNeeded, decimal MinShare, decimal MaxShare, int TimeLimitMinutes,
    int StockCap, DateTime? StartsAt = null, DateTime? EndsAt = null, bool AllowEarlyBuy = false, bool StackWithPromotions = false);
