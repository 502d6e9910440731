using Appliance.Filtering;
using Appliance.Filtering.Junk;

namespace Appliance.Tests.Filtering.Junk;

/// <summary>One recipient's decision from the door's verdict, their thresholds and their lists.</summary>
public sealed class JunkPolicyTests
{
    private const string DoorHeaders = "Authentication-Results: mail.example.com; spf=none\r\nX-Spam-Status: Yes, score=1000.0 required=5.0\r\n\ttests=SA_GTUBE=1000\r\nX-Spam-Score: 1000.0\r\nX-Spam-Flag: YES\r\n";

    private static readonly FilteringOptions Server = new();

    private static Inspection Door(double points, Disposition floor = Disposition.Deliver, string headers = DoorHeaders)
    {
        var verdict = new Verdict();
        verdict.Add("SA_TEST", points, "a test", "spamd");
        return new Inspection(verdict, points >= 5 ? Disposition.Junk : Disposition.Deliver, headers) { Floor = floor, Reason = floor == Disposition.Junk ? "dmarc quarantine" : "" };
    }

    private static UserJunkSettings User(double? score = null, SpamAction? action = null, params (string Entry, SenderListKind Kind)[] senders) =>
        new(score, action, [.. senders.Select(s => new SenderEntry(s.Entry, s.Kind, DateTimeOffset.UnixEpoch))]);

    private static JunkDecision Decide(Inspection door, UserJunkSettings user, DomainJunkSettings? domain = null, string sender = "anna@elsewhere.example", string? from = null) =>
        JunkPolicy.Decide(door, door.Floor!.Value, JunkThresholds.Of(Server, domain, user), user, JunkPolicy.Senders(sender, from), Copy(door.Verdict), Server.JunkScore);

    private static Verdict Copy(Verdict verdict)
    {
        var copy = new Verdict();
        foreach (var s in verdict.Symbols) copy.Add(s.Name, s.Points, s.Reason, s.Source);
        return copy;
    }

