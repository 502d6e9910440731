using System.Diagnostics;
using System.Text;
using Appliance.Filtering;
using Appliance.Filtering.Uce;
using Appliance.Mime;

namespace Appliance.Tests.Filtering.Uce;

public sealed class UceRulesTests
{
    private const string Message = "From: Shop <deals@shop.example>\r\nTo: bob@example.com\r\nSubject: =?UTF-8?Q?Cheap_p=C3=AFlls?=\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello\r\nBuy now at http://cheap.example/\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hello <b>winner</b></p>\r\n--b--\r\n";

    private static readonly UceEnvelope Envelope = new("bounce@shop.example", ["bob@example.com"], "mail.shop.example", "192.0.2.1", null);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);

    private static MimeMessage Parse(string text) => MimeMessage.Parse(Encoding.UTF8.GetBytes(text));

    private static UceRule Rule(string name, UceRuleTarget target, string field, string pattern, UceRuleAction action = UceRuleAction.Tag, double points = 2) =>
        new() { Name = name, Target = target, Field = field, Pattern = pattern, Action = action, Points = points };

    private static UceRuleTest TestBox(UceRule rule, string pasted, UceEnvelope? envelope, TimeSpan timeout) =>
        UceRules.Test(rule, Parse(pasted.ReplaceLineEndings("\r\n")), envelope, timeout);

    [Fact]
    public void Header_body_and_envelope_rules_match_and_say_where()
    {
        var verdict = new Verdict();
        var rules = new[]
        {
            Rule("pills", UceRuleTarget.Header, "Subject", "p[iï]lls"),
            Rule("cheap_link", UceRuleTarget.Body, "", @"https?://cheap\.", UceRuleAction.Quarantine, 3),
            Rule("winner", UceRuleTarget.Body, "", @"\bwinner\b"),
            Rule("shop_bounce", UceRuleTarget.Envelope, "from", "@shop\\.example$", UceRuleAction.Reject, 5),
            Rule("absent", UceRuleTarget.Header, "", "^X-Nothing:"),
        };

        var outcome = UceRules.Evaluate(rules, Parse(Message), Envelope, verdict, Timeout);

        Assert.Equal(["header Subject", "body line 2", "body part 2 line 1", "envelope from"], outcome.Matches.Select(m => m.Where));
        Assert.Equal(UceRuleAction.Reject, outcome.Action);
        Assert.Equal("shop_bounce", outcome.Decisive!.Rule.Name);
        Assert.Equal(["RULE_PILLS", "RULE_CHEAP_LINK", "RULE_WINNER", "RULE_SHOP_BOUNCE"], verdict.Symbols.Select(s => s.Name));
        Assert.Equal(12, verdict.Score);
    }

    [Fact]
    public void A_catastrophic_pattern_times_out_and_the_other_rules_still_run()
    {
        var evil = "From: x@y.example\r\nSubject: " + new string('a', 40) + "!\r\n\r\nbody\r\n";
        var verdict = new Verdict();
        var rules = new[] { Rule("evil", UceRuleTarget.Header, "Subject", "^(a+)+$"), Rule("body", UceRuleTarget.Body, "", "body") };
        var clock = Stopwatch.StartNew();

        var outcome = UceRules.Evaluate(rules, Parse(evil), Envelope, verdict, TimeSpan.FromMilliseconds(50));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal("evil", Assert.Single(outcome.TimedOut).Name);
        Assert.Equal("body", Assert.Single(outcome.Matches).Rule.Name);
        Assert.Equal(["RULE_EVIL_TIMEOUT", "RULE_BODY"], verdict.Symbols.Select(s => s.Name));
        Assert.Equal(0, verdict.Symbols[0].Points);
    }

    [Fact]
    public void The_test_box_says_whether_and_where_a_rule_matched_and_why_it_could_not_run()
    {
        var pasted = "From: a@b.example\nSubject: Your invoice\n\nPlease find the invoice attached.\nRegards";
        var hit = TestBox(Rule("invoice", UceRuleTarget.Body, "", "invoice attached"), pasted, null, Timeout);
        Assert.Equal(new UceRuleTest(true, "body line 1", "invoice attached", null), hit);

        var miss = TestBox(Rule("invoice", UceRuleTarget.Header, "From", "@evil"), pasted, null, Timeout);
        Assert.Equal(new UceRuleTest(false, null, null, null), miss);

        var bad = TestBox(Rule("broken", UceRuleTarget.Body, "", "(unclosed"), pasted, null, Timeout);
        Assert.False(bad.Matched);
        Assert.NotNull(bad.Error);

        var slow = TestBox(Rule("evil", UceRuleTarget.Header, "Subject", "^(\\w+\\s?)+$"), "Subject: " + string.Join(' ', Enumerable.Repeat("word", 30)) + "!\n\nx", null, TimeSpan.FromMilliseconds(30));
        Assert.False(slow.Matched);
        Assert.StartsWith("timed out", slow.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_on_every_header_sees_name_and_value()
    {
        var test = TestBox(Rule("mailer", UceRuleTarget.Header, "", "^X-Mailer: .*bulk"), "X-Mailer: SuperBulk 3\nSubject: hi\n\nx", null, Timeout);
        Assert.Equal("header X-Mailer", test.Where);
    }
}
