namespace Mall.Catalog;

/// <summary>Manages brands.</summary>
public interface IBrandService
{
    /// <summary>All brands by sort order.</summary>
    Task<IReadOnlyList<Brand>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One brand; throws <see cref="Common.MallNotFoundException"/> when it does not exist.</summary>
    Task<Brand> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Creates a brand; the name must be unique.</summary>
    Task<Brand> CreateAsync(BrandInput input, CancellationToken cancellationToken = default);

    /// <summary>Changes a brand.</summary>
    Task<Brand> UpdateAsync(long id, BrandInput input, CancellationToken cancellationToken = default);

    /// <summary>Deletes a brand no product uses.</summary>
    Task DeleteAsync(long id, CancellationToken cancellationToken = default);
}
