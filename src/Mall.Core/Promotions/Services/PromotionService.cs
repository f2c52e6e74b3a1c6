using System.Globalization;
using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Promotions.Services;

/// <summary>
/// Default <see cref="IPromotionService"/>. Active rules are read on every quote, so they are kept in memory as one
/// snapshot, replaced after each change here and re-read at least every 30 seconds.
/// </summary>
internal sealed class PromotionService(IMallDatabase database, Mall.Clustering.IClusterBus bus, TimeProvider clock) : IPromotionService
{
    private readonly CachedSnapshot<IReadOnlyList<PromotionRule>> _rules = new(clock, TimeSpan.FromSeconds(30), bus, "mall.promotions");

    /// <inheritdoc />
    public async Task<IReadOnlyList<PromotionRule>> ListAsync(CancellationToken cancellationToken = default) =>
        await CurrentAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Active rules as of at most 30 seconds ago (or the last change made here).</summary>
    internal Task<IReadOnlyList<PromotionRule>> CurrentAsync(CancellationToken cancellationToken) => CurrentAsync(null, null, cancellationToken);

    /// <summary>As <see cref="CurrentAsync(CancellationToken)"/>, read (when stale) through the caller's connection if it holds one.</summary>
    internal Task<IReadOnlyList<PromotionRule>> CurrentAsync(System.Data.Common.DbConnection? connection, System.Data.Common.DbTransaction? transaction, CancellationToken cancellationToken) =>
        _rules.GetAsync(ct => database.ReadAsync(connection, transaction, async (c, tx) =>
        {
            var rows = await c.QueryAsync<Row>(new CommandDefinition(
                "SELECT id AS Id, name AS Name, priority AS Priority, scope AS Scope, scope_ids AS ScopeIds, min_amount AS MinAmount, min_count AS MinCount, " +
                "min_member_level AS MinMemberLevel, first_order_only AS FirstOrderOnly, benefit AS Benefit, value AS Value, gift_sku_id AS GiftSkuId, gift_quantity AS GiftQuantity, " +
                "starts_at AS StartsAt, ends_at AS EndsAt, per_customer_limit AS PerCustomerLimit, exclusivity_group AS ExclusivityGroup, stackable AS Stackable " +
                "FROM mall_promotion WHERE is_active = TRUE ORDER BY id", transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
            return (IReadOnlyList<PromotionRule>)rows.Select(r => r.ToRule()).ToList();
        }, ct), cancellationToken);

    /// <inheritdoc />
    public async Task<PromotionRule> CreateAsync(PromotionRule rule, CancellationToken cancellationToken = default)
    {
        Validate(rule);
        var id = await database.InTransactionAsync(tx => tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            database.Dialect.InsertReturningId(
                "INSERT INTO mall_promotion (name, priority, scope, scope_ids, min_amount, min_count, min_member_level, first_order_only, benefit, value, gift_sku_id, gift_quantity, " +
                "starts_at, ends_at, per_customer_limit, exclusivity_group, stackable, is_active, created_at, updated_at) VALUES (@Name, @Priority, @Scope, @ScopeIds, @MinAmount, @MinCount, " +
                "@MinMemberLevel, @FirstOrderOnly, @Benefit, @Value, @GiftSkuId, @GiftQuantity, @StartsAt, @EndsAt, @PerCustomerLimit, @ExclusivityGroup, @Stackable, TRUE, @now, @now)", "id"),
            Parameters(rule, 0), tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        await _rules.InvalidateEverywhereAsync().ConfigureAwait(false);
        return rule with { Id = id, Name = rule.Name.Trim() };
    }

    /// <inheritdoc />
    public async Task<PromotionRule> UpdateAsync(long id, PromotionRule rule, CancellationToken cancellationToken = default)
    {
        Validate(rule);
        await database.InTransactionAsync(async tx =>
        {
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_promotion SET name = @Name, priority = @Priority, scope = @Scope, scope_ids = @ScopeIds, min_amount = @MinAmount, min_count = @MinCount, " +
                "min_member_level = @MinMemberLevel, first_order_only = @FirstOrderOnly, benefit = @Benefit, value = @Value, gift_sku_id = @GiftSkuId, gift_quantity = @GiftQuantity, " +
                "starts_at = @StartsAt, ends_at = @EndsAt, per_customer_limit = @PerCustomerLimit, exclusivity_group = @ExclusivityGroup, stackable = @Stackable, updated_at = @now WHERE id = @Id",
                Parameters(rule, id), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return changed == 0 ? throw new MallNotFoundException($"Promotion {id} does not exist.") : changed;
        }, cancellationToken).ConfigureAwait(false);
        await _rules.InvalidateEverywhereAsync().ConfigureAwait(false);
        return rule with { Id = id, Name = rule.Name.Trim() };
    }

    /// <inheritdoc />
    public async Task DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        // In a transaction (rolled back when there is nothing to delete), so that an admin's delete is audited with it.
        await database.InTransactionAsync(async tx =>
        {
            var deleted = await tx.Connection!.ExecuteAsync(new CommandDefinition("DELETE FROM mall_promotion WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return deleted == 0 ? throw new MallNotFoundException($"Promotion {id} does not exist.") : deleted;
        }, cancellationToken).ConfigureAwait(false);
        await _rules.InvalidateEverywhereAsync().ConfigureAwait(false);
    }

    private object Parameters(PromotionRule rule, long id) => new
    {
        Id = id, Name = rule.Name.Trim(), rule.Priority, Scope = (short)rule.Scope, ScopeIds = JsonColumns.Write(rule.ScopeIds),
        MinAmount = rule.MinAmount is { } a ? Money.ToCents(a) : (long?)null, rule.MinCount, rule.MinMemberLevel, rule.FirstOrderOnly,
        Benefit = (short)rule.Benefit, Value = rule.Value.ToString(CultureInfo.InvariantCulture), rule.GiftSkuId, rule.GiftQuantity,
        StartsAt = rule.StartsAt?.ToUniversalTime(), EndsAt = rule.EndsAt?.ToUniversalTime(), rule.PerCustomerLimit,
        ExclusivityGroup = string.IsNullOrWhiteSpace(rule.ExclusivityGroup) ? null : rule.ExclusivityGroup.Trim(), rule.Stackable,
        now = clock.GetUtcNow().UtcDateTime,
    };

    private static void Validate(PromotionRule? rule)
    {
        if (rule is null) throw new MallValidationException("body", "is required.");
        var errors = new ValidationErrors();
        errors.Required("name", rule.Name, 100);
        if (!Enum.IsDefined(rule.Scope)) errors.Add("scope", "is allGoods, products, categories or brands.");
        if (!Enum.IsDefined(rule.Benefit)) errors.Add("benefit", "is not a known benefit.");
        if (rule.Scope != PromotionScope.AllGoods && (rule.ScopeIds is null || rule.ScopeIds.Count == 0)) errors.Add("scopeIds", "lists the products, categories or brands of the scope.");
        if (rule.ScopeIds is { Count: > 1000 }) errors.Add("scopeIds", "at most 1000 ids.");
        switch (rule.Benefit)
        {
            case PromotionBenefit.GoodsDiscount or PromotionBenefit.OrderDiscount:
                if (rule.Value is <= 0 or >= 1 || decimal.Round(rule.Value, 4) != rule.Value) errors.Add("value", "is the rate paid, between 0 and 1 (e.g. 0.85), with at most 4 decimals.");
                break;
            case PromotionBenefit.GoodsReduce or PromotionBenefit.GoodsFixedPrice or PromotionBenefit.OrderReduce:
                errors.Money("value", rule.Value);
                if (rule.Value == 0 && rule.Benefit != PromotionBenefit.GoodsFixedPrice) errors.Add("value", "must be more than zero.");
                break;
            case PromotionBenefit.Gift:
                if (rule.GiftSkuId is null) errors.Add("giftSkuId", "is required for a gift.");
                errors.Range("giftQuantity", rule.GiftQuantity, 1, 99);
                break;
        }
        if (rule.MinAmount is { } min) errors.Money("minAmount", min);
        if (rule.MinCount is { } count) errors.Range("minCount", count, 1, 100_000);
        if (rule.PerCustomerLimit is { } limit) errors.Range("perCustomerLimit", limit, 1, 100_000);
        if (rule.StartsAt is { } start && rule.EndsAt is { } end && end <= start) errors.Add("endsAt", "must be after startsAt.");
        errors.MaxLength("exclusivityGroup", rule.ExclusivityGroup, 50);
        errors.ThrowIfAny();
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public int Priority { get; set; }
        public short Scope { get; set; }
        public string ScopeIds { get; set; } = "[]";
        public long? MinAmount { get; set; }
        public int? MinCount { get; set; }
        public int? MinMemberLevel { get; set; }
        public bool FirstOrderOnly { get; set; }
        public short Benefit { get; set; }
        public string Value { get; set; } = "0";
        public long? GiftSkuId { get; set; }
        public int GiftQuantity { get; set; }
        public DateTime? StartsAt { get; set; }
        public DateTime? EndsAt { get; set; }
        public int? PerCustomerLimit { get; set; }
        public string? ExclusivityGroup { get; set; }
        public bool Stackable { get; set; }

        public PromotionRule ToRule() => new()
        {
            Id = Id, Name = Name, Priority = Priority, Scope = (PromotionScope)Scope, ScopeIds = JsonColumns.List<long>(ScopeIds),
            MinAmount = MinAmount is { } a ? Money.FromCents(a) : null, MinCount = MinCount, MinMemberLevel = MinMemberLevel, FirstOrderOnly = FirstOrderOnly,
            Benefit = (PromotionBenefit)Benefit, Value = decimal.Parse(Value, CultureInfo.InvariantCulture), GiftSkuId = GiftSkuId, GiftQuantity = GiftQuantity,
            StartsAt = StartsAt is { } s ? DateTime.SpecifyKind(s, DateTimeKind.Utc) : null, EndsAt = EndsAt is { } e ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : null,
            PerCustomerLimit = PerCustomerLimit, ExclusivityGroup = ExclusivityGroup, Stackable = Stackable,
        };
    }
}
