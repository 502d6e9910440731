using Appliance.Filtering.Sieve;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Tests.Filtering.Sieve;

/// <summary>The date extension (RFC 5260): currentdate and date, their date parts and zones, checked at compile time.</summary>
public sealed class SieveDatesTests
{
    private const string Mail = """
        From: alice@example.org
        To: bob@example.com
        Subject: Dates
        Date: Tue, 01 Dec 2026 23:30:00 -0500

        Body.
        """;

    /// <summary>2026-12-04 01:50:07 UTC, a Friday; the server's local zone is UTC+1 unless a test says otherwise.</summary>
    private static FakeTimeProvider Clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 1, 50, 7, TimeSpan.Zero));
        clock.SetLocalTimeZone(TimeZoneInfo.CreateCustomTimeZone("test+1", TimeSpan.FromHours(1), "test+1", "test+1"));
        return clock;
    }

    private static async Task<List<string>> Run(string test)
    {
        var script = $"require [\"date\", \"relational\", \"fileinto\"]; if {test} {{ fileinto \"Yes\"; }}";
        var context = SieveTestBed.Context(SieveTestBed.Message(Mail)) is var c
            ? new SieveContext(c.Message, c.Envelope) { Time = Clock(), VacationTracker = c.VacationTracker }
            : null;
        return SieveTestBed.Normalize(await SieveTestBed.RunAsync(script, Mail, context: context));
    }

    [Theory]
    [InlineData("currentdate :is \"date\" \"2026-12-04\"", true)]
    [InlineData("currentdate :value \"ge\" \"date\" \"2026-12-04\"", true)]
    [InlineData("currentdate :value \"ge\" \"date\" \"2026-12-05\"", false)]
    [InlineData("currentdate :value \"le\" \"date\" \"2026-12-04\"", true)]
    [InlineData("currentdate :value \"le\" \"date\" \"2026-12-03\"", false)]
    [InlineData("allof (currentdate :value \"ge\" \"date\" \"2026-11-30\", currentdate :value \"le\" \"date\" \"2027-01-06\")", true)]
    [InlineData("currentdate :is \"iso8601\" \"2026-12-04T02:50:07+01:00\"", true)]
    [InlineData("currentdate :zone \"+0000\" :is \"iso8601\" \"2026-12-04T01:50:07+00:00\"", true)]
    [InlineData("currentdate :zone \"-0500\" :is \"date\" \"2026-12-03\"", true)]
    [InlineData("currentdate :is \"year\" \"2026\"", true)]
    [InlineData("currentdate :is \"month\" \"12\"", true)]
    [InlineData("currentdate :is \"day\" \"04\"", true)]
    [InlineData("currentdate :is \"hour\" \"02\"", true)]
    [InlineData("currentdate :is \"time\" \"02:50:07\"", true)]
    [InlineData("currentdate :is \"weekday\" \"5\"", true)]
    [InlineData("currentdate :is \"zone\" \"+0100\"", true)]
    [InlineData("currentdate :is \"julian\" \"61378\"", true)]
    [InlineData("currentdate :is \"std11\" \"Fri, 04 Dec 2026 02:50:07 +0100\"", true)]
    [InlineData("date :originalzone :is \"date\" \"date\" \"2026-12-01\"", true)]
    [InlineData("date :is \"date\" \"date\" \"2026-12-02\"", true)]
    [InlineData("date :zone \"-0500\" :is \"date\" \"hour\" \"23\"", true)]
    [InlineData("date :is \"x-missing\" \"date\" \"2026-12-01\"", false)]
    public async Task Date_parts_compare_as_rfc_5260_writes_them(string test, bool expected)
    {
        Assert.Equal(expected ? ["fileinto Yes"] : ["keep"], await Run(test));
    }

    [Theory]
    [InlineData("require \"date\"; if currentdate :is \"dat\" \"x\" { stop; }", 1, "unknown date part 'dat'")]
    [InlineData("require \"date\";\nif currentdate :zone \"+2500\" :is \"date\" \"x\" { stop; }", 2, "invalid time zone '+2500'")]
    [InlineData("if currentdate :is \"date\" \"x\" { stop; }", 1, "needs the \"date\" extension")]
    public void Mistakes_are_reported_on_their_line(string script, int line, string detail)
    {
        Assert.False(SieveScript.TryCompile(script, null, out _, out var error));
        Assert.Equal(line, error!.Line);
        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }
}
