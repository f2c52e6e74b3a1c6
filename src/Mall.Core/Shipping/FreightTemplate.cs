using System.Text.Json.Serialization;

namespace Mall.Shipping;

/// <summary>How a freight template counts a shipment.</summary>
public enum FreightChargeBy
{
    /// <summary>By pieces (按件).</summary>
    Piece = 0,
    /// <summary>By weight in grams (按重量).</summary>
    Weight = 1,
}

/// <summary>First units cost <see cref="FirstFee"/>; each started block of <see cref="AdditionalUnits"/> more costs <see cref="AdditionalFee"/> (首件/首重 + 续件/续重).</summary>
/// <param name="FirstUnits">Pieces or grams covered by the first fee (≥ 1).</param>
/// <param name="FirstFee">Fee for the first units.</param>
/// <param name="AdditionalUnits">Pieces or grams per additional block (0: no additional charge).</param>
/// <param name="AdditionalFee">Fee per additional block.</param>
public sealed record FreightCharge(int FirstUnits, decimal FirstFee, int AdditionalUnits, decimal AdditionalFee)
{
    /// <summary>The fee for <paramref name="units"/> pieces or grams.</summary>
    public decimal FeeFor(long units)
    {
        if (units <= 0) return 0m;
        var extra = Math.Max(0, units - FirstUnits);
        var blocks = AdditionalUnits <= 0 ? 0 : (extra + AdditionalUnits - 1) / AdditionalUnits;
        return FirstFee + blocks * AdditionalFee;
    }
}

/// <summary>A charge that applies to some regions instead of the template's default.</summary>
/// <param name="RegionCodes">6-digit region codes: a province (<c>110000</c>), a city (<c>110100</c>) or a district (<c>110105</c>).</param>
/// <param name="Charge">The charge there.</param>
public sealed record FreightRegionRule(IReadOnlyList<string> RegionCodes, FreightCharge Charge);

/// <summary>A freight template (运费模板), assigned to products; products without one use the default template.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Name.</param>
/// <param name="ChargeBy">Pieces or weight.</param>
/// <param name="DefaultCharge">Charge where no rule applies.</param>
/// <param name="Rules">Charges for particular regions; the most specific matching code wins (district, city, province).</param>
/// <param name="FreeOverAmount">Free shipping when the template's lines total at least this (包邮), or null.</param>
/// <param name="FreeOverCount">Free shipping from this many pieces, or null.</param>
/// <param name="ExcludedRegions">Regions not delivered to (不配送区域), matched like rules.</param>
/// <param name="IsDefault">Used for products without a template; at most one template is the default.</param>
public sealed record FreightTemplate(
    long Id, string Name, FreightChargeBy ChargeBy, FreightCharge DefaultCharge, IReadOnlyList<FreightRegionRule> Rules,
    decimal? FreeOverAmount, int? FreeOverCount, IReadOnlyList<string> ExcludedRegions, bool IsDefault);

/// <summary>Create or replace a freight template.</summary>
public sealed record FreightTemplateInput
{
    /// <summary>Name, 1–100 characters.</summary>
    [JsonRequired]
    public string? Name { get; init; }
    /// <summary>Pieces or weight.</summary>
    public FreightChargeBy ChargeBy { get; init; }
    /// <summary>Charge where no rule applies (required).</summary>
    [JsonRequired]
    public FreightCharge? DefaultCharge { get; init; }
    /// <summary>Region rules (at most 100).</summary>
    public IReadOnlyList<FreightRegionRule>? Rules { get; init; }
    /// <summary>Free shipping from this amount.</summary>
    public decimal? FreeOverAmount { get; init; }
    /// <summary>Free shipping from this many pieces.</summary>
    public int? FreeOverCount { get; init; }
    /// <summary>Regions not delivered to.</summary>
    public IReadOnlyList<string>? ExcludedRegions { get; init; }
    /// <summary>Make this the default template (the previous default stops being it).</summary>
    public bool IsDefault { get; init; }
}

/// <summary>Freight templates and their assignment to products.</summary>
public interface IFreightTemplateService
{
    /// <summary>Every template.</summary>
    Task<IReadOnlyList<FreightTemplate>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One template, or null.</summary>
    Task<FreightTemplate?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Creates a template.</summary>
    /// <exception cref="Common.MallValidationException">Bad input; nothing is written.</exception>
    Task<FreightTemplate> CreateAsync(FreightTemplateInput input, CancellationToken cancellationToken = default);

    /// <summary>Replaces a template.</summary>
    Task<FreightTemplate> UpdateAsync(long id, FreightTemplateInput input, CancellationToken cancellationToken = default);

    /// <summary>Deletes a template no product uses.</summary>
    /// <exception cref="Common.MallConflictException">Products use it (code <c>freight.in_use</c>).</exception>
    Task DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Assigns a template to a product (null: the default template).</summary>
    Task AssignAsync(long productId, long? templateId, CancellationToken cancellationToken = default);
}
