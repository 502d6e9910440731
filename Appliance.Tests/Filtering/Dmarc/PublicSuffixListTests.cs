using System.Globalization;
using Appliance.Filtering.Dmarc;

namespace Appliance.Tests.Filtering.Dmarc;

/// <summary>
/// The shipped list, read from the test's output folder (the build copies assets/public_suffix_list.dat there as it
/// does beside the app), checked with cases in the manner of the list's own checkPublicSuffix suite: the implicit
/// "*" rule, normal rules of one to three labels, wildcards, exceptions, the private section, case, leading dots,
/// and internationalised names in both U-label and A-label form. Written from the algorithm, each against the
/// rules the 2023 list holds (*.mm, *.ck with !www.ck, *.kobe.jp with !city.kobe.jp, ide.kyoto.jp, k12.ak.us, uk.com).
/// </summary>
public sealed class PublicSuffixListTests
{
    private static readonly Lazy<PublicSuffixList> s_list = new(() => PublicSuffixList.Load(PublicSuffixList.DefaultPath));

    private static PublicSuffixList List => s_list.Value;

    private static string? A(string? name) => name is null ? null : new IdnMapping().GetAscii(name);

    [Theory]
    // Mixed case and a leading dot.
    [InlineData("COM", null)]
    [InlineData("example.COM", "example.com")]
    [InlineData("WwW.example.COM", "example.com")]
    [InlineData(".com", null)]
    [InlineData(".example", null)]
    [InlineData(".example.com", null)]
    [InlineData(".example.example", null)]
    // A name under no rule: the implicit "*" makes its last label the suffix.
    [InlineData("example", null)]
    [InlineData("example.example", "example.example")]
    [InlineData("b.example.example", "example.example")]
    [InlineData("a.b.example.example", "example.example")]
    // One-label TLD rules.
    [InlineData("biz", null)]
    [InlineData("domain.biz", "domain.biz")]
    [InlineData("b.domain.biz", "domain.biz")]
    [InlineData("com", null)]
    [InlineData("example.com", "example.com")]
    [InlineData("b.example.com", "example.com")]
    [InlineData("a.b.example.com", "example.com")]
    // The private section: uk.com is a suffix (CentralNic).
    [InlineData("uk.com", null)]
    [InlineData("example.uk.com", "example.uk.com")]
    [InlineData("b.example.uk.com", "example.uk.com")]
    [InlineData("test.ac", "test.ac")]
    // A TLD that is a wildcard: *.mm.
    [InlineData("mm", null)]
    [InlineData("c.mm", null)]
    [InlineData("b.c.mm", "b.c.mm")]
    [InlineData("a.b.c.mm", "b.c.mm")]
    // Two- and three-label rules, wildcard and exception rules under jp.
    [InlineData("jp", null)]
    [InlineData("test.jp", "test.jp")]
    [InlineData("www.test.jp", "test.jp")]
    [InlineData("ac.jp", null)]
    [InlineData("test.ac.jp", "test.ac.jp")]
    [InlineData("www.test.ac.jp", "test.ac.jp")]
    [InlineData("kyoto.jp", null)]
    [InlineData("test.kyoto.jp", "test.kyoto.jp")]
    [InlineData("ide.kyoto.jp", null)]
    [InlineData("b.ide.kyoto.jp", "b.ide.kyoto.jp")]
    [InlineData("a.b.ide.kyoto.jp", "b.ide.kyoto.jp")]
    [InlineData("c.kobe.jp", null)]
    [InlineData("b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("a.b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("city.kobe.jp", "city.kobe.jp")]
    [InlineData("www.city.kobe.jp", "city.kobe.jp")]
    // A wildcard TLD rule with an exception: *.ck, !www.ck.
    [InlineData("ck", null)]
    [InlineData("test.ck", null)]
    [InlineData("b.test.ck", "b.test.ck")]
    [InlineData("a.b.test.ck", "b.test.ck")]
    [InlineData("www.ck", "www.ck")]
    [InlineData("www.www.ck", "www.ck")]
    // US K12.
    [InlineData("us", null)]
    [InlineData("test.us", "test.us")]
    [InlineData("www.test.us", "test.us")]
    [InlineData("ak.us", null)]
    [InlineData("test.ak.us", "test.ak.us")]
    [InlineData("www.test.ak.us", "test.ak.us")]
    [InlineData("k12.ak.us", null)]
    [InlineData("test.k12.ak.us", "test.k12.ak.us")]
    [InlineData("www.test.k12.ak.us", "test.k12.ak.us")]
    // Internationalised names: the list writes U-labels; the answer is in A-labels.
    [InlineData("食狮.com.cn", "食狮.com.cn")]
    [InlineData("食狮.公司.cn", "食狮.公司.cn")]
    [InlineData("www.食狮.公司.cn", "食狮.公司.cn")]
    [InlineData("shishi.公司.cn", "shishi.公司.cn")]
    [InlineData("公司.cn", null)]
    [InlineData("食狮.中国", "食狮.中国")]
    [InlineData("www.食狮.中国", "食狮.中国")]
    [InlineData("shishi.中国", "shishi.中国")]
    [InlineData("中国", null)]
    [InlineData("xn--85x722f.com.cn", "xn--85x722f.com.cn")]
    [InlineData("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")]
    [InlineData("shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn")]
    [InlineData("xn--55qx5d.cn", null)]
    [InlineData("xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s")]
    [InlineData("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s")]
    [InlineData("shishi.xn--fiqs8s", "shishi.xn--fiqs8s")]
    [InlineData("xn--fiqs8s", null)]
    public void Registrable_domain_follows_the_list_algorithm(string domain, string? expected) =>
        Assert.Equal(A(expected), List.RegistrableDomain(domain));

    [Fact]
    public void The_shipped_list_has_both_sections()
    {
        Assert.True(List.IcannRules > 6000, $"ICANN rules: {List.IcannRules}");
        Assert.True(List.PrivateRules > 1000, $"private rules: {List.PrivateRules}");
    }

    [Theory]
    [InlineData("mail.example.co.uk", "example.co.uk")]
    [InlineData("Example.CO.UK.", "example.co.uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("bücher.example.de", "example.de")]
    public void Organizational_domain_is_the_registrable_domain_or_the_name_itself(string domain, string expected) =>
        Assert.Equal(expected, List.OrganizationalDomain(domain));

    [Fact]
    public void Private_rules_can_be_left_out()
    {
        var icannOnly = PublicSuffixList.Load(PublicSuffixList.DefaultPath, includePrivate: false);
        Assert.Equal(0, icannOnly.PrivateRules);
        // uk.com is a private rule: without it, example.uk.com belongs to uk.com.
        Assert.Equal("uk.com", icannOnly.OrganizationalDomain("example.uk.com"));
        Assert.Equal("example.uk.com", List.OrganizationalDomain("example.uk.com"));
    }

    [Fact]
    public void Rules_are_parsed_from_the_format_with_comments_wildcards_and_exceptions()
    {
        var list = PublicSuffixList.Parse(new StringReader("""
            // ===BEGIN ICANN DOMAINS===
            // a comment
            tld
            *.wild.tld   trailing text is ignored
            !open.wild.tld

            // ===END ICANN DOMAINS===
            // ===BEGIN PRIVATE DOMAINS===
            Hosted.TLD
            // ===END PRIVATE DOMAINS===
            """));
        Assert.Equal(3, list.IcannRules);
        Assert.Equal(1, list.PrivateRules);
        Assert.Equal("a.b.wild.tld", list.RegistrableDomain("x.a.b.wild.tld"));
        Assert.Equal("open.wild.tld", list.RegistrableDomain("www.open.wild.tld"));
        Assert.Equal("me.hosted.tld", list.RegistrableDomain("www.me.hosted.tld"));
        Assert.Null(list.RegistrableDomain("b.wild.tld"));
    }

    [Fact]
    public void A_rule_that_is_not_a_domain_name_is_a_format_error()
    {
        var error = Assert.Throws<FormatException>(() => PublicSuffixList.Parse(new StringReader("com\nbad..rule\n")));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData(".")]
    public void A_name_that_is_not_a_domain_name_has_none(string domain)
    {
        Assert.Null(List.RegistrableDomain(domain));
        Assert.Null(List.OrganizationalDomain(domain));
    }
}
