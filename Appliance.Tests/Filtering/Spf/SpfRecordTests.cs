using System.Net;
using Appliance.Filtering.Spf;

namespace Appliance.Tests.Filtering.Spf;

public sealed class SpfRecordTests
{
    private static SpfRecord Parse(string text)
    {
        Assert.True(SpfRecord.TryParse(text, out var record, out var error), error);
        return record;
    }

    [Fact]
    public void Directives_keep_their_order_qualifiers_and_lengths()
    {
        var record = Parse("v=spf1 +a -mx:mail.example.com/24//64 ~ptr ?ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.com exists:%{i}.x.example.com all");
        Assert.Equal(
            [SpfMechanismKind.A, SpfMechanismKind.Mx, SpfMechanismKind.Ptr, SpfMechanismKind.Ip4, SpfMechanismKind.Ip6, SpfMechanismKind.Include, SpfMechanismKind.Exists, SpfMechanismKind.All],
            record.Directives.Select(d => d.Kind));
        Assert.Equal(
            [SpfQualifier.Pass, SpfQualifier.Fail, SpfQualifier.SoftFail, SpfQualifier.Neutral, SpfQualifier.Pass, SpfQualifier.Pass, SpfQualifier.Pass, SpfQualifier.Pass],
            record.Directives.Select(d => d.Qualifier));
        var mx = record.Directives[1];
        Assert.Equal(("mail.example.com", 24, 64), (mx.DomainSpec!.Text, mx.Cidr4, mx.Cidr6));
        Assert.Null(record.Directives[0].DomainSpec);
        Assert.Equal((IPAddress.Parse("192.0.2.0"), 24), (record.Directives[3].Network, record.Directives[3].Cidr4));
        Assert.Equal((IPAddress.Parse("2001:db8::"), 128 - 96), (record.Directives[4].Network, record.Directives[4].Cidr6));
    }

    [Theory]
    [InlineData("v=spf1 a/24", 24, 128)]
    [InlineData("v=spf1 a//64", 32, 64)]
    [InlineData("v=spf1 a/0//0", 0, 0)]
    [InlineData("v=spf1 a:example.com/32//128", 32, 128)]
    [InlineData("v=spf1 mx:%{d}/27", 27, 128)]
    public void Dual_cidr_lengths(string text, int v4, int v6)
    {
        var directive = Parse(text).Directives.Single();
        Assert.Equal((v4, v6), (directive.Cidr4, directive.Cidr6));
    }

    [Fact]
    public void Modifiers_are_found_and_unknown_ones_ignored()
    {
        var record = Parse("v=spf1 -all redirect=_spf.example.com exp=explain.%{d} moo=bar match.sub-domains_9=yes");
        Assert.Equal("_spf.example.com", record.Redirect!.Text);
        Assert.Equal("explain.%{d}", record.Explanation!.Text);
        Assert.Single(record.Directives);
    }

    [Theory]
    [InlineData("v=spf1")]
    [InlineData("v=spf1 ")]
    [InlineData("V=SPF1 -ALL")]
    [InlineData("v=spf1   ip4:192.0.2.1   -all  ")]
    [InlineData("v=spf1 ip4:0.0.0.0/0")]
    [InlineData("v=spf1 ip6:::1 ip6:::ffff:192.0.2.1/128")]
    [InlineData("v=spf1 moo=")]
    public void Valid_records_parse(string text) => Parse(text);

    [Theory]
    [InlineData("v=spf1 moo")]
    [InlineData("v=spf1 =a")]
    [InlineData("v=spf1 a:foo")]
    [InlineData("v=spf1 a:")]
    [InlineData("v=spf1 a:example.com:8080")]
    [InlineData("v=spf1 a/33")]
    [InlineData("v=spf1 a//129")]
    [InlineData("v=spf1 a/024")]
    [InlineData("v=spf1 a/24/64")]
    [InlineData("v=spf1 ip4:192.0.2.256")]
    [InlineData("v=spf1 ip4:192.0.2")]
    [InlineData("v=spf1 ip4:192.0.2.01")]
    [InlineData("v=spf1 ip4:192.0.2.1/33")]
    [InlineData("v=spf1 ip4:192.0.2.1/")]
    [InlineData("v=spf1 ip4")]
    [InlineData("v=spf1 ip6:2001:db8:ZZZZ::")]
    [InlineData("v=spf1 ip6:192.0.2.1")]
    [InlineData("v=spf1 ip6:::1/129")]
    [InlineData("v=spf1 include")]
    [InlineData("v=spf1 include:example.com/24")]
    [InlineData("v=spf1 exists")]
    [InlineData("v=spf1 all:example.com")]
    [InlineData("v=spf1 -all redirect=a.example.com redirect=b.example.com")]
    [InlineData("v=spf1 -all exp=a.example.com exp=b.example.com")]
    [InlineData("v=spf1 exp=")]
    [InlineData("v=spf1 redirect=foo")]
    [InlineData("v=spf1 exists:%(ir).sbl.spamhaus.example.org")]
    [InlineData("v=spf1 ip4:192.0.2.1\t-all")]
    [InlineData("v=spf1 a:ex\u00e4mple.com")]
    [InlineData("v=spf10 -all")]
    [InlineData("spf1 -all")]
    public void Syntax_errors_are_refused(string text) => Assert.False(SpfRecord.TryParse(text, out _, out _));

    [Theory]
    [InlineData("v=spf1", true)]
    [InlineData("v=spf1 -all", true)]
    [InlineData("V=Spf1 -all", true)]
    [InlineData("v=spf10", false)]
    [InlineData("v=spf1-all", false)]
    [InlineData(" v=spf1 -all", false)]
    [InlineData("google-site-verification=abc", false)]
    public void Only_records_that_begin_with_the_version_are_spf_records(string text, bool expected) =>
        Assert.Equal(expected, SpfRecord.IsSpfRecord(text));

    [Fact]
    public void Authentication_results_names_the_result_the_reason_and_the_identity()
    {
        var result = new SpfResult(SpfVerdict.Pass, "example.com", "ip4:192.0.2.0/24", "192.0.2.1 matched ip4:192.0.2.0/24")
        {
            IdentityValue = "user@example.com",
        };
        Assert.Equal("spf=pass (example.com: 192.0.2.1 matched ip4:192.0.2.0/24) smtp.mailfrom=user@example.com", result.ToAuthenticationResults());
        var helo = new SpfResult(SpfVerdict.TempError, "mx.example.net", null, "DNS lookup (failed)") { Identity = SpfIdentity.Helo, IdentityValue = "mx.example.net" };
        Assert.Equal("spf=temperror (mx.example.net: DNS lookup  failed) smtp.helo=mx.example.net", helo.ToAuthenticationResults());
        var quoted = result with { IdentityValue = "a b@example.com" };
        Assert.EndsWith("smtp.mailfrom=\"a b@example.com\"", quoted.ToAuthenticationResults(), StringComparison.Ordinal);
    }
}
