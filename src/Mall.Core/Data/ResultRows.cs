using System.Data.Common;

namespace Mall.Data;

/// <summary>Reads a multi-statement command's answers in order.</summary>
internal static class ResultRows
{
    /// <summary>
    /// The first row of every result set that has columns (null when it has none), every statement run to its end.
    /// Statements without columns (inserts, updates) add nothing, whatever the driver reports for them.
    /// </summary>
    public static async Task<IReadOnlyList<object?[]?>> ReadFirstRowsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<object?[]?>();
        do
        {
            if (reader.FieldCount == 0) continue;
            object?[]? row = null;
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        return rows;
    }
}
