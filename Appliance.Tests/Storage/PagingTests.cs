using Appliance.Storage;

namespace Appliance.Tests.Storage;

/// <summary>The one place a grid's sort request becomes SQL: only whitelisted text gets through.</summary>
public sealed class PagingTests
{
    private static readonly Dictionary<string, string> Columns = new(StringComparer.Ordinal) { ["Address"] = "address", ["QuotaBytes"] = "quota_bytes" };

    [Theory]
    [InlineData(null, false, "address")]
    [InlineData("Address", false, "address")]
    [InlineData("Address", true, "address DESC")]
    [InlineData("QuotaBytes", false, "quota_bytes, address")]
    [InlineData("QuotaBytes", true, "quota_bytes DESC, address DESC")]
    [InlineData("address", false, "address")]
    [InlineData("quota_bytes; DROP TABLE users", true, "address")]
    public void Sort_maps_to_a_whitelisted_column_with_a_tie_break_or_falls_back(string? sort, bool descending, string expected)
    {
        Assert.Equal(expected, new PageQuery(Sort: sort, Descending: descending).OrderBy(Columns, "address", "address"));
    }

    [Theory]
    [InlineData(-5, 0, 0, 1)]
    [InlineData(40, 20, 40, 20)]
    [InlineData(0, 100_000, 0, PageQuery.MaxTake)]
    public void Skip_and_take_are_kept_in_bounds(int skip, int take, int safeSkip, int safeTake)
    {
        var query = new PageQuery(skip, take);
        Assert.Equal((safeSkip, safeTake), (query.SafeSkip, query.SafeTake));
    }
}
