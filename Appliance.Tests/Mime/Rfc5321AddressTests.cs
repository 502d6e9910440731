using Appliance.Mime;

namespace Appliance.Tests.Mime;

/// <summary>
/// The RFC 5321 address grammar on its own: what SMTP's MAIL and RCPT, the submission rules and the
/// webmail's composer all accept as a mailbox (the SMTP argument parser around it is tested in Smtp/).
/// </summary>
public sealed class Rfc5321AddressTests
{
    [Theory]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("Bob@EXAMPLE.COM", "Bob@example.com")]
    [InlineData("o'brien+tag@sub-domain.example.com", "o'brien+tag@sub-domain.example.com")]
    [InlineData("\"quoted >name\"@example.com", "\"quoted >name\"@example.com")]
    [InlineData("bob@[192.0.2.1]", "bob@[192.0.2.1]")]
    [InlineData("bob@[IPv6:2001:db8::1]", "bob@[ipv6:2001:db8::1]")]
    [InlineData("álice@bücher.example", "álice@bücher.example")]
    public void TryParseMailbox_reads_a_mailbox_with_its_domain_lower_cased(string text, string expected)
    {
        Assert.True(Rfc5321Address.TryParseMailbox(text, out var address), text);
        Assert.Equal(expected, address);
    }

    [Theory]
    [InlineData("a@@example.com")]
    [InlineData("a..b@example.com")]
    [InlineData(".a@example.com")]
    [InlineData("a@-example.com")]
    [InlineData("a@example..com")]
    [InlineData("a@exa_mple.com")]
    [InlineData("a b@example.com")]
    [InlineData("a@[300.1.1.1]")]
    [InlineData("a@[192.0.2.1")]
    [InlineData("a@\uFFFD.example")]
    [InlineData("\uFFFD@example.com")]
    [InlineData("@example.com")]
    [InlineData("a@")]
    [InlineData("")]
    public void TryParseMailbox_refuses_what_the_grammar_does_not_allow(string text)
    {
        Assert.False(Rfc5321Address.TryParseMailbox(text, out var address), $"'{text}' was read as {address}");
    }

    [Theory]
    [InlineData("\"\\\"@example.com")]
    [InlineData("\"\\@example.com")]
    [InlineData("\"a\"b\"@example.com")]
    public void TryParseMailbox_refuses_a_quoted_string_that_does_not_close(string text)
    {
        for (var length = 0; length <= text.Length; length++)
        {
            Assert.False(Rfc5321Address.TryParseMailbox(text[..length], out var address), $"'{text[..length]}' was read as {address}");
        }
    }

    [Theory]
    [InlineData("@relay.example,@b.example:bob@example.com", true, "bob@example.com")]
    [InlineData("bob@example.com", true, "bob@example.com")]
    [InlineData("@relay.example", false, "")]
    public void TryParsePath_drops_an_obsolete_source_route(string inner, bool valid, string expected)
    {
        Assert.Equal(valid, Rfc5321Address.TryParsePath(inner, out var address));
        Assert.Equal(expected, address);
    }

    [Theory]
    [InlineData("<a@example.com> SIZE=1", 14)]
    [InlineData("<\"quoted >name\"@example.com>", 27)]
    [InlineData("<\"a\\\">\"@example.com>", 19)]
    [InlineData("<a@example.com", -1)]
    public void FindPathEnd_skips_a_bracket_inside_a_quoted_local_part(string text, int end)
    {
        Assert.Equal(end, Rfc5321Address.FindPathEnd(text));
    }
}
