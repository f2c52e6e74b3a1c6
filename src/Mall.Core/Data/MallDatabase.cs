using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mall.Data;

/// <summary>Default <see cref="IMallDatabase"/> over the provider selected by <see cref="MallDatabaseOptions.Provider"/>.</summary>
public sealed class MallDatabase : IMallDatabase
{
    private readonly IMallDatabaseProvider _provider;
    private readonly MallDatabaseOptions _options;
    private readonly ILogger<MallDatabase> _logger;
    private readonly Lazy<Task> _initialization;
    private readonly Mall.Auditing.IAuditContext? _audit;
    private readonly TimeProvider _clock;

    /// <summary>Selects the provider named in the options among those registered.</summary>
    public MallDatabase(IEnumerable<IMallDatabaseProvider> providers, IOptions<MallOptions> options, ILogger<MallDatabase> logger,
        Mall.Auditing.IAuditContext? audit = null, TimeProvider? clock = null)
    {
        _audit = audit;
        _clock = clock ?? TimeProvider.System;
        _options = options.Value.Database;
        _logger = logger;
        var all = providers.ToList();
        _provider = all.FirstOrDefault(p => string.Equals(p.Name, _options.Provider, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"Mall:Database:Provider is '{_options.Provider}', but no such database provider is registered. Known providers: {string.Join(", ", all.Select(p => p.Name))}. MySql and PostgreSql come from the packages Mall.Data.MySql and Mall.Data.PostgreSql: reference one and call .AddMySql() or .AddPostgreSql() on what AddMall() returns.");
        if (string.IsNullOrWhiteSpace(_options.ConnectionString))
            throw new InvalidOperationException("Mall:Database:ConnectionString is empty.");
        // Once per process and database, before the first connection (driver fixes, SQLite file and WAL mode).
        _initialization = new Lazy<Task>(() => _provider.InitializeAsync(_options.ConnectionString, CancellationToken.None));
    }

    /// <inheritdoc />
    public ISqlDialect Dialect => _provider.Dialect;

    /// <summary>The selected provider.</summary>
    public IMallDatabaseProvider Provider => _provider;

    /// <inheritdoc />
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        await _initialization.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var connection = _provider.CreateConnection(_options.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await _provider.PrepareConnectionAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<T> InTransactionAsync<T>(Func<DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            DbTransaction? transaction = null;
            try
            {
                transaction = await connection.BeginTransactionAsync(Dialect.DefaultIsolationLevel, cancellationToken).ConfigureAwait(false);
                var result = await work(transaction).ConfigureAwait(false);
                // An admin request's audit entry commits with the first change it makes, or not at all.
                var audit = _audit?.Current is { Written: false } scope ? scope : null;
                if (audit is not null) await Mall.Auditing.Services.AuditLog.WriteAsync(transaction, audit, _clock.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (audit is not null) audit.Written = true;
                return result;
            }
            catch (Exception ex) when (attempt < _options.TransientRetries && Dialect.IsTransient(ex))
            {
                _logger.LogDebug(ex, "Transient database failure, retrying the transaction (attempt {Attempt}).", attempt + 1);
                await SafeRollbackAsync(transaction).ConfigureAwait(false);
                // Back off a little, with jitter, so that colliding transactions do not collide again.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20) * (attempt + 1)), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await SafeRollbackAsync(transaction).ConfigureAwait(false);
                throw;
            }
            finally
            {
                if (transaction is not null) await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task SafeRollbackAsync(DbTransaction? transaction)
    {
        if (transaction?.Connection is null) return;
        try { await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false); }
        catch (Exception) { /* the connection is going away; the server rolls back */ }
    }
}
