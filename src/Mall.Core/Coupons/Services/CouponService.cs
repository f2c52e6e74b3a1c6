using System.Data.Common;
using System.Globalization;
using Dapper;
using Mall.Common;
using Mall.Data;
using Mall.Promotions;

namespace Mall.Coupons.Services;

/// <summary>
/// Default <see cref="ICouponService"/>. Issuing a coupon first takes one from the template's count with a conditional
/// update (which also serialises issuance of that template across connections and hosts), then checks the shopper's
/// share and inserts; a unique index on the shopper's claim number backs the per-shopper limit.
/// </summary>
internal sealed class CouponService(IMallDatabase database, Mall.Customers.ICustomerService customers, TimeProvider clock) : ICouponService
{
    /// <summary>Largest number of shoppers one grant may name.</summary>
    public const int MaxGrant = 1000;

    private const string TemplateColumns =
        "id AS Id, name AS Name, kind AS Kind, scope AS Scope, scope_ids AS ScopeIds, min_amount AS MinAmount, value AS Value, max_discount AS MaxDiscount, " +
        "total_quantity AS TotalQuantity, issued_count AS IssuedCount, per_customer_limit AS PerCustomerLimit, valid_from AS ValidFrom, valid_until AS ValidUntil, " +
        "valid_days AS ValidDays, claimable AS Claimable, is_active AS IsActive";

