using Appliance.Filtering.Rules;
using Appliance.Filtering.Sieve;
using Appliance.Tests.Filtering.Sieve;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Tests.Filtering.Rules;

/// <summary>
/// The preference pages' script writer: every condition and action writes a script that compiles, and the interpreter
/// run over a sample message does what the form said; the model comes back from the script unchanged.
/// </summary>
public sealed class RulesScriptTests
{
    private const string Mail = """
        X-Envelope-From: alice@example.org
        From: Alice Example <alice@example.org>
        To: bob@example.com
        Cc: "Carol" <carol@example.net>
        Subject: Invoice 42 for March
        Message-ID: <m1@example.org>
        X-Spam-Score: 6
        X-Project: Apollo-7

        Please pay the invoice before Friday.
        """;

    private static MailRules One(RuleCondition? condition, params RuleAction[] actions) => new()
    {
        Rules = [new FilterRule { Name = "test", Conditions = condition is null ? [] : [condition], Actions = [.. actions] }],
    };

    private static RuleAction MoveTo(string folder) => new() { Kind = RuleActionKind.MoveTo, Value = folder };

    private static async Task<SieveResult> Run(MailRules rules, string message = Mail, TimeProvider? time = null)
    {
        RulesScript.Validate(rules);
        var text = RulesScript.Write(rules);
        Assert.True(SieveScript.TryCompile(text, null, out var script, out var error), $"{error?.Message}\n{text}");
        var c = SieveTestBed.Context(SieveTestBed.Message(message), size: 2000);
        var context = new SieveContext(c.Message, c.Envelope)
        {
            Size = c.Size, Spam = c.Spam, VacationTracker = c.VacationTracker, Time = time ?? TimeProvider.System,
        };
        return await new SieveInterpreter().RunAsync(script!, context);
    }

    private static async Task<List<string>> Actions(MailRules rules, string message = Mail) =>
        SieveTestBed.Normalize(await Run(rules, message));

    [Theory]
    [InlineData(RuleField.From, RuleMatch.Contains, "", "Alice", true)]
    [InlineData(RuleField.From, RuleMatch.Contains, "", "mallory", false)]
    [InlineData(RuleField.From, RuleMatch.Is, "", "ALICE@example.org", true)]
    [InlineData(RuleField.From, RuleMatch.Is, "", "Alice Example", false)]
    [InlineData(RuleField.From, RuleMatch.Matches, "", "*@example.org>", true)]
    [InlineData(RuleField.To, RuleMatch.Is, "", "carol@example.net", true)]
    [InlineData(RuleField.To, RuleMatch.Contains, "", "bob@", true)]
    [InlineData(RuleField.To, RuleMatch.Contains, "", "dave@", false)]
    [InlineData(RuleField.Subject, RuleMatch.Contains, "", "invoice", true)]
    [InlineData(RuleField.Subject, RuleMatch.Is, "", "Invoice 42 for March", true)]
    [InlineData(RuleField.Subject, RuleMatch.Is, "", "Invoice", false)]
    [InlineData(RuleField.Subject, RuleMatch.Matches, "", "Invoice ?? for *", true)]
    [InlineData(RuleField.Header, RuleMatch.Matches, "X-Project", "Apollo-*", true)]
    [InlineData(RuleField.Header, RuleMatch.Is, "X-Project", "Gemini", false)]
    [InlineData(RuleField.Body, RuleMatch.Contains, "", "before friday", true)]
    [InlineData(RuleField.Body, RuleMatch.Contains, "", "tomorrow", false)]
    [InlineData(RuleField.Size, RuleMatch.Over, "", "1", true)]
    [InlineData(RuleField.Size, RuleMatch.Under, "", "1", false)]
    [InlineData(RuleField.Size, RuleMatch.Under, "", "100", true)]
    [InlineData(RuleField.SpamScore, RuleMatch.Over, "", "5", true)]
    [InlineData(RuleField.SpamScore, RuleMatch.Over, "", "6", false)]
    public async Task Each_condition_matches_as_the_form_says(RuleField field, RuleMatch match, string header, string value, bool expected)
    {
        var rules = One(new RuleCondition { Field = field, Match = match, HeaderName = header, Value = value }, MoveTo("Hit"));
        Assert.Equal(expected ? ["fileinto Hit"] : ["keep"], await Actions(rules));
    }

