namespace Mall.Common;

/// <summary>
/// A value read from the database and kept for a while (freight templates, promotion rules: few rows read on every
/// checkout). <see cref="Invalidate"/> after a change here makes the next read fresh; a change made while a read
/// runs is not overwritten by that read; other nodes' changes arrive within the lifetime. Plugins may use it for
/// their own small tables.
/// </summary>
/// <typeparam name="T">The value kept.</typeparam>
/// <param name="clock">The clock the lifetime is measured on.</param>
/// <param name="lifetime">How long a read value is served before the next call reads again.</param>
public sealed class CachedSnapshot<T>(TimeProvider clock, TimeSpan lifetime) where T : class
{
    private volatile Entry? _entry;
    private long _version;

    /// <summary>The kept value, or the value <paramref name="read"/> answers when none is kept or it is older than the lifetime.</summary>
    public async Task<T> GetAsync(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var entry = _entry;
        if (entry is not null && clock.GetUtcNow() - entry.ReadAt < lifetime) return entry.Value;
        var version = Interlocked.Read(ref _version);
        var value = await read(cancellationToken).ConfigureAwait(false);
        if (Interlocked.Read(ref _version) == version) _entry = new Entry(value, clock.GetUtcNow());
        return value;
    }

    /// <summary>Forgets the kept value: the next <see cref="GetAsync"/> reads, and a read running now is not kept.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _version);
        _entry = null;
    }

    private sealed record Entry(T Value, DateTimeOffset ReadAt);
}
