using System.Globalization;
using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Promotions.Services;

/// <summary>
/// Default <see cref="IPromotionService"/>. Active rules are read on every quote, so they are kept in memory as one
/// snapshot, replaced after each change here and re-read at least every 30 seconds.
/// </summary>
internal sealed class PromotionService(IMallDatabase database, Mall.Clustering.IClusterBus bus, Mall.Catalog.IProductService products, PromotionShopperReader shoppers, TimeProvider clock) : IPromotionService
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

    /// <inheritdoc />
    public async Task<PromotionPreview> PreviewAsync(PromotionPreviewRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null) throw new MallValidationException("body", "is required.");
        var items = request.Items ?? [];
        var errors = new ValidationErrors();
        if (items.Count is 0 or > 100) errors.Add("items", "lists 1 to 100 lines of the sample cart.");
        for (var i = 0; i < items.Count && i < 100; i++)
        {
            if (items[i] is not { } item) { errors.Add($"items[{i}]", "is required."); continue; }
            if (item.SkuId <= 0) errors.Add($"items[{i}].skuId", "is required.");
            errors.Range($"items[{i}].quantity", item.Quantity, 1, 9_999);
        }
        if (request.CustomerId is <= 0) errors.Add("customerId", "is a shopper's id, or left out for a guest.");
        errors.ThrowIfAny();
        if (request.Draft is { } draft)
        {
            try { Validate(draft); }
            catch (MallValidationException ex)
            {
                throw new MallValidationException(ex.Errors.ToDictionary(e => "draft." + e.Key, e => e.Value));
            }
        }

        var skus = await products.GetSkusAsync(items.Select(i => i.SkuId).Concat(request.Draft?.GiftSkuId is { } g ? [g] : []).Distinct().ToList(), null, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < items.Count; i++)
            if (!skus.ContainsKey(items[i].SkuId)) errors.Add($"items[{i}].skuId", $"SKU {items[i].SkuId} does not exist.");
        if (request.CustomerId is { } customerId && (await shoppers.MemberLevelsAsync([customerId], cancellationToken).ConfigureAwait(false)).Count == 0)
            errors.Add("customerId", $"shopper {customerId} does not exist.");
        errors.ThrowIfAny();

        // The active rules, with the draft in place of its rule (or beside them when new).
        var rules = (await CurrentAsync(cancellationToken).ConfigureAwait(false)).ToList();
        var draftId = request.Draft?.Id ?? -1;
        if (request.Draft is { } edited)
        {
            var normalized = edited with { Name = edited.Name.Trim(), Id = Math.Max(0, edited.Id), ExclusivityGroup = string.IsNullOrWhiteSpace(edited.ExclusivityGroup) ? null : edited.ExclusivityGroup.Trim() };
            draftId = normalized.Id;
            var at = rules.FindIndex(r => r.Id == draftId);
            if (at >= 0) rules[at] = normalized;
            else rules.Add(normalized);
        }

        var lines = items.Select(i => skus[i.SkuId]).Zip(items, (sku, item) => new PromotionLine(sku.ProductId, sku.CategoryId, sku.BrandId, Money.ToCents(sku.Price), item.Quantity)).ToList();
        var shopper = await shoppers.ReadAsync(null, request.CustomerId, rules, cancellationToken).ConfigureAwait(false);
        var outcome = PromotionEngine.Evaluate(lines, shopper, rules, request.At?.ToUniversalTime() ?? clock.GetUtcNow().UtcDateTime);

        var subtotal = lines.Sum(l => l.AmountCents);
        var previewLines = items.Select((item, i) =>
        {
            var sku = skus[item.SkuId];
            return new PromotionPreviewLine(sku.Id, sku.ProductName, sku.SpecValues, sku.Price, item.Quantity, Money.FromCents(lines[i].AmountCents),
                Money.FromCents(outcome.LineDiscounts[i].Sum(p => p.Cents)));
        }).ToList();
        var giftNames = outcome.Gifts.Any(g => !skus.ContainsKey(g.SkuId))
            ? await products.GetSkusAsync(outcome.Gifts.Select(g => g.SkuId).Distinct().ToList(), null, cancellationToken).ConfigureAwait(false)
            : skus;
        return new PromotionPreview(Money.FromCents(subtotal), Money.FromCents(outcome.DiscountCents), Money.FromCents(subtotal - outcome.DiscountCents), outcome.FreeShipping,
            previewLines,
            outcome.Applied.Select(a => new PromotionPreviewApplied(a.RuleId, a.Name, Money.FromCents(a.DiscountCents), a.RuleId == draftId)).ToList(),
            outcome.Skipped,
            outcome.Gifts.Select(g => new PromotionPreviewGift(g.RuleId, g.SkuId, giftNames.TryGetValue(g.SkuId, out var gift) ? gift.ProductName : null, g.Quantity)).ToList());
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
