namespace Mall.Plugins.Bargain;

/// <summary>
/// How much one helper cuts, in cents. Each cut is drawn from the activity's band — a share of what is left to cut —
/// while always leaving at least one cent for every helper still needed, and the last needed helper cuts exactly what
/// is left, so the price reaches the floor exactly and never goes below it.
/// </summary>
public static class BargainMath
{
    /// <summary>
    /// The next cut.
    /// </summary>
    /// <param name="remainingCents">Price now minus the floor (≥ <paramref name="remainingHelpers"/>).</param>
    /// <param name="remainingHelpers">Helpers still needed, this one included (≥ 1).</param>
    /// <param name="minSharePermille">Smallest cut as a share of what is left, in ‰ (e.g. 50 = 5%).</param>
    /// <param name="maxSharePermille">Largest cut as a share of what is left, in ‰ (≥ the smallest, ≤ 1000).</param>
    /// <param name="random">Source of randomness.</param>
    public static long NextCut(long remainingCents, int remainingHelpers, int minSharePermille, int maxSharePermille, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(remainingHelpers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(remainingCents, remainingHelpers);
        if (remainingHelpers == 1) return remainingCents;
        // One cent stays for each helper after this one.
        var most = remainingCents - (remainingHelpers - 1);
        var low = Math.Max(1, remainingCents * minSharePermille / 1000);
        var high = Math.Max(low, remainingCents * maxSharePermille / 1000);
        low = Math.Min(low, most);
        high = Math.Min(high, most);
        return low == high ? low : random.NextInt64(low, high + 1);
    }
}
