using System.Net;
using Appliance.Filtering.Spf;

namespace Appliance.Tests.Filtering.Spf;

public sealed class SpfMacroStringTests
{
    /// <summary>RFC 7208 §7.4's context: sender strong-bad@email.example.com, domain email.example.com.</summary>
    private static SpfMacroContext Context(string ip) => new(
        IPAddress.Parse(ip), "strong-bad@email.example.com", "strong-bad", "email.example.com", "email.example.com",
        "mx.example.org", "unknown", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), _ => Task.FromResult("mx.example.org"));

    private static async Task<string> ExpandAsync(string text, string ip = "192.0.2.3", bool explanation = false)
    {
        Assert.True(SpfMacroString.TryParse(text, explanation, out var parsed, out var error), error);
        return await parsed.ExpandAsync(Context(ip), domainName: !explanation, CancellationToken.None);
    }

    // RFC 7208 §7.4, the examples in the order the RFC lists them.
    [Theory]
    [InlineData("%{s}", "strong-bad@email.example.com")]
    [InlineData("%{o}", "email.example.com")]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    public async Task Rfc7208_section_7_4_examples_expand_as_the_rfc_says(string macro, string expected) =>
        Assert.Equal(expected, await ExpandAsync(macro));

    [Fact]
    public async Task Rfc7208_section_7_4_ipv6_example_reverses_nibbles() =>
        Assert.Equal("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
            await ExpandAsync("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"));

    [Theory]
    // §7.3: an upper-case letter URL-escapes the value; "@" and "+" are not unreserved.
    [InlineData("%{S}", "strong-bad%40email.example.com")]
    [InlineData("%{L}", "strong-bad")]
    [InlineData("%{Dr}", "com.example.email")]
    // %% is a percent, %_ a space, %- a URL-encoded space (§7.1).
    [InlineData("a%%b%_c%-d.example.com", "a%b c%20d.example.com")]
    [InlineData("%{h}", "mx.example.org")]
    [InlineData("%{p}.x.example.com", "mx.example.org.x.example.com")]
    // Delimiters split; the parts are joined with "." whatever split them.
    [InlineData("%{l-+}", "strong.bad")]
    [InlineData("%{o=}", "email.example.com")]
    // A count beyond the number of parts keeps them all.
    [InlineData("%{d99}", "email.example.com")]
    public async Task Transformers_delimiters_and_escapes(string macro, string expected) =>
        Assert.Equal(expected, await ExpandAsync(macro));

    [Theory]
    [InlineData("%{c}", "192.0.2.3", "192.0.2.3")]
    [InlineData("%{c}", "2001:db8::cb01", "2001:db8::cb01")]
    [InlineData("%{r}", "192.0.2.3", "unknown")]
    [InlineData("%{t}", "192.0.2.3", "1700000000")]
    [InlineData("%{i} is not one of %{d}'s designated mail servers.", "192.0.2.3", "192.0.2.3 is not one of email.example.com's designated mail servers.")]
    public async Task Explanation_only_letters_expand_in_an_explanation(string macro, string ip, string expected) =>
        Assert.Equal(expected, await ExpandAsync(macro, ip, explanation: true));

    [Theory]
    // §7.1: "A '%' character not followed by a '{', '%', '-', or '_' character is a syntax error", the RFC's own example.
    [InlineData("%(ir).sbl.spamhaus.example.org")]
    [InlineData("%{z}.example.com")]
    [InlineData("%{d0}.example.com")]
    [InlineData("%{d.example.com")]
    [InlineData("%{}.example.com")]
    [InlineData("%{dx}.example.com")]
    [InlineData("example.com%")]
    // c, r and t belong to explanations only (§7.2).
    [InlineData("%{c}.example.com")]
    [InlineData("%{r}.example.com")]
    [InlineData("%{t}.example.com")]
    // A space is not a macro-literal outside an explanation.
    [InlineData("a b.example.com")]
    public void Malformed_macro_strings_are_refused(string text) =>
        Assert.False(SpfMacroString.TryParse(text, explanation: false, out _, out _));

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("example.com.", true)]
    [InlineData("%{d}", true)]
    [InlineData("%{ir}.%{v}._spf.%{d2}", true)]
    [InlineData("foo.%{d}", true)]
    [InlineData("foo-bar.x1-y", true)]
    [InlineData("foo", false)]
    [InlineData("example.123", false)]
    [InlineData("example.com:8080", false)]
    [InlineData("example.-com", false)]
    [InlineData("example.com-", false)]
    [InlineData("example.com/24", false)]
    [InlineData("", false)]
    public void A_domain_spec_ends_in_a_top_label_or_a_macro(string text, bool valid)
    {
        Assert.True(SpfMacroString.TryParse(text, explanation: false, out var parsed, out var error), error);
        Assert.Equal(valid, parsed.IsDomainSpec());
    }

    [Fact]
    public async Task An_expansion_longer_than_253_characters_loses_labels_on_the_left()
    {
        var longLocal = string.Join('.', Enumerable.Repeat(new string('x', 60), 5));
        var context = Context("192.0.2.3") with { LocalPart = longLocal };
        Assert.True(SpfMacroString.TryParse("%{l}.example.com", false, out var parsed, out _));
        var expanded = await parsed.ExpandAsync(context, domainName: true, CancellationToken.None);
        Assert.True(expanded.Length <= 253, expanded);
        Assert.EndsWith(".example.com", expanded, StringComparison.Ordinal);
        Assert.Equal(3 * 61 + "example.com".Length, expanded.Length);
    }
}
