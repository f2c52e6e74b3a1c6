namespace Mall.Common;

/// <summary>
/// Money conversions. Amounts are <see cref="decimal"/> in the domain and are stored as whole minor units (cents,
/// 分) in a 64-bit integer column on every database, so that sums, comparisons and sorting are exact everywhere
/// (SQLite has no decimal type).
/// </summary>
public static class Money
{
    /// <summary>Largest amount a single price may have.</summary>
    public const decimal MaxAmount = 99_999_999.99m;

    /// <summary>Converts an amount with at most two decimals to cents; throws when it has more.</summary>
    public static long ToCents(decimal amount)
    {
        var cents = amount * 100m;
        if (cents != decimal.Truncate(cents)) throw new ArgumentException($"Amount {amount} has more than two decimal places.", nameof(amount));
        return (long)cents;
    }

    /// <summary>Converts cents to an amount.</summary>
    public static decimal FromCents(long cents) => cents / 100m;
}
