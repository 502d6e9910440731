using Appliance.Filtering.Dmarc;

namespace Appliance.Tests.Filtering.Dmarc;

public sealed class DmarcRecordTests
{
    private static DmarcRecord Parse(string text)
    {
        Assert.True(DmarcRecord.TryParse(text, out var record, out var error), error);
        return record;
    }

    private static string Error(string text)
    {
        Assert.False(DmarcRecord.TryParse(text, out var record, out var error));
        Assert.Null(record);
        Assert.NotEqual("", error);
        return error;
    }

    [Fact]
    public void A_minimal_record_has_the_defaults_of_section_6_3()
    {
        var record = Parse("v=DMARC1; p=none");
        Assert.Equal(DmarcPolicy.None, record.Policy);
        Assert.Null(record.SubdomainPolicy);
        Assert.Equal(DmarcAlignment.Relaxed, record.DkimAlignment);
        Assert.Equal(DmarcAlignment.Relaxed, record.SpfAlignment);
        Assert.Equal(100, record.Percent);
        Assert.Empty(record.AggregateReportUris);
        Assert.Equal(["0"], record.FailureOptions);
        Assert.Equal(86400, record.ReportInterval);
        Assert.False(record.PolicyFallback);
        Assert.Empty(record.Warnings);
    }

    [Fact]
    public void Every_tag_is_read()
    {
        var record = Parse("v=DMARC1;p=Reject ; sp=quarantine;adkim=s; aspf=S ;pct=25; rua=mailto:agg@example.com!10m, mailto:b@example.net;ruf=mailto:f@example.com;fo=1:d;rf=afrf;ri=3600;");
        Assert.Equal(DmarcPolicy.Reject, record.Policy);
        Assert.Equal(DmarcPolicy.Quarantine, record.SubdomainPolicy);
        Assert.Equal(DmarcAlignment.Strict, record.DkimAlignment);
        Assert.Equal(DmarcAlignment.Strict, record.SpfAlignment);
        Assert.Equal(25, record.Percent);
        Assert.Equal(["mailto:agg@example.com", "mailto:b@example.net"], record.AggregateReportUris);
        Assert.Equal(["mailto:f@example.com"], record.FailureReportUris);
        Assert.Equal(["1", "d"], record.FailureOptions);
        Assert.Equal(3600, record.ReportInterval);
        Assert.Empty(record.Warnings);
    }

    [Theory]
    [InlineData("v=DMARC1")]
    [InlineData("v = DMARC1 ; p=none")]
    [InlineData("v=DMARC1;p=none")]
    [InlineData("  v=DMARC1; p=none")]
    public void The_version_tag_may_have_white_space(string text) => Assert.True(DmarcRecord.IsDmarcRecord(text));

    [Theory]
    [InlineData("v=DMARC2; p=none")]
    [InlineData("v=dmarc1; p=none")]
    [InlineData("p=none; v=DMARC1")]
    [InlineData("v=DMARC10; p=none")]
    [InlineData("v=spf1 -all")]
    [InlineData("")]
    public void Other_text_is_not_a_DMARC_record(string text)
    {
        Assert.False(DmarcRecord.IsDmarcRecord(text));
        Assert.Contains("v=DMARC1", Error(text), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_tags_are_ignored() =>
        Assert.Equal(DmarcPolicy.Quarantine, Parse("v=DMARC1; p=quarantine; np=reject; x-future=1; psd=y").Policy);

    [Theory]
    [InlineData("v=DMARC1", "no p= tag")]
    [InlineData("v=DMARC1; p=bogus", "p=bogus")]
    [InlineData("v=DMARC1; p=reject; sp=never", "sp=never")]
    [InlineData("v=DMARC1; p=none; p=reject", "more than once")]
    [InlineData("v=DMARC1; v=DMARC1; p=none", "more than once")]
    [InlineData("v=DMARC1; p=none; garbage", "tag=value")]
    [InlineData("v=DMARC1; p=bogus; rua=not a uri", "no valid rua")]
    public void Malformed_records_say_why(string text, string reason) =>
        Assert.Contains(reason, Error(text), StringComparison.Ordinal);

    [Fact]
    public void An_invalid_policy_with_a_reporting_address_is_used_as_p_none()
    {
        // §6.6.3 step 6 A.
        var record = Parse("v=DMARC1; p=bogus; sp=reject; rua=mailto:dmarc@example.com");
        Assert.Equal(DmarcPolicy.None, record.Policy);
        Assert.Null(record.SubdomainPolicy);
        Assert.True(record.PolicyFallback);
        Assert.Contains(record.Warnings, w => w.Contains("p=bogus", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("v=DMARC1; p=reject; pct=101")]
    [InlineData("v=DMARC1; p=reject; pct=-1")]
    [InlineData("v=DMARC1; p=reject; pct=abc")]
    [InlineData("v=DMARC1; p=reject; adkim=x")]
    [InlineData("v=DMARC1; p=reject; aspf=relaxed")]
    [InlineData("v=DMARC1; p=reject; fo=2")]
    [InlineData("v=DMARC1; p=reject; ri=soon")]
    [InlineData("v=DMARC1; p=reject; rua=not a uri")]
    public void A_bad_optional_value_falls_back_to_its_default_with_a_warning(string text)
    {
        var record = Parse(text);
        Assert.Equal(DmarcPolicy.Reject, record.Policy);
        Assert.Equal(100, record.Percent);
        Assert.Equal(DmarcAlignment.Relaxed, record.DkimAlignment);
        Assert.Equal(DmarcAlignment.Relaxed, record.SpfAlignment);
        Assert.Single(record.Warnings);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("100", 100)]
    [InlineData("007", 7)]
    public void Pct_takes_zero_to_one_hundred(string value, int expected) =>
        Assert.Equal(expected, Parse($"v=DMARC1; p=reject; pct={value}").Percent);

    [Fact]
    public void A_huge_record_is_refused_before_parsing() =>
        Assert.Contains("longer", Error("v=DMARC1; p=none; x=" + new string('a', DmarcRecord.MaxLength)), StringComparison.Ordinal);

    [Fact]
    public void Every_prefix_of_a_record_parses_or_fails_with_a_reason()
    {
        const string text = "v=DMARC1; p=reject; sp=none; adkim=s; pct=50; rua=mailto:a@example.com!1k";
        for (var i = 0; i <= text.Length; i++)
        {
            var prefix = text[..i];
            if (DmarcRecord.TryParse(prefix, out var record, out var error))
            {
                Assert.NotNull(record);
            }
            else
            {
                Assert.NotEqual("", error);
            }
        }
    }
}
