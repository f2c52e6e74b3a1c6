namespace Mall.Common;

/// <summary>One page of a larger result.</summary>
/// <param name="Items">The items on this page.</param>
/// <param name="Page">1-based page number.</param>
/// <param name="PageSize">Items per page asked for.</param>
/// <param name="Total">Number of items across all pages.</param>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total)
{
    /// <summary>Number of pages.</summary>
    public int TotalPages => PageSize <= 0 ? 0 : (int)((Total + PageSize - 1) / PageSize);
}

/// <summary>Paging input shared by list queries.</summary>
public static class Paging
{
    /// <summary>Largest page size a query accepts.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Validates a page number and size.</summary>
    public static void Validate(ValidationErrors errors, int page, int pageSize)
    {
        errors.Range("page", page, 1, 1_000_000);
        errors.Range("pageSize", pageSize, 1, MaxPageSize);
    }
}
