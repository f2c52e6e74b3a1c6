namespace Mall.Common;

/// <summary>Normalises timestamps read from databases that do not keep a time zone (they are all written in UTC).</summary>
internal static class Utc
{
    public static DateTime Of(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    public static DateTime? Of(DateTime? value) => value is null ? null : Of(value.Value);
}