    private const string CouponSelect =
        "SELECT c.id AS Id, c.template_id AS TemplateId, c.customer_id AS CustomerId, c.status AS Status, t.name AS Name, t.kind AS Kind, t.value AS Value, " +
        "t.min_amount AS MinAmount, t.max_discount AS MaxDiscount, c.valid_from AS ValidFrom, c.valid_until AS ValidUntil, c.order_id AS OrderId, c.claim_seq AS ClaimSeq, " +
        "c.issued_at AS IssuedAt, c.used_at AS UsedAt FROM mall_coupon c JOIN mall_coupon_template t ON t.id = c.template_id";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <inheritdoc />
    public async Task<IReadOnlyList<CouponTemplate>> ListTemplatesAsync(bool claimableNow, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var where = claimableNow
            ? " WHERE is_active = TRUE AND claimable = TRUE AND (valid_until IS NULL OR valid_until > @now) AND (total_quantity IS NULL OR issued_count < total_quantity)"
            : "";
        var rows = await connection.QueryAsync<TemplateRow>(new CommandDefinition(
            $"SELECT {TemplateColumns} FROM mall_coupon_template{where} ORDER BY id DESC", new { now = Now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToTemplate()).ToList();
    }

    /// <inheritdoc />
    public async Task<CouponTemplate?> FindTemplateAsync(long templateId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadTemplateAsync(connection, null, templateId, cancellationToken).ConfigureAwait(false))?.ToTemplate();
    }

    /// <inheritdoc />
    public async Task<CouponTemplate> CreateTemplateAsync(CouponTemplate template, CancellationToken cancellationToken = default)
    {
        Validate(template);
        var now = Now;
        var id = await database.InTransactionAsync(tx => tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            database.Dialect.InsertReturningId(
                "INSERT INTO mall_coupon_template (name, kind, scope, scope_ids, min_amount, value, max_discount, total_quantity, issued_count, per_customer_limit, " +
                "valid_from, valid_until, valid_days, claimable, is_active, created_at, updated_at) VALUES (@name, @kind, @scope, @scopeIds, @minAmount, @value, @maxDiscount, " +
                "@totalQuantity, 0, @perCustomerLimit, @validFrom, @validUntil, @validDays, @claimable, @isActive, @now, @now)", "id"),
            new
            {
                name = template.Name.Trim(), kind = (short)template.Kind, scope = (short)template.Scope, scopeIds = JsonColumns.Write(template.ScopeIds),
                minAmount = template.MinAmount is { } min ? Money.ToCents(min) : (long?)null, value = template.Value.ToString(CultureInfo.InvariantCulture),
                maxDiscount = template.MaxDiscount is { } max ? Money.ToCents(max) : (long?)null, totalQuantity = template.TotalQuantity,
                perCustomerLimit = template.PerCustomerLimit, validFrom = template.ValidFrom?.ToUniversalTime(), validUntil = template.ValidUntil?.ToUniversalTime(),
                validDays = template.ValidDays, claimable = template.Claimable, isActive = template.IsActive, now,
            }, tx, cancellationToken: cancellationToken)), cancellationToken).ConfigureAwait(false);
        return (await FindTemplateAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<CouponTemplate> UpdateTemplateAsync(long templateId, CouponTemplateChange change, CancellationToken cancellationToken = default)
    {
        if (change is null) throw new MallValidationException("body", "is required.");
        var errors = new ValidationErrors();
        errors.Required("name", change.Name, 100);
        if (change.TotalQuantity is { } total) errors.Range("totalQuantity", total, 1, 100_000_000);
        errors.ThrowIfAny();
        await database.InTransactionAsync(async tx =>
        {
            // Conditional on the count issued, so that a claim racing the change cannot end above the new total.
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_coupon_template SET name = @name, total_quantity = @totalQuantity, claimable = @claimable, is_active = @isActive, updated_at = @now " +
                "WHERE id = @templateId" + (change.TotalQuantity is null ? "" : " AND issued_count <= @totalQuantity"),
                new { name = change.Name.Trim(), totalQuantity = change.TotalQuantity, claimable = change.Claimable, isActive = change.IsActive, now = Now, templateId },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 1) return changed;
            var row = await ReadTemplateAsync(tx.Connection!, tx, templateId, cancellationToken).ConfigureAwait(false)
                ?? throw new MallNotFoundException($"Coupon template {templateId} does not exist.");
            throw new MallValidationException("totalQuantity", $"{row.IssuedCount} coupons are already issued; the total cannot be lower.");
        }, cancellationToken).ConfigureAwait(false);
        return (await FindTemplateAsync(templateId, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<Coupon> ClaimAsync(long templateId, long customerId, CancellationToken cancellationToken = default)
    {
        try
        {
            var id = await database.InTransactionAsync(async tx =>
            {
                var template = await TakeAsync(tx, templateId, 1, claim: true, cancellationToken).ConfigureAwait(false);
                var connection = tx.Connection!;
                var claimed = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COUNT(*) FROM mall_coupon WHERE template_id = @templateId AND customer_id = @customerId AND claim_seq IS NOT NULL",
                    new { templateId, customerId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (claimed >= template.PerCustomerLimit)
                    throw new MallConflictException($"You already hold {claimed} of '{template.Name}'; each shopper may claim {template.PerCustomerLimit}.") { Code = "coupon.limit_reached" };
                return await InsertAsync(tx, template, customerId, (int)claimed + 1, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            return (await FindAsync(id, customerId, cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (database.Dialect.IsUniqueViolation(ex))
        {
            // Two claims of one shopper took the same claim number; the index kept the limit. Report it as reached.
            throw new MallConflictException("Another claim of yours for this coupon is in progress; try again.") { Code = "coupon.limit_reached" };
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Coupon>> GrantAsync(long templateId, IReadOnlyList<long> customerIds, CancellationToken cancellationToken = default)
    {
        if (customerIds is null || customerIds.Count is 0 or > MaxGrant) throw new MallValidationException("customerIds", $"lists 1 to {MaxGrant} shoppers.");
        var ids = await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var distinct = customerIds.Distinct().ToList();
            var known = (await customers.GetMemberLevelsAsync(distinct, tx, cancellationToken).ConfigureAwait(false)).Keys.ToHashSet();
            var missing = distinct.Where(id => !known.Contains(id)).ToList();
            if (missing.Count > 0) throw new MallValidationException("customerIds", $"Unknown shoppers: {string.Join(", ", missing.Take(20))}.");
            var template = await TakeAsync(tx, templateId, customerIds.Count, claim: false, cancellationToken).ConfigureAwait(false);
            var issued = new List<long>(customerIds.Count);
            foreach (var customerId in customerIds)
                issued.Add(await InsertAsync(tx, template, customerId, null, cancellationToken).ConfigureAwait(false));
            return issued;
        }, cancellationToken).ConfigureAwait(false);
        await using var read = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await read.QueryAsync<CouponRow>(new CommandDefinition(
            $"{CouponSelect} WHERE {database.Dialect.InList("c.id", "@ids")} ORDER BY c.id", new { ids }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var now = Now;
        return rows.Select(r => r.ToCoupon(now)).ToList();
    }

    /// <inheritdoc />
    public async Task<PagedResult<Coupon>> ListAsync(CouponQuery query, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        Paging.Validate(errors, query.Page, query.PageSize);
        if (query.Status is { } s && !Enum.IsDefined(s)) errors.Add("status", "is available, used, voided or expired.");
        errors.ThrowIfAny();
        var where = "1 = 1" + (query.CustomerId is null ? "" : " AND c.customer_id = @customerId") + (query.TemplateId is null ? "" : " AND c.template_id = @templateId") +
            query.Status switch
            {
                null => "",
                CouponStatus.Available => " AND c.status = 1 AND (c.valid_until IS NULL OR c.valid_until > @now)",
                CouponStatus.Expired => " AND c.status = 1 AND c.valid_until <= @now",
                _ => " AND c.status = @status",
            };
        var now = Now;
        var parameters = new { customerId = query.CustomerId, templateId = query.TemplateId, status = (short?)query.Status, now, skip = (query.Page - 1) * query.PageSize, take = query.PageSize };
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM mall_coupon c WHERE {where}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CouponRow>(new CommandDefinition(
            $"{CouponSelect} WHERE {where} ORDER BY c.id DESC {database.Dialect.Page("@skip", "@take")}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new PagedResult<Coupon>(rows.Select(r => r.ToCoupon(now)).ToList(), query.Page, query.PageSize, total);
    }

    /// <inheritdoc />
    public async Task<Coupon?> FindAsync(long couponId, long? customerId = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<CouponRow>(new CommandDefinition(
            $"{CouponSelect} WHERE c.id = @couponId{(customerId is null ? "" : " AND c.customer_id = @customerId")}", new { couponId, customerId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToCoupon(Now);
    }

    /// <inheritdoc />
    public async Task<Coupon> VoidAsync(long couponId, CancellationToken cancellationToken = default)
    {
        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_coupon SET status = @voided WHERE id = @couponId AND status = @available",
                new { voided = (short)CouponStatus.Voided, couponId, available = (short)CouponStatus.Available }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 0)
            {
                var current = await FindAsync(couponId, null, cancellationToken).ConfigureAwait(false) ?? throw new MallNotFoundException($"Coupon {couponId} does not exist.");
                if (current.Status == CouponStatus.Used) throw new MallConflictException($"Coupon {couponId} is bound to order {current.OrderId}.") { Code = "coupon.in_use" };
                return current;
            }
        }
        return (await FindAsync(couponId, null, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task RedeemAsync(DbTransaction transaction, long couponId, long customerId, long orderId, CancellationToken cancellationToken = default)
    {
        var now = Now;
        // Conditional: only an available coupon of this shopper, valid now, and only one order wins it.
        var changed = await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_coupon SET status = @used, order_id = @orderId, used_at = @now WHERE id = @couponId AND customer_id = @customerId AND status = @available " +
            "AND valid_from <= @now AND (valid_until IS NULL OR valid_until > @now)",
            new { used = (short)CouponStatus.Used, orderId, now, couponId, customerId, available = (short)CouponStatus.Available }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new MallConflictException($"Coupon {couponId} is no longer available (used by another order, voided or expired).") { Code = "coupon.unavailable" };
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseAsync(DbTransaction transaction, long orderId, CancellationToken cancellationToken = default) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_coupon SET status = @available, order_id = NULL, used_at = NULL WHERE order_id = @orderId AND status = @used",
            new { available = (short)CouponStatus.Available, orderId, used = (short)CouponStatus.Used }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;

    /// <summary>A shopper's coupon with its template, for checkout; null when it is not theirs.</summary>
    internal Task<(Coupon Coupon, CouponTemplate Template)?> FindForCheckoutAsync(DbConnection? connection, DbTransaction? transaction, long couponId, long customerId, CancellationToken cancellationToken) =>
        database.ReadAsync<(Coupon, CouponTemplate)?>(connection, transaction, async (c, tx) =>
        {
            var coupon = await c.QuerySingleOrDefaultAsync<CouponRow>(new CommandDefinition(
                $"{CouponSelect} WHERE c.id = @couponId AND c.customer_id = @customerId", new { couponId, customerId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (coupon is null) return null;
            var template = await ReadTemplateAsync(c, tx, coupon.TemplateId, cancellationToken).ConfigureAwait(false);
            return (coupon.ToCoupon(Now), template!.ToTemplate());
        }, cancellationToken);

    /// <summary>
    /// Takes <paramref name="count"/> coupons from the template's quantity, or explains why not. The conditional
    /// update locks the template row until commit, so issuance of one template is serialised.
    /// </summary>
    private async Task<TemplateRow> TakeAsync(DbTransaction tx, long templateId, int count, bool claim, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        var now = Now;
        var taken = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_coupon_template SET issued_count = issued_count + @count, updated_at = @now WHERE id = @templateId AND is_active = TRUE" +
            (claim ? " AND claimable = TRUE" : "") +
            " AND (valid_until IS NULL OR valid_until > @now) AND (total_quantity IS NULL OR issued_count + @count <= total_quantity)",
            new { count, now, templateId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var row = await ReadTemplateAsync(connection, tx, templateId, cancellationToken).ConfigureAwait(false)
            ?? throw new MallNotFoundException($"Coupon template {templateId} does not exist.");
        if (taken == 1) return row;
        if (!row.IsActive || (claim && !row.Claimable))
            throw new MallConflictException($"'{row.Name}' is not being issued.") { Code = "coupon.not_claimable" };
        if (row.ValidUntil is { } until && Utc.Of(until) <= now)
            throw new MallConflictException($"'{row.Name}' ended at {Utc.Of(until):yyyy-MM-dd HH:mm} UTC.") { Code = "coupon.not_claimable" };
        throw new MallConflictException($"'{row.Name}' is all given out ({row.IssuedCount} of {row.TotalQuantity}).") { Code = "coupon.sold_out" };
    }

    private async Task<long> InsertAsync(DbTransaction tx, TemplateRow template, long customerId, int? claimSeq, CancellationToken cancellationToken)
    {
        var now = Now;
        DateTime validFrom;
        DateTime? validUntil;
        if (template.ValidDays is { } days)
        {
            validFrom = now;
            validUntil = now.AddDays(days);
        }
        else
        {
            validFrom = template.ValidFrom is { } from ? Utc.Of(from) : now;
            validUntil = Utc.Of(template.ValidUntil);
        }
        return await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            database.Dialect.InsertReturningId(
                "INSERT INTO mall_coupon (template_id, customer_id, status, claim_seq, valid_from, valid_until, order_id, issued_at, used_at) " +
                "VALUES (@templateId, @customerId, @status, @claimSeq, @validFrom, @validUntil, NULL, @now, NULL)", "id"),
            new { templateId = template.Id, customerId, status = (short)CouponStatus.Available, claimSeq, validFrom, validUntil, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static Task<TemplateRow?> ReadTemplateAsync(DbConnection connection, DbTransaction? tx, long templateId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<TemplateRow?>(new CommandDefinition(
            $"SELECT {TemplateColumns} FROM mall_coupon_template WHERE id = @templateId", new { templateId }, tx, cancellationToken: cancellationToken));

    private static void Validate(CouponTemplate? template)
    {
        if (template is null) throw new MallValidationException("body", "is required.");
        var errors = new ValidationErrors();
        errors.Required("name", template.Name, 100);
        if (!Enum.IsDefined(template.Kind)) errors.Add("kind", "is fullReduction, discount or noThreshold.");
        if (!Enum.IsDefined(template.Scope)) errors.Add("scope", "is allGoods, products, categories or brands.");
        if (template.Scope != PromotionScope.AllGoods && (template.ScopeIds is null || template.ScopeIds.Count == 0)) errors.Add("scopeIds", "lists the products, categories or brands of the scope.");
        if (template.ScopeIds is { Count: > 1000 }) errors.Add("scopeIds", "at most 1000 ids.");
        switch (template.Kind)
        {
            case CouponKind.Discount:
                if (template.Value is <= 0 or >= 1 || decimal.Round(template.Value, 4) != template.Value) errors.Add("value", "is the rate paid, between 0 and 1 (e.g. 0.9), with at most 4 decimals.");
                if (template.MaxDiscount is { } cap) errors.Money("maxDiscount", cap);
                break;
            case CouponKind.FullReduction or CouponKind.NoThreshold:
                errors.Money("value", template.Value);
                if (template.Value == 0) errors.Add("value", "must be more than zero.");
                if (template.MaxDiscount is not null) errors.Add("maxDiscount", "applies to discount coupons only.");
                break;
        }
        if (template.Kind == CouponKind.FullReduction)
        {
            if (template.MinAmount is not { } min || min <= 0) errors.Add("minAmount", "is required for a full-reduction coupon (满减).");
            else if (min < template.Value) errors.Add("minAmount", "must be at least the amount taken off.");
        }
        if (template.Kind == CouponKind.NoThreshold && template.MinAmount is not null) errors.Add("minAmount", "a no-threshold coupon has none.");
        if (template.MinAmount is { } m) errors.Money("minAmount", m);
        if (template.TotalQuantity is { } total) errors.Range("totalQuantity", total, 1, 100_000_000);
        errors.Range("perCustomerLimit", template.PerCustomerLimit, 1, 1000);
        if (template.ValidDays is { } days)
        {
            errors.Range("validDays", days, 1, 3650);
            if (template.ValidFrom is not null) errors.Add("validFrom", "is set by validDays (from when each coupon is issued); give one or the other.");
        }
        else if (template.ValidUntil is null) errors.Add("validUntil", "is required unless validDays is given.");
        if (template.ValidFrom is { } from && template.ValidUntil is { } until && until <= from) errors.Add("validUntil", "must be after validFrom.");
        errors.ThrowIfAny();
    }

    private sealed class TemplateRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public short Kind { get; set; }
        public short Scope { get; set; }
        public string ScopeIds { get; set; } = "[]";
        public long? MinAmount { get; set; }
        public string Value { get; set; } = "0";
        public long? MaxDiscount { get; set; }
        public int? TotalQuantity { get; set; }
        public int IssuedCount { get; set; }
        public int PerCustomerLimit { get; set; }
        public DateTime? ValidFrom { get; set; }
        public DateTime? ValidUntil { get; set; }
        public int? ValidDays { get; set; }
        public bool Claimable { get; set; }
        public bool IsActive { get; set; }

        public CouponTemplate ToTemplate() => new()
        {
            Id = Id, Name = Name, Kind = (CouponKind)Kind, Scope = (PromotionScope)Scope, ScopeIds = JsonColumns.List<long>(ScopeIds),
            MinAmount = MinAmount is { } a ? Money.FromCents(a) : null, Value = decimal.Parse(Value, CultureInfo.InvariantCulture),
            MaxDiscount = MaxDiscount is { } m ? Money.FromCents(m) : null, TotalQuantity = TotalQuantity, IssuedCount = IssuedCount, PerCustomerLimit = PerCustomerLimit,
            ValidFrom = Utc.Of(ValidFrom), ValidUntil = Utc.Of(ValidUntil), ValidDays = ValidDays, Claimable = Claimable, IsActive = IsActive,
        };
    }

    private sealed class CouponRow
    {
        public long Id { get; set; }
        public long TemplateId { get; set; }
        public long CustomerId { get; set; }
        public short Status { get; set; }
        public string Name { get; set; } = "";
        public short Kind { get; set; }
        public string Value { get; set; } = "0";
        public long? MinAmount { get; set; }
        public long? MaxDiscount { get; set; }
        public DateTime ValidFrom { get; set; }
        public DateTime? ValidUntil { get; set; }
        public long? OrderId { get; set; }
        public int? ClaimSeq { get; set; }
        public DateTime IssuedAt { get; set; }
        public DateTime? UsedAt { get; set; }

        public Coupon ToCoupon(DateTime now) => new()
        {
            Id = Id, TemplateId = TemplateId, CustomerId = CustomerId, Name = Name, Kind = (CouponKind)Kind, Value = decimal.Parse(Value, CultureInfo.InvariantCulture),
            Status = (CouponStatus)Status == CouponStatus.Available && ValidUntil is { } until && Utc.Of(until) <= now ? CouponStatus.Expired : (CouponStatus)Status,
            MinAmount = MinAmount is { } a ? Money.FromCents(a) : null, MaxDiscount = MaxDiscount is { } m ? Money.FromCents(m) : null,
            ValidFrom = Utc.Of(ValidFrom), ValidUntil = Utc.Of(ValidUntil), OrderId = OrderId, Claimed = ClaimSeq is not null, IssuedAt = Utc.Of(IssuedAt), UsedAt = Utc.Of(UsedAt),
        };
    }
}
