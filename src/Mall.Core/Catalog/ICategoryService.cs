namespace Mall.Catalog;

/// <summary>Manages the category tree.</summary>
public interface ICategoryService
{
    /// <summary>All categories as a tree (roots first, siblings by sort order).</summary>
    /// <param name="visibleOnly">Only categories shown on the storefront (and whose ancestors are too).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<CategoryNode>> GetTreeAsync(bool visibleOnly, CancellationToken cancellationToken = default);

    /// <summary>One category; throws <see cref="Common.MallNotFoundException"/> when it does not exist.</summary>
    Task<Category> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Creates a category.</summary>
    Task<Category> CreateAsync(CategoryInput input, CancellationToken cancellationToken = default);

    /// <summary>Changes a category (also moves it; a move under its own subtree is rejected).</summary>
    Task<Category> UpdateAsync(long id, CategoryInput input, CancellationToken cancellationToken = default);

    /// <summary>Deletes a category that has no children and no products.</summary>
    Task DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The ids of a category and all its descendants.</summary>
    Task<IReadOnlyList<long>> GetSubtreeIdsAsync(long id, CancellationToken cancellationToken = default);
}
