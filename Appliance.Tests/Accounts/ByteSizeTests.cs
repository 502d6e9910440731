using Appliance.Accounts;

namespace Appliance.Tests.Accounts;

public class ByteSizeTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("1024", 1024)]
    [InlineData("500M", 500L << 20)]
    [InlineData("2G", 2L << 30)]
    [InlineData("2 GB", 2L << 30)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("10KiB", 10240)]
    [InlineData("1t", 1L << 40)]
    public void Sizes_parse_in_powers_of_1024(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("lots")]
    [InlineData("5X")]
    [InlineData("99999999999T")]
    public void Nonsense_sizes_are_refused(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
        Assert.Equal("Quota.Invalid", Assert.Throws<AccountException>(() => ByteSize.Parse(text)).Key);
    }

    [Theory]
    [InlineData(500L << 20, "500 MiB")]
    [InlineData(3L << 29, "1.5 GiB")]
    [InlineData(100, "100 B")]
    public void Sizes_format_for_people(long bytes, string text) => Assert.Equal(text, ByteSize.Format(bytes));
}
