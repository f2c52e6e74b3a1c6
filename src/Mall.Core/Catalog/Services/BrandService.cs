using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Catalog.Services;

/// <summary>Default <see cref="IBrandService"/> over the Mall database.</summary>
internal sealed class BrandService(IMallDatabase database, CatalogCache cache, TimeProvider clock) : IBrandService
{
    private const string Columns =
        "id AS Id, name AS Name, logo_url AS LogoUrl, description AS Description, sort_order AS SortOrder, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <inheritdoc />
    public Task<IReadOnlyList<Brand>> ListAsync(CancellationToken cancellationToken = default) =>
        cache.Enabled ? cache.GetListAsync("brands", ReadAllAsync, cancellationToken).AsTask() : ReadAllAsync(cancellationToken);

    private async Task<IReadOnlyList<Brand>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<BrandRow>(new CommandDefinition(
            $"SELECT {Columns} FROM mall_brand ORDER BY sort_order, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToBrand()).ToList();
    }

    /// <inheritdoc />
    public async Task<Brand> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<BrandRow>(new CommandDefinition(
            $"SELECT {Columns} FROM mall_brand WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToBrand() ?? throw new MallNotFoundException($"Brand {id} does not exist.");
    }

    /// <inheritdoc />
    public async Task<Brand> CreateAsync(BrandInput input, CancellationToken cancellationToken = default)
    {
        Validate(input);
        var now = clock.GetUtcNow().UtcDateTime;
        var id = await WithUniqueNameAsync(input, () => database.InTransactionAsync(tx => tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
            database.Dialect.InsertReturningId(
                "INSERT INTO mall_brand (name, logo_url, description, sort_order, created_at, updated_at) VALUES (@Name, @LogoUrl, @Description, @SortOrder, @now, @now)", "id"),
            new { Name = input.Name!.Trim(), input.LogoUrl, input.Description, input.SortOrder, now }, tx, cancellationToken: cancellationToken)), cancellationToken)).ConfigureAwait(false);
        await cache.InvalidateListsAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Brand> UpdateAsync(long id, BrandInput input, CancellationToken cancellationToken = default)
    {
        Validate(input);
        // A missing brand throws inside the transaction: nothing commits, so nothing is audited.
        await WithUniqueNameAsync(input, () => database.InTransactionAsync(async tx =>
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_brand SET name = @Name, logo_url = @LogoUrl, description = @Description, sort_order = @SortOrder, updated_at = @now WHERE id = @id",
                new { id, Name = input.Name!.Trim(), input.LogoUrl, input.Description, input.SortOrder, now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) is var changed && changed == 0
                ? throw new MallNotFoundException($"Brand {id} does not exist.")
                : changed,
            cancellationToken)).ConfigureAwait(false);
        await cache.InvalidateListsAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            var used = await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_product WHERE brand_id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (used > 0) throw new MallConflictException($"Brand {id} is used by {used} products (deleted ones included).") { Code = "brand.in_use" };
            var deleted = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "DELETE FROM mall_brand WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (deleted == 0) throw new MallNotFoundException($"Brand {id} does not exist.");
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
        await cache.InvalidateListsAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> WithUniqueNameAsync<T>(BrandInput input, Func<Task<T>> write)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (Exception ex) when (database.Dialect.IsUniqueViolation(ex))
        {
            throw new MallConflictException($"A brand named '{input.Name!.Trim()}' already exists.") { Code = "brand.duplicate_name" };
        }
    }

    private static void Validate(BrandInput input)
    {
        var errors = new ValidationErrors();
        errors.Required("name", input.Name, 100);
        errors.Url("logoUrl", input.LogoUrl);
        errors.MaxLength("description", input.Description, 2000);
        errors.Range("sortOrder", input.SortOrder, -1_000_000, 1_000_000);
        errors.ThrowIfAny();
    }

    private sealed class BrandRow
    {
        public long Id { get; set; }
        public string Name { get; set; } = "";
        public string? LogoUrl { get; set; }
        public string? Description { get; set; }
        public int SortOrder { get; set; }
        public DateTime CreatedAt { get; set; }
        public DateTime UpdatedAt { get; set; }

        public Brand ToBrand() => new()
        {
            Id = Id, Name = Name, LogoUrl = LogoUrl, Description = Description, SortOrder = SortOrder,
            CreatedAt = Utc.Of(CreatedAt), UpdatedAt = Utc.Of(UpdatedAt),
        };
    }
}
