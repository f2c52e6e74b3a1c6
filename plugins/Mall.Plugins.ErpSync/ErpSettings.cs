using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mall.Common;
using Mall.Plugins.ErpSync.Signing;

namespace Mall.Plugins.ErpSync;

/// <summary>The store's ERP connection and field mapping (plugin settings; defaults in plugin.json).</summary>
public sealed class ErpSettings
{
    /// <summary>The ERP's API base URL; empty: not configured, nothing is pushed or pulled.</summary>
    public string BaseUrl { get; set; } = "";
    /// <summary>How calls are signed: <c>top-md5</c>, <c>top-hmac</c> or <c>hmac-sha256</c> (<see cref="IErpSignatureScheme"/>).</summary>
    public string Scheme { get; set; } = TopSignatureScheme.Md5Name;
    /// <summary>The app key the ERP issued to this store.</summary>
    public string AppKey { get; set; } = "";
    /// <summary>The app secret; signs both directions.</summary>
    public string AppSecret { get; set; } = "";
    /// <summary>The ERP warehouse orders ship from and stock is read for.</summary>
    public string WarehouseCode { get; set; } = "";
    /// <summary>Seconds between pulls of stock and prices.</summary>
    public int PullIntervalSeconds { get; set; } = 60;
    /// <summary>First retry delay of a failed push; doubles each attempt.</summary>
    public int RetryBaseSeconds { get; set; } = 10;
    /// <summary>Longest delay between two attempts of a push.</summary>
    public int RetryMaxSeconds { get; set; } = 600;
    /// <summary>Timeout of one call to the ERP.</summary>
    public int RequestTimeoutSeconds { get; set; } = 15;
    /// <summary>Inbound calls whose timestamp is further from now than this are refused as replays.</summary>
    public int InboundMaxAgeSeconds { get; set; } = 300;
    /// <summary>Mall field → the ERP's field name (<see cref="ErpFields"/>); a Mall field left out is not sent.</summary>
    public Dictionary<string, string> Fields { get; set; } = [];
    /// <summary>Mall SKU code → ERP SKU code, where they differ (others are sent as they are).</summary>
    public Dictionary<string, string> Skus { get; set; } = [];
    /// <summary>ERP carrier code → the carrier name orders show (others are shown as the ERP sends them).</summary>
    public Dictionary<string, string> Carriers { get; set; } = [];

    /// <summary>Whether the ERP is configured (pushes and pulls run).</summary>
    public bool IsConfigured => BaseUrl.Length > 0;

    /// <summary>The ERP's code of a Mall SKU code.</summary>
    public string ErpSku(string mallCode) => Skus.TryGetValue(mallCode, out var erp) ? erp : mallCode;

    /// <summary>The Mall SKU code of an ERP SKU code.</summary>
    public string MallSku(string erpCode)
    {
        foreach (var (mall, erp) in Skus)
            if (string.Equals(erp, erpCode, StringComparison.Ordinal)) return mall;
        return erpCode;
    }

    /// <summary>The ERP's name of a Mall field, or null when it is not sent.</summary>
    public string? Field(string mallField) => Fields.TryGetValue(mallField, out var name) && name.Length > 0 ? name : null;
}

/// <summary>The Mall fields a mapping can name, and which must be mapped.</summary>
public static class ErpFields
{
    /// <summary>Fields of the order.</summary>
    public static IReadOnlyList<string> Order { get; } =
        ["orderNumber", "event", "status", "total", "shippingFee", "discount", "occurredAt", "receiverName", "receiverPhone", "regionCode", "address", "note", "lines", "warehouse"];

    /// <summary>Fields of each line.</summary>
    public static IReadOnlyList<string> Line { get; } = ["skuCode", "quantity", "unitPrice", "lineTotal"];

    /// <summary>Fields of an inbound shipment confirmation (besides <c>orderNumber</c>).</summary>
    public static IReadOnlyList<string> Shipment { get; } = ["carrier", "trackingNumber"];

    /// <summary>Fields an ERP cannot do without: which order, what happened, what is in it.</summary>
    public static IReadOnlyList<string> Required { get; } = ["orderNumber", "event", "lines", "skuCode", "quantity"];
}

