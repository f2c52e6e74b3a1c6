using Dapper;
using Mall.Common;
using Mall.Data;

namespace Mall.Catalog.Services;

/// <summary>Default <see cref="ICategoryService"/> over the Mall database.</summary>
internal sealed class CategoryService(IMallDatabase database, CatalogCache cache, TimeProvider clock) : ICategoryService
{
    internal const string Columns =
        "id AS Id, parent_id AS ParentId, name AS Name, image_url AS ImageUrl, sort_order AS SortOrder, is_visible AS IsVisible, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <inheritdoc />
    public async Task<IReadOnlyList<CategoryNode>> GetTreeAsync(bool visibleOnly, CancellationToken cancellationToken = default)
    {
        var all = await LoadAllAsync(cancellationToken).ConfigureAwait(false);
        var byParent = all.ToLookup(c => c.ParentId);
        IReadOnlyList<CategoryNode> Build(long? parentId) => byParent[parentId]
            .Where(c => !visibleOnly || c.IsVisible)
            .OrderBy(c => c.SortOrder).ThenBy(c => c.Id)
            .Select(c => new CategoryNode(c, Build(c.Id)))
            .ToList();
        return Build(null);
    }

    /// <inheritdoc />
    public async Task<Category> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<CategoryRow>(new CommandDefinition(
            $"SELECT {Columns} FROM mall_category WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToCategory() ?? throw new MallNotFoundException($"Category {id} does not exist.");
    }

    /// <inheritdoc />
    public async Task<Category> CreateAsync(CategoryInput input, CancellationToken cancellationToken = default)
    {
        Validate(input);
        var now = clock.GetUtcNow().UtcDateTime;
        var id = await database.InTransactionAsync(async tx =>
        {
            await EnsureParentAsync(tx, input.ParentId, selfId: null, cancellationToken).ConfigureAwait(false);
            return await tx.Connection!.ExecuteScalarAsync<long>(new CommandDefinition(
                database.Dialect.InsertReturningId(
                    "INSERT INTO mall_category (parent_id, name, image_url, sort_order, is_visible, created_at, updated_at) " +
                    "VALUES (@ParentId, @Name, @ImageUrl, @SortOrder, @IsVisible, @now, @now)", "id"),
                new { input.ParentId, Name = input.Name!.Trim(), input.ImageUrl, input.SortOrder, input.IsVisible, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await cache.InvalidateListsAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Category> UpdateAsync(long id, CategoryInput input, CancellationToken cancellationToken = default)
    {
        Validate(input);
        await database.InTransactionAsync(async tx =>
        {
            await EnsureParentAsync(tx, input.ParentId, id, cancellationToken).ConfigureAwait(false);
            var changed = await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE mall_category SET parent_id = @ParentId, name = @Name, image_url = @ImageUrl, sort_order = @SortOrder, is_visible = @IsVisible, updated_at = @now WHERE id = @id",
                new { id, input.ParentId, Name = input.Name!.Trim(), input.ImageUrl, input.SortOrder, input.IsVisible, now = clock.GetUtcNow().UtcDateTime },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed == 0) throw new MallNotFoundException($"Category {id} does not exist.");
            return changed;
        }, cancellationToken).ConfigureAwait(false);
        await cache.InvalidateListsAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async tx =>
        {
            var connection = tx.Connection!;
            var children = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_category WHERE parent_id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (children > 0) throw new MallConflictException($"Category {id} has {children} child categories; move or delete them first.") { Code = "category.has_children" };
            var products = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM mall_product WHERE category_id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (products > 0) throw new MallConflictException($"Category {id} holds {products} products (deleted ones included); move them first.") { Code = "category.has_products" };
            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM mall_category WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (deleted == 0) throw new MallNotFoundException($"Category {id} does not exist.");
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
        await cache.InvalidateListsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> GetSubtreeIdsAsync(long id, CancellationToken cancellationToken = default)
    {
        var all = await LoadAllAsync(cancellationToken).ConfigureAwait(false);
        if (!all.Any(c => c.Id == id)) throw new MallNotFoundException($"Category {id} does not exist.");
        return Subtree(all, id);
    }

    internal static List<long> Subtree(IReadOnlyList<Category> all, long rootId)
    {
        var byParent = all.ToLookup(c => c.ParentId);
        var result = new List<long> { rootId };
        for (var i = 0; i < result.Count; i++) result.AddRange(byParent[result[i]].Select(c => c.Id));
        return result;
    }

    // Every category read starts from the whole (small) table, cached until a category changes.
    private Task<IReadOnlyList<Category>> LoadAllAsync(CancellationToken cancellationToken) =>
        cache.Enabled ? cache.GetListAsync("categories", ReadAllAsync, cancellationToken).AsTask() : ReadAllAsync(cancellationToken);

    private async Task<IReadOnlyList<Category>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CategoryRow>(new CommandDefinition(
            $"SELECT {Columns} FROM mall_category", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToCategory()).ToList();
    }

    private static async Task EnsureParentAsync(System.Data.Common.DbTransaction tx, long? parentId, long? selfId, CancellationToken cancellationToken)
    {
        if (parentId is null) return;
        var parents = (await tx.Connection!.QueryAsync<(long Id, long? ParentId)>(new CommandDefinition(
            "SELECT id, parent_id FROM mall_category", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => r.Id, r => r.ParentId);
        if (!parents.ContainsKey(parentId.Value)) throw new MallValidationException("parentId", $"Category {parentId} does not exist.");
        if (selfId is null) return;
        // Walk up from the new parent: meeting the category itself would make a cycle.
        for (long? cursor = parentId; cursor is not null; cursor = parents.GetValueOrDefault(cursor.Value))
        {
            if (cursor == selfId) throw new MallValidationException("parentId", "A category cannot be moved under itself or one of its descendants.");
        }
    }

    private static void Validate(CategoryInput input)
    {
        var errors = new ValidationErrors();
        errors.Required("name", input.Name, 100);
        errors.Url("imageUrl", input.ImageUrl);
        errors.Range("sortOrder", input.SortOrder, -1_000_000, 1_000_000);
        if (input.ParentId is <= 0) errors.Add("parentId", "must be a positive id or null.");
        errors.ThrowIfAny();
    }

    internal sealed class CategoryRow
    {
        public long Id { get; set; }
        public long? ParentId { get; set; }
        public string Name { get; set; } = "";
        public string? ImageUrl { get; set; }
        public int SortOrder { get; set; }
        public bool IsVisible { get; set; }
        public DateTime CreatedAt { get; set; }
        public DateTime UpdatedAt { get; set; }

        public Category ToCategory() => new()
        {
            Id = Id, ParentId = ParentId, Name = Name, ImageUrl = ImageUrl, SortOrder = SortOrder, IsVisible = IsVisible,
            CreatedAt = Utc.Of(CreatedAt), UpdatedAt = Utc.Of(UpdatedAt),
        };
    }
}
