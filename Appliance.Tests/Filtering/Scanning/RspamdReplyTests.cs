using System.Text;
using Appliance.Filtering.Scanning;

namespace Appliance.Tests.Filtering.Scanning;

/// <summary>rspamd's /checkv2 JSON, from replies recorded from Debian's rspamd 3.4 (TestData/Rspamd).</summary>
public sealed class RspamdReplyTests
{
    private static byte[] Recorded(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "Rspamd", name));

    [Fact]
    public void Gtube_reply_is_spam_with_the_pre_result_score_and_the_smtp_message()
    {
        var verdict = RspamdReply.Parse(Recorded("gtube-reply.json"), out var error);

        Assert.NotNull(verdict);
        Assert.Null(error);
        Assert.True(verdict.IsSpam);
        Assert.Equal("reject", verdict.Action);
        Assert.Equal(15.0, verdict.Score);
        Assert.Equal(15.0, verdict.Threshold);
        Assert.Equal("Gtube pattern", verdict.Message);
        var gtube = Assert.Single(verdict.Symbols);
        Assert.Equal(new SpamSymbol("GTUBE", 0.0, null), gtube);
    }

    [Fact]
    public void Ham_reply_is_not_spam_and_keeps_each_symbol_with_its_points_and_description()
    {
        var verdict = RspamdReply.Parse(Recorded("ham-reply.json"), out _)!;

        Assert.False(verdict.IsSpam);
        Assert.Equal("no action", verdict.Action);
        Assert.Equal(3.5, verdict.Score);
        Assert.Contains(new SpamSymbol("HFILTER_HOSTNAME_UNKNOWN", 2.5, "Unknown client hostname (PTR or FCrDNS verification failed)"), verdict.Symbols);
        Assert.Contains(new SpamSymbol("ASN_FAIL", 0.0, null), verdict.Symbols);
        Assert.Equal(3.5, verdict.Symbols.Sum(s => s.Points!.Value), 3);
    }

    [Theory]
    [InlineData("{\"error\":\"Message is too big: 60000000 bytes\"}", "rspamd answered: Message is too big")]
    [InlineData("{\"score\":1.0}", "no score or action")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("pong", "not JSON")]
    [InlineData("{\"score\":1.0,\"action\":\"no action\"", "not JSON")]
    public void What_is_not_a_verdict_is_an_error_that_says_why(string json, string expected)
    {
        var verdict = RspamdReply.Parse(Encoding.UTF8.GetBytes(json), out var error);

        Assert.Null(verdict);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("add header", true)]
    [InlineData("rewrite subject", true)]
    [InlineData("reject", true)]
    [InlineData("greylist", false)]
    [InlineData("soft reject", false)]
    [InlineData("no action", false)]
    public void Spam_is_the_actions_that_mark_or_refuse(string action, bool spam)
    {
        var verdict = RspamdReply.Parse(Encoding.UTF8.GetBytes($"{{\"score\":7,\"required_score\":15,\"action\":\"{action}\",\"symbols\":{{}}}}"), out _)!;

        Assert.Equal(spam, verdict.IsSpam);
    }
}