/// <summary>Checks the connection and the mapping when the merchant saves them.</summary>
internal sealed partial class ErpSettingsValidator(ErpSignatureSchemes schemes) : Mall.Plugins.IPluginSettingsValidator
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.]{0,63}$")]
    private static partial Regex FieldName();

    public void Validate(JsonObject settings, ValidationErrors errors)
    {
        ErpSettings s;
        try
        {
            s = settings.Deserialize<ErpSettings>(ErpJson.Options) ?? new ErpSettings();
        }
        catch (System.Text.Json.JsonException ex)
        {
            errors.Add("settings", "do not fit the ERP settings: " + ex.Message);
            return;
        }
        if (s.BaseUrl.Length > 0)
        {
            if (!Uri.TryCreate(s.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                errors.Add("baseUrl", "must be an absolute http(s) URL.");
            if (s.AppKey.Trim().Length == 0) errors.Add("appKey", "is required when baseUrl is set.");
            if (s.AppSecret.Length < 8) errors.Add("appSecret", "is required when baseUrl is set (at least 8 characters).");
            if (s.WarehouseCode.Trim().Length == 0) errors.Add("warehouseCode", "is required when baseUrl is set.");
        }
        if (schemes.Find(s.Scheme) is null) errors.Add("scheme", $"is one of {string.Join(", ", schemes.Names)}.");
        Range("pullIntervalSeconds", s.PullIntervalSeconds, 1, 86_400);
        Range("retryBaseSeconds", s.RetryBaseSeconds, 1, 3_600);
        Range("retryMaxSeconds", s.RetryMaxSeconds, Math.Max(1, s.RetryBaseSeconds), 86_400);
        Range("requestTimeoutSeconds", s.RequestTimeoutSeconds, 1, 120);
        Range("inboundMaxAgeSeconds", s.InboundMaxAgeSeconds, 30, 3_600);

        var known = ErpFields.Order.Concat(ErpFields.Line).Concat(ErpFields.Shipment).ToHashSet(StringComparer.Ordinal);
        foreach (var (field, name) in s.Fields)
        {
            if (!known.Contains(field)) errors.Add($"fields.{field}", $"is not a Mall field; the fields are {string.Join(", ", known)}.");
            else if (!FieldName().IsMatch(name ?? "")) errors.Add($"fields.{field}", "names an ERP field: a letter or _, then letters, digits, _ or . (at most 64).");
        }
        foreach (var required in ErpFields.Required)
            if (s.Field(required) is null) errors.Add($"fields.{required}", "must be mapped: the ERP cannot take an order without it.");
        foreach (var group in new[] { ErpFields.Order, ErpFields.Line, ErpFields.Shipment })
            foreach (var clash in group.Where(f => s.Field(f) is not null).GroupBy(f => s.Field(f)!, StringComparer.Ordinal).Where(g => g.Count() > 1))
                errors.Add($"fields.{clash.Last()}", $"maps to '{clash.Key}' like {string.Join(", ", clash.SkipLast(1))}.");

        foreach (var (mall, erp) in s.Skus)
        {
            if (mall.Trim().Length == 0 || mall.Length > 64) errors.Add("skus", "keys are Mall SKU codes (1–64 characters).");
            else if (string.IsNullOrWhiteSpace(erp) || erp.Length > 64) errors.Add($"skus.{mall}", "is the ERP's SKU code (1–64 characters).");
        }
        foreach (var clash in s.Skus.GroupBy(p => p.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
            errors.Add($"skus.{clash.Last().Key}", $"maps to ERP SKU '{clash.Key}' like {clash.First().Key}: stock pulled for it would not know which SKU it is.");
        foreach (var (code, name) in s.Carriers)
            if (code.Trim().Length == 0 || string.IsNullOrWhiteSpace(name) || name.Length > 50) errors.Add($"carriers.{code}", "maps an ERP carrier code to a carrier name (1–50 characters).");

        void Range(string field, int value, int min, int max)
        {
            if (value < min || value > max) errors.Add(field, $"must be between {min} and {max}.");
        }
    }
}
