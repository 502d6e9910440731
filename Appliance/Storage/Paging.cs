namespace Appliance.Storage;

/// <summary>
/// One page of a list the console shows: which rows (<see cref="Skip"/>, <see cref="Take"/>), in which order
/// (<see cref="Sort"/> names a property of the row; the repository maps it to a column it allows, anything else
/// falls back to its default order) and what to match (<see cref="Search"/>, each repository says where).
/// </summary>
public sealed record PageQuery(int Skip = 0, int Take = PageQuery.DefaultTake, string? Sort = null, bool Descending = false, string? Search = null)
{
    public const int DefaultTake = 50;

    /// <summary>A page is at most this long, whatever the caller asks: a grid shows 20 to 100 rows.</summary>
    public const int MaxTake = 500;

    public int SafeSkip => Math.Max(0, Skip);

    public int SafeTake => Math.Clamp(Take, 1, MaxTake);

    public bool HasSearch => !string.IsNullOrWhiteSpace(Search);

    /// <summary>
    /// The ORDER BY clause for this query: the column <paramref name="columns"/> maps <see cref="Sort"/> to, then
    /// <paramref name="tieBreak"/> so that pages do not overlap; <paramref name="defaultOrder"/> when the sort is
    /// unknown. Only whitelisted text reaches the SQL, never the caller's.
    /// </summary>
    public string OrderBy(IReadOnlyDictionary<string, string> columns, string defaultOrder, string tieBreak)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (Sort is null || !columns.TryGetValue(Sort, out var column))
        {
            return defaultOrder;
        }
        var direction = Descending ? " DESC" : "";
        return column == tieBreak ? column + direction : $"{column}{direction}, {tieBreak}{direction}";
    }
}

/// <summary>The rows of one page and how many match in all.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total)
{
    public static Page<T> Empty { get; } = new([], 0);
}