    [Fact]
    public void An_allow_listed_sender_goes_to_the_inbox_whatever_the_score_and_the_header_says_why()
    {
        var decision = Decide(Door(1000), User(senders: ("anna@elsewhere.example", SenderListKind.Allow)));

        Assert.Equal(Disposition.Deliver, decision.Disposition);
        Assert.True(decision.OwnHeaders);
        Assert.Contains("X-Spam-Status: No, score=900.0 required=5.0", decision.Headers, StringComparison.Ordinal);
        Assert.Contains("USER_ALLOW=-100", decision.Headers, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Spam-Flag", decision.Headers, StringComparison.Ordinal);
        Assert.StartsWith("Authentication-Results: mail.example.com; spf=none\r\n", decision.Headers, StringComparison.Ordinal);
        Assert.Single(decision.Headers.Split("X-Spam-Status:")[1..]);
    }

    [Fact]
    public void A_block_listed_domain_goes_to_Junk_even_with_a_clean_score()
    {
        var decision = Decide(Door(-1), User(senders: ("@elsewhere.example", SenderListKind.Block)), from: "Anna <anna@mail.elsewhere.example>");

        Assert.Equal(Disposition.Junk, decision.Disposition);
        Assert.Contains("X-Spam-Status: Yes,", decision.Headers, StringComparison.Ordinal);
        Assert.Contains("USER_BLOCK=100", decision.Headers, StringComparison.Ordinal);
        Assert.Contains("X-Spam-Flag: YES\r\n", decision.Headers, StringComparison.Ordinal);
    }

    [Fact]
    public void The_From_address_counts_as_the_sender_too()
    {
        var decision = Decide(Door(1000), User(senders: ("news@shop.example", SenderListKind.Allow)), sender: "bounce-123@mailer.example", from: "\"Shop\" <News@Shop.example>");

        Assert.Equal(Disposition.Deliver, decision.Disposition);
    }

    [Fact]
    public void The_more_specific_entry_wins_and_a_tie_is_a_block()
    {
        var address = User(senders: [("anna@elsewhere.example", SenderListKind.Allow), ("@elsewhere.example", SenderListKind.Block)]);
        Assert.Equal(Disposition.Deliver, Decide(Door(0), address).Disposition);

        var tie = User(senders: [("anna@elsewhere.example", SenderListKind.Allow), ("anna@other.example", SenderListKind.Block)]);
        Assert.Equal(Disposition.Junk, Decide(Door(0), tie, sender: "anna@elsewhere.example", from: "anna@other.example").Disposition);
    }

    [Fact]
    public void A_users_lower_threshold_files_what_the_server_let_through()
    {
        var decision = Decide(Door(3), User(score: 2.5));

        Assert.Equal(Disposition.Junk, decision.Disposition);
        Assert.Contains("X-Spam-Status: Yes, score=3.0 required=2.5", decision.Headers, StringComparison.Ordinal);
    }

    [Fact]
    public void A_users_action_quarantine_holds_spam_and_the_domains_applies_when_the_user_has_none()
    {
        Assert.Equal(Disposition.Quarantine, Decide(Door(6), User(action: SpamAction.Quarantine)).Disposition);
        Assert.Equal(Disposition.Quarantine, Decide(Door(6), User(), new DomainJunkSettings(Action: SpamAction.Quarantine)).Disposition);
        Assert.Equal(Disposition.Junk, Decide(Door(6), User(action: SpamAction.Junk), new DomainJunkSettings(Action: SpamAction.Quarantine)).Disposition);
        Assert.Equal(Disposition.Deliver, Decide(Door(6), User(), new DomainJunkSettings(JunkScore: 8)).Disposition);
    }

    [Fact]
    public void An_allow_list_does_not_lift_a_DMARC_quarantine()
    {
        var decision = Decide(Door(0, Disposition.Junk), User(senders: ("anna@elsewhere.example", SenderListKind.Allow)));

        Assert.Equal(Disposition.Junk, decision.Disposition);
        Assert.Equal("dmarc quarantine", decision.Reason);
    }

    [Fact]
    public void A_recipient_judged_as_the_door_judged_keeps_the_doors_fields()
    {
        var decision = Decide(Door(1000), User());

        Assert.Equal(Disposition.Junk, decision.Disposition);
        Assert.False(decision.OwnHeaders);
        Assert.Same(DoorHeaders, decision.Headers);
    }

    [Fact]
    public void Folded_X_Spam_fields_of_the_door_are_replaced_whole()
    {
        var headers = JunkPolicy.WithSpamFields("A: 1\r\nX-Spam-Status: No,\r\n\ttests=X\r\nX-Virus-Status: Clean\r\nX-Spam-Score: 0\r\n", "X-Spam-Status: Yes\r\n");

        Assert.Equal("A: 1\r\nX-Virus-Status: Clean\r\nX-Spam-Status: Yes\r\n", headers);
    }

    [Theory]
    [InlineData("Anna@Example.COM", "anna@example.com")]
    [InlineData("@example.com", "@example.com")]
    [InlineData("example.com", "@example.com")]
    [InlineData(" news@shop.example ", "news@shop.example")]
    public void Entries_are_stored_canonical(string text, string expected)
    {
        Assert.True(SenderEntry.TryNormalize(text, out var entry));
        Assert.Equal(expected, entry);
    }

    [Theory]
    [InlineData("")]
    [InlineData("anna")]
    [InlineData("anna@")]
    [InlineData("a@b@example.com")]
    [InlineData("<anna@example.com>")]
    [InlineData("anna@exa mple.com")]
    [InlineData("anna@-example.com")]
    [InlineData("anna@example..com")]
    public void Entries_that_could_never_match_are_refused(string text)
    {
        Assert.False(SenderEntry.TryNormalize(text, out _));
    }

    [Fact]
    public void A_domain_entry_matches_its_subdomains_but_not_a_lookalike()
    {
        var entry = new SenderEntry("@example.com", SenderListKind.Block, DateTimeOffset.UnixEpoch);

        Assert.True(entry.Matches("a@example.com"));
        Assert.True(entry.Matches("a@mail.example.com"));
        Assert.False(entry.Matches("a@badexample.com"));
    }

    [Fact]
    public void Domain_settings_are_checked()
    {
        Assert.Null(JunkSettingsValidation.Problem(new DomainJunkSettings(4, SpamAction.Quarantine, 15)));
        Assert.NotNull(JunkSettingsValidation.Problem(new DomainJunkSettings(Action: SpamAction.Reject)));
        Assert.NotNull(JunkSettingsValidation.Problem(new DomainJunkSettings(JunkScore: 10, RejectScore: 5)));
        Assert.NotNull(JunkSettingsValidation.Problem(new DomainJunkSettings(JunkScore: double.NaN)));
    }
}