    [Fact]
    public async Task Untested_mail_is_never_over_a_spam_level()
    {
        var clean = Mail.Replace("X-Spam-Score: 6\n", "", StringComparison.Ordinal);
        var rules = One(new RuleCondition { Field = RuleField.SpamScore, Match = RuleMatch.Over, Value = "1" }, MoveTo("Junk"));
        Assert.Equal(["keep"], await Actions(rules, clean));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task All_and_any_of(bool all)
    {
        var rule = new FilterRule
        {
            MatchAll = all,
            Conditions =
            [
                new() { Field = RuleField.Subject, Match = RuleMatch.Contains, Value = "Invoice" },
                new() { Field = RuleField.From, Match = RuleMatch.Contains, Value = "mallory" },
            ],
            Actions = [MoveTo("Hit")],
        };
        Assert.Equal(all ? ["keep"] : ["fileinto Hit"], await Actions(new MailRules { Rules = [rule] }));
    }

    [Fact]
    public async Task Actions_do_what_they_say()
    {
        Assert.Equal(["fileinto Box"], await Actions(One(null, MoveTo("Box"))));
        Assert.Equal(["fileinto Box", "keep"], await Actions(One(null, new RuleAction { Kind = RuleActionKind.CopyTo, Value = "Box" })));
        Assert.Equal(["keep", "redirect carol@example.net"], await Actions(One(null, new RuleAction { Kind = RuleActionKind.Forward, Value = "carol@example.net" })));
        Assert.Equal(["keep [\\seen]"], await Actions(One(null, new RuleAction { Kind = RuleActionKind.MarkRead })));
        Assert.Equal(["fileinto Box [\\flagged \\seen]"], await Actions(One(null,
            MoveTo("Box"), new RuleAction { Kind = RuleActionKind.Flag }, new RuleAction { Kind = RuleActionKind.MarkRead })));
        Assert.Empty(await Actions(One(null, new RuleAction { Kind = RuleActionKind.Delete })));
        Assert.Equal(["keep", "vacation-sent alice@example.org"], await Actions(One(null, new RuleAction { Kind = RuleActionKind.Reply, Value = "Thanks,\nwe got it." })));
    }

    [Fact]
    public async Task Stop_keeps_later_rules_from_running()
    {
        var rules = new MailRules
        {
            Rules =
            [
                new FilterRule { Actions = [new() { Kind = RuleActionKind.Stop }] },
                new FilterRule { Actions = [MoveTo("Never")] },
            ],
        };
        Assert.Equal(["keep"], await Actions(rules));
        rules.Rules[0].Enabled = false;
        Assert.Equal(["fileinto Never"], await Actions(rules));
    }

    [Fact]
    public async Task Two_replies_in_one_run_send_one_instead_of_failing()
    {
        var reply = new RuleAction { Kind = RuleActionKind.Reply, Value = "Got it" };
        var rules = new MailRules
        {
            Rules = [new FilterRule { Actions = [reply] }, new FilterRule { Actions = [reply.Clone()] }],
            OutOfOffice = new OutOfOfficeSettings { Enabled = true, Message = "Away" },
        };
        var result = await Run(rules);
        Assert.Null(result.Error);
        var sent = Assert.Single(result.Actions.OfType<SieveVacationReply>());
        Assert.Contains("Away", sent.Reply.TextBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, new[] { "fileinto Invoices", "redirect a@example.net", "redirect b@example.net" })]
    [InlineData(false, new[] { "redirect a@example.net", "redirect b@example.net" })]
    public async Task Forwarding_keeps_a_copy_or_not(bool keep, string[] expected)
    {
        var rules = One(new RuleCondition { Field = RuleField.Subject, Match = RuleMatch.Contains, Value = "Invoice" }, MoveTo("Invoices"));
        rules.Forwarding = new ForwardingSettings { Enabled = true, KeepCopy = keep, Addresses = ["a@example.net", "b@example.net"] };
        // With a copy kept the rules still run and file it; forwarding only stops them.
        Assert.Equal(expected, await Actions(rules));
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("2026-12-01", "2026-12-24", true)]
    [InlineData("2026-12-04", "2026-12-04", true)]
    [InlineData("2026-12-05", null, false)]
    [InlineData(null, "2026-12-03", false)]
    public async Task Out_of_office_replies_between_its_dates(string? start, string? end, bool replies)
    {
        var rules = new MailRules
        {
            OutOfOffice = new OutOfOfficeSettings
            {
                Enabled = true,
                Subject = "Away until January",
                Message = "I am away.\nBack on \"Monday\".",
                Start = start is null ? null : DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
                End = end is null ? null : DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture),
                Days = 3,
                Addresses = ["bob.alias@example.com"],
            },
        };
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        var result = await Run(rules, time: clock);
        var reply = result.Actions.OfType<SieveVacationReply>().SingleOrDefault();
        Assert.Equal(replies, reply is not null);
        if (reply is not null)
        {
            Assert.Equal("Away until January", reply.Reply.Subject);
            Assert.Contains("Back on \"Monday\".", reply.Reply.TextBody, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_model_round_trips_through_the_script()
    {
        var rules = new MailRules
        {
            Rules =
            [
                new FilterRule
                {
                    Name = "Invoices \"from\" \\ accounts\nsecond line",
                    MatchAll = false,
                    Conditions = [new() { Field = RuleField.Header, HeaderName = "X-Project", Match = RuleMatch.Matches, Value = "Apollo-*" }],
                    Actions = [MoveTo("Invoices/2026"), new() { Kind = RuleActionKind.Reply, Value = "Merci — reçu." }],
                },
                new FilterRule { Enabled = false, Actions = [new() { Kind = RuleActionKind.Delete }] },
            ],
            Forwarding = new ForwardingSettings { Enabled = true, Addresses = ["a@example.net"], KeepCopy = false },
            OutOfOffice = new OutOfOfficeSettings { Enabled = true, Message = "Away", Start = new DateOnly(2026, 12, 20), Days = 5 },
        };
        var script = RulesScript.Write(rules);
        Assert.True(RulesScript.IsOwn(script));
        Assert.True(RulesScript.TryRead(script, out var back));
        Assert.Equal(script, RulesScript.Write(back));
        Assert.Equal("Invoices \"from\" \\ accounts\nsecond line", back.Rules[0].Name);
        Assert.False(back.Rules[1].Enabled);
        Assert.Equal(new DateOnly(2026, 12, 20), back.OutOfOffice.Start);
        Assert.True(SieveScript.TryCompile(script, null, out _, out var error), error?.Message);
    }

    [Fact]
    public void A_script_edited_by_hand_is_not_the_forms()
    {
        var script = RulesScript.Write(One(null, MoveTo("Box")));
        Assert.False(RulesScript.IsOwn(script.Replace("fileinto \"Box\";", "fileinto \"Other\";", StringComparison.Ordinal)));
        Assert.False(RulesScript.IsOwn("require \"fileinto\";\nfileinto \"Box\";\n"));
        Assert.False(RulesScript.IsOwn(RulesScript.Marker + "{not json\nkeep;\n"));
    }

    [Theory]
    [InlineData(RuleField.Subject, RuleMatch.Contains, "", "", "Rules.Error.NoValue")]
    [InlineData(RuleField.Header, RuleMatch.Contains, "Bad Name:", "x", "Rules.Error.HeaderName")]
    [InlineData(RuleField.Size, RuleMatch.Over, "", "ten", "Rules.Error.Number")]
    [InlineData(RuleField.SpamScore, RuleMatch.Over, "", "10", "Rules.Error.Number")]
    [InlineData(RuleField.Size, RuleMatch.Contains, "", "1", "Rules.Error.Match")]
    public void Bad_conditions_are_refused_with_a_reason(RuleField field, RuleMatch match, string header, string value, string key)
    {
        var rules = One(new RuleCondition { Field = field, Match = match, HeaderName = header, Value = value }, MoveTo("Box"));
        Assert.Equal(key, Assert.Throws<RulesException>(() => RulesScript.Validate(rules)).Key);
    }

    [Fact]
    public void Bad_actions_and_settings_are_refused_with_a_reason()
    {
        Assert.Equal("Rules.Error.NoActions", Assert.Throws<RulesException>(() => RulesScript.Validate(One(null))).Key);
        Assert.Equal("Rules.Error.NoFolder", Assert.Throws<RulesException>(() => RulesScript.Validate(One(null, MoveTo(" ")))).Key);
        Assert.Equal("Forwarding.Error.BadAddress", Assert.Throws<RulesException>(() =>
            RulesScript.Validate(One(null, new RuleAction { Kind = RuleActionKind.Forward, Value = "not an address" }))).Key);
        Assert.Equal("Forwarding.Error.BadAddress", Assert.Throws<RulesException>(() =>
            RulesScript.Validate(new MailRules { Forwarding = new() { Enabled = true, Addresses = ["a@b.example", "nodomain"] } })).Key);
        Assert.Equal("Forwarding.Error.NoAddress", Assert.Throws<RulesException>(() =>
            RulesScript.Validate(new MailRules { Forwarding = new() { Enabled = true } })).Key);
        Assert.Equal("OutOfOffice.Error.Dates", Assert.Throws<RulesException>(() => RulesScript.Validate(new MailRules
        {
            OutOfOffice = new() { Enabled = true, Message = "x", Start = new DateOnly(2026, 12, 5), End = new DateOnly(2026, 12, 4) },
        })).Key);
        Assert.Equal("OutOfOffice.Error.Days", Assert.Throws<RulesException>(() =>
            RulesScript.Validate(new MailRules { OutOfOffice = new() { Enabled = true, Message = "x", Days = 0 } })).Key);
        Assert.Equal("OutOfOffice.Error.NoMessage", Assert.Throws<RulesException>(() =>
            RulesScript.Validate(new MailRules { OutOfOffice = new() { Enabled = true } })).Key);
    }
}
