using System.Data.Common;
using System.Text.RegularExpressions;
using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Shipping.Services;

/// <summary>
/// Default <see cref="IFreightTemplateService"/>. Templates are few and read on every checkout, so they are kept in
/// memory as one snapshot, replaced after each change here and re-read at least every 30 seconds (another node's
/// changes arrive within that).
/// </summary>
internal partial class FreightTemplateService(IMallDatabase database, Mall.Catalog.IProductService products, Mall.Clustering.IClusterBus bus, TimeProvider clock) : IFreightTemplateService
{
    private readonly CachedSnapshot<IReadOnlyList<FreightTemplate>> _templates = new(clock, TimeSpan.FromSeconds(30), bus, "mall.shipping");

    /// <inheritdoc />
    public async Task<IReadOnlyList<FreightTemplate>> ListAsync(CancellationToken cancellationToken = default) =>
        await CurrentAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<FreightTemplate?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(t => t.Id == id);

    /// <summary>Templates as of at most 30 seconds ago (or the last change made here).</summary>
    internal Task<IReadOnlyList<FreightTemplate>> CurrentAsync(CancellationToken cancellationToken) => CurrentAsync(null, null, cancellationToken);

    /// <summary>As <see cref="CurrentAsync(CancellationToken)"/>, read (when stale) through the caller's connection if it holds one.</summary>
    internal Task<IReadOnlyList<FreightTemplate>> CurrentAsync(DbConnection? connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        _templates.GetAsync(ct => database.ReadAsync(connection, transaction, (c, tx) => ReadTemplatesAsync(c, tx, ct), ct), cancellationToken);

    /// <inheritdoc />
    public async Task<FreightTemplate> CreateAsync(FreightTemplateInput input, CancellationToken cancellationToken = default)
    {
        Validate(input);
        var id = await database.InTransactionAsync(async tx =>
        {
            if (input.IsDefault) await ClearDefaultAsync(tx, cancellationToken).ConfigureAwait(false);
            var now = clock.GetUtcNow().UtcDateTime;
            return await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                database.Dialect.InsertReturningId(
                    "INSERT INTO mall_freight_template (name, charge_by, first_units, first_fee, additional_units, additional_fee, free_over_amount, free_over_count, rules, excluded_regions, is_default, created_at, updated_at) " +
                    "VALUES (@Name, @ChargeBy, @FirstUnits, @FirstFee, @AdditionalUnits, @AdditionalFee, @FreeOverAmount, @FreeOverCount, @Rules, @ExcludedRegions, @IsDefault, @now, @now)", "id"),
                Parameters(input, now, 0), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return await RefreshAndFindAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<FreightTemplate> UpdateAsync(long id, FreightTemplateInput input, CancellationToken cancellationToken = default)
    {
        Validate(input);
        await database.InTransactionAsync(async tx =>
        {
            if (input.IsDefault) await ClearDefaultAsync(tx, cancellationToken).ConfigureAwait(false);
            var row = Parameters(input, clock.GetUtcNow().UtcDateTime, id);
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_freight_template SET name = @Name, charge_by = @ChargeBy, first_units = @FirstUnits, first_fee = @FirstFee, additional_units = @AdditionalUnits, " +
                "additional_fee = @AdditionalFee, free_over_amount = @FreeOverAmount, free_over_count = @FreeOverCount, rules = @Rules, excluded_regions = @ExcludedRegions, " +
                "is_default = @IsDefault, updated_at = @now WHERE id = @Id", row, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return changed == 0 ? throw new MallNotFoundException($"Freight template {id} does not exist.") : changed;
        }, cancellationToken).ConfigureAwait(false);
        return await RefreshAndFindAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            var users = await products.CountUsingFreightTemplateAsync(tx, id, cancellationToken).ConfigureAwait(false);
            if (users > 0) throw new MallConflictException($"Freight template {id} is used by {users} product(s); assign them another first.") { Code = "freight.in_use" };
            var deleted = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "DELETE FROM mall_freight_template WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return deleted == 0 ? throw new MallNotFoundException($"Freight template {id} does not exist.") : deleted;
        }, cancellationToken).ConfigureAwait(false);
        await _templates.InvalidateEverywhereAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task AssignAsync(long productId, long? templateId, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            if (templateId is { } tid && await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COUNT(*) FROM mall_freight_template WHERE id = @tid", new { tid }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) == 0)
                throw new MallValidationException("templateId", $"Freight template {tid} does not exist.");
            await products.SetFreightTemplateAsync(tx, productId, templateId, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<FreightTemplate> RefreshAndFindAsync(long id, CancellationToken cancellationToken)
    {
        await _templates.InvalidateEverywhereAsync().ConfigureAwait(false);
        return (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    private Task ClearDefaultAsync(DbTransaction tx, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE mall_freight_template SET is_default = FALSE WHERE is_default = TRUE", transaction: tx, cancellationToken: cancellationToken));

    private static async Task<IReadOnlyList<FreightTemplate>> ReadTemplatesAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, charge_by AS ChargeBy, first_units AS FirstUnits, first_fee AS FirstFee, additional_units AS AdditionalUnits, additional_fee AS AdditionalFee, " +
            "free_over_amount AS FreeOverAmount, free_over_count AS FreeOverCount, rules AS Rules, excluded_regions AS ExcludedRegions, is_default AS IsDefault FROM mall_freight_template ORDER BY id",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToTemplate()).ToList();
    }

    private static void Validate(FreightTemplateInput? input)
    {
        var errors = new ValidationErrors();
        if (input is null) throw new MallValidationException("body", "is required.");
        errors.Required("name", input.Name, 100);
        if (!Enum.IsDefined(input.ChargeBy)) errors.Add("chargeBy", "is piece or weight.");
        if (input.DefaultCharge is null) errors.Add("defaultCharge", "is required.");
        else ValidateCharge(errors, "defaultCharge", input.DefaultCharge);
        var rules = input.Rules ?? [];
        if (rules.Count > 100) errors.Add("rules", "at most 100 rules.");
        for (var i = 0; i < rules.Count && i < 100; i++)
        {
            if (rules[i]?.Charge is null || rules[i].RegionCodes is not { Count: > 0 }) { errors.Add($"rules[{i}]", "needs region codes and a charge."); continue; }
            ValidateCharge(errors, $"rules[{i}].charge", rules[i].Charge);
            ValidateRegions(errors, $"rules[{i}].regionCodes", rules[i].RegionCodes);
        }
        ValidateRegions(errors, "excludedRegions", input.ExcludedRegions ?? []);
        if (input.FreeOverAmount is { } amount) errors.Money("freeOverAmount", amount);
        if (input.FreeOverCount is { } count) errors.Range("freeOverCount", count, 1, 100_000);
        errors.ThrowIfAny();
    }

    private static void ValidateCharge(ValidationErrors errors, string field, FreightCharge charge)
    {
        errors.Range($"{field}.firstUnits", charge.FirstUnits, 1, 1_000_000);
        errors.Range($"{field}.additionalUnits", charge.AdditionalUnits, 0, 1_000_000);
        errors.Money($"{field}.firstFee", charge.FirstFee);
        errors.Money($"{field}.additionalFee", charge.AdditionalFee);
    }

    private static void ValidateRegions(ValidationErrors errors, string field, IReadOnlyList<string> codes)
    {
        if (codes.Count > 500) errors.Add(field, "at most 500 region codes.");
        foreach (var code in codes.Take(500))
            if (code is null || !RegionCode().IsMatch(code)) errors.Add(field, $"'{code}' is not a 6-digit region code.");
    }

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex RegionCode();

    private static object Parameters(FreightTemplateInput input, DateTime now, long id) => new
    {
        Id = id, Name = input.Name!.Trim(), ChargeBy = (short)input.ChargeBy,
        input.DefaultCharge!.FirstUnits, FirstFee = Money.ToCents(input.DefaultCharge.FirstFee),
        input.DefaultCharge.AdditionalUnits, AdditionalFee = Money.ToCents(input.DefaultCharge.AdditionalFee),
        FreeOverAmount = input.FreeOverAmount is { } a ? Money.ToCents(a) : (long?)null, input.FreeOverCount,
        Rules = JsonColumns.Write(input.Rules ?? []), ExcludedRegions = JsonColumns.Write(input.ExcludedRegions ?? []),
        input.IsDefault, now,
    };

    private sealed class Row
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public short ChargeBy { get; set; }
        public int FirstUnits { get; set; }
        public long FirstFee { get; set; }
        public int AdditionalUnits { get; set; }
        public long AdditionalFee { get; set; }
        public long? FreeOverAmount { get; set; }
        public int? FreeOverCount { get; set; }
        public string Rules { get; set; } = "[]";
        public string ExcludedRegions { get; set; } = "[]";
        public bool IsDefault { get; set; }

        public FreightTemplate ToTemplate() => new(Id, Name, (FreightChargeBy)ChargeBy,
            new FreightCharge(FirstUnits, Money.FromCents(FirstFee), AdditionalUnits, Money.FromCents(AdditionalFee)),
            JsonColumns.List<FreightRegionRule>(Rules), FreeOverAmount is { } a ? Money.FromCents(a) : null, FreeOverCount,
            JsonColumns.List<string>(ExcludedRegions), IsDefault);
    }
}
