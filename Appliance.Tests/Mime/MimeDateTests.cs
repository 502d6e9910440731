using Appliance.Mime;

namespace Appliance.Tests.Mime;

public class MimeDateTests
{
    [Fact]
    public void Formats_rfc5322_date_time()
    {
        Assert.Equal("Tue, 1 Jul 2025 10:52:37 +0200", MimeDate.Format(new DateTimeOffset(2025, 7, 1, 10, 52, 37, TimeSpan.FromHours(2))));
        Assert.Equal("Sat, 15 Nov 2025 23:05:00 -0330", MimeDate.Format(new DateTimeOffset(2025, 11, 15, 23, 5, 0, new TimeSpan(-3, -30, 0))));
    }

    [Theory]
    [InlineData("Tue, 1 Jul 2025 10:52:37 +0200", "2025-07-01T10:52:37+02:00")]
    [InlineData("1 Jul 2025 10:52 -0000", "2025-07-01T10:52:00+00:00")]
    [InlineData("Tue,  1 Jul 25 10:52:37 EDT (comment)", "2025-07-01T10:52:37-04:00")]
    [InlineData("Fri, 13 Feb 98 23:31:30 GMT", "1998-02-13T23:31:30+00:00")]
    [InlineData("Mon, 30 Jun 2025 12:00:60 PST", "2025-06-30T12:00:59-08:00")]
    public void Parses_leniently(string value, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), MimeDate.TryParse(value));

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("31 Feb 2025 10:00:00 +0000")]
    [InlineData("1 Foo 2025 10:00:00 +0000")]
    [InlineData("1 Jul 2025 25:00:00 +9999")]
    public void Unreadable_dates_are_null(string value) => Assert.Null(MimeDate.TryParse(value));
}
