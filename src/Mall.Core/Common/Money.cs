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

    /// <summary>
    /// Splits <paramref name="totalCents"/> among <paramref name="weights"/> in proportion, exactly: the shares add up
    /// to the total (largest remainder; ties go to the earlier entry). Zero weights get nothing.
    /// </summary>
    public static void Allocate(long totalCents, ReadOnlySpan<long> weights, Span<long> shares)
    {
        if (shares.Length < weights.Length) throw new ArgumentException("One share per weight is needed.", nameof(shares));
        Int128 sum = 0;
        foreach (var weight in weights)
        {
            if (weight < 0) throw new ArgumentOutOfRangeException(nameof(weights), "Weights are not negative.");
            sum += weight;
        }
        shares[..weights.Length].Clear();
        if (totalCents == 0 || sum == 0) return;
        Span<long> remainders = weights.Length <= 64 ? stackalloc long[weights.Length] : new long[weights.Length];
        long given = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var product = (Int128)totalCents * weights[i];
            shares[i] = (long)(product / sum);
            remainders[i] = (long)(product % sum);
            given += shares[i];
        }
        // The cents left over go to the largest remainders.
        for (var left = totalCents - given; left > 0; left--)
        {
            var best = -1;
            for (var i = 0; i < weights.Length; i++)
                if (weights[i] > 0 && (best < 0 || remainders[i] > remainders[best])) best = i;
            shares[best]++;
            remainders[best] = -1;
        }
    }
}
