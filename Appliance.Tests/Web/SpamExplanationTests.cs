using Appliance.Web.Mail;

namespace Appliance.Tests.Web;

public sealed class SpamExplanationTests
{
    [Fact]
    public void Our_folded_X_Spam_Status_is_read_back_with_every_symbol_largest_first()
    {
        var headers = "Return-Path: <a@b.example>\r\nX-Spam-Status: Yes, score=1003.2 required=5.0\r\n\ttests=SPF_NONE=0,DKIM_NONE=0,\r\n\tSA_GTUBE=1000,BAYES_99=3.5,DMARC_PASS=-0.5\r\nX-Spam-Score: 1003.2\r\n" +
                      "X-Spam-Status: No, score=-100 required=5\r\n";

        var why = SpamExplanation.Parse(headers);

        Assert.NotNull(why);
        Assert.True(why.IsSpam);
        Assert.Equal(1003.2, why.Score);
        Assert.Equal(5.0, why.Required);
        Assert.Equal(["SA_GTUBE", "BAYES_99", "DMARC_PASS", "SPF_NONE", "DKIM_NONE"], why.Reasons.Select(r => r.Symbol));
        Assert.Equal(-0.5, why.Reasons.Single(r => r.Symbol == "DMARC_PASS").Points);
    }

    [Theory]
    [InlineData("Subject: no status\r\n")]
    [InlineData("X-Spam-Status: garbage\r\n")]
    public void Without_our_field_there_is_no_explanation(string headers) => Assert.Null(SpamExplanation.Parse(headers));

    [Theory]
    [InlineData("SA_GTUBE", "Mail.Why.Source.SpamAssassin")]
    [InlineData("BAYES_99", "Mail.Why.Source.Bayes")]
    [InlineData("DNSBL_ZEN", "Mail.Why.Source.Client")]
    [InlineData("VIRUS", "Mail.Why.Source.Other")]
    public void Each_symbol_has_the_reason_of_its_check(string symbol, string key) => Assert.Equal(key, SpamExplanation.ReasonKey(symbol));

    [Fact]
    public void The_message_log_detail_of_a_refused_message_gives_its_breakdown()
    {
        var checks = SpamExplanation.FromLogDetail("550 5.7.1 Message refused as spam; score 1006.2; score=1006.2 [SPF_PASS=-0.1,SA_GTUBE=1000,BAYES_99=3.5]");
        Assert.NotNull(checks);
        Assert.Equal(1006.2, checks.Value.Score);
        Assert.Equal(["SA_GTUBE", "BAYES_99", "SPF_PASS"], checks.Value.Reasons.Select(r => r.Symbol));
        Assert.Null(SpamExplanation.FromLogDetail("id=4; INBOX"));
    }
}
