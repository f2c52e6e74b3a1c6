using System.Data.Common;

namespace Mall.Data;

/// <summary>
/// Mall's access to its database: opens prepared connections and runs units of work in transactions with retry
/// of transient failures. Repositories use Dapper on the connections it hands out and ask
/// <see cref="Dialect"/> for anything database-specific.
/// </summary>
public interface IMallDatabase
{
    /// <summary>The SQL dialect of the configured database.</summary>
    ISqlDialect Dialect { get; }

    /// <summary>Opens a connection; the caller disposes it.</summary>
    Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and commits it. When the database reports a transient failure
    /// (deadlock, serialization failure, busy) the transaction is rolled back and the work run again, so the work
    /// must not have effects outside the transaction.
    /// </summary>
    Task<T> InTransactionAsync<T>(Func<DbTransaction, Task<T>> work, CancellationToken cancellationToken = default);
}

/// <summary>Helpers over <see cref="IMallDatabase"/>.</summary>
public static class MallDatabaseExtensions
{
    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="connection"/> (with <paramref name="transaction"/>) when the
    /// caller already holds one — e.g. <see cref="Checkout.CheckoutContext.Connection"/> — else on a connection
    /// opened and closed for it. Work that already holds a connection must not wait for a second one: under load,
    /// every holder waiting for the pool's last connection would starve it.
    /// </summary>
    public static async Task<T> ReadAsync<T>(this IMallDatabase database, DbConnection? connection, DbTransaction? transaction,
        Func<DbConnection, DbTransaction?, Task<T>> read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(read);
        if (connection is not null) return await read(connection, transaction).ConfigureAwait(false);
        await using var owned = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await read(owned, null).ConfigureAwait(false);
    }
}
