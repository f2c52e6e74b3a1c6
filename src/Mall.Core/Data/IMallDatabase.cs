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
