using Appliance.Accounts;
using System.Net;
using System.Text;
using Appliance.Filtering;
using Appliance.Filtering.Uce;
using Appliance.Mime;
using Appliance.Tests.Infrastructure;
using static Appliance.Tests.Filtering.Uce.UceDns;

namespace Appliance.Tests.Filtering.Uce;

/// <summary>The checks of one connection, stage by stage, as the SMTP session calls them, over the loopback DNS and a real settings table.</summary>
public sealed class UceSessionTests : IAsyncLifetime
{
    private LoopbackDnsServer _dns = null!;
    private readonly List<TestServices> _created = [];

    public Task InitializeAsync()
    {
        _dns = LoopbackDnsServer.Start();
        // 192.0.2.2 is listed in bl.test and 192.0.2.3 in both bl.test and wl.test; 192.0.2.4 is in tag.test.
        _dns.Add(A("2.2.0.192.bl.test", "127.0.0.2"), A("3.2.0.192.bl.test", "127.0.0.2"), A("3.2.0.192.wl.test", "127.0.0.2"), A("4.2.0.192.tag.test", "127.0.0.3"));
        _dns.Add(A("1.0.0.127.bl.test", "127.0.0.2"));
        _dns.Add(Mx("elsewhere.example", 10, "mx.elsewhere.example"), A("mx.elsewhere.example", "198.51.100.1"));
        _dns.Add(Mx("null.example", 0, ""));
        _dns.Add(Ptr("5.2.0.192.in-addr.arpa", "host.elsewhere.example"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var services in _created) await services.DisposeAsync();
        await _dns.DisposeAsync();
    }

    private async Task<TestServices> ServicesAsync(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Appliance:Dns:Servers:0"] = _dns.Address,
            ["Appliance:Dns:TimeoutMilliseconds"] = "1500",
            ["Appliance:Dns:Attempts"] = "1",
            ["Appliance:Uce:DnsblZones:0:Zone"] = "bl.test",
            ["Appliance:Uce:DnsblZones:0:Codes:0"] = "127.0.0.2-127.0.0.11",
            ["Appliance:Uce:DnsblZones:1:Zone"] = "tag.test",
            ["Appliance:Uce:DnsblZones:1:Action"] = "Tag",
            ["Appliance:Uce:DnsblZones:1:Points"] = "2.5",
            ["Appliance:Uce:DnswlZones:0:Zone"] = "wl.test",
            ["Appliance:Uce:DnswlZones:0:Points"] = "-3",
        };
        foreach (var (key, value) in settings) values[key] = value;
        var services = await TestServices.CreateAsync(values, configure: s => s.AddUce());
        _created.Add(services);
        return services;
    }

    private static UceSession Open(TestServices services, string client, bool inbound = true) =>
        services.Get<UceGuard>().Open(IPAddress.Parse(client), IPAddress.Parse("192.0.2.25"), inbound, "mx.appliance.example", "test");

    /// <summary>Connect, EHLO, MAIL and RCPT; the first refusal met, with its stage.</summary>
    private static async Task<(string Stage, UceRefusal? Refusal)> Converse(UceSession session, string helo = "mail.elsewhere.example",
        string sender = "alice@elsewhere.example", string recipient = "bob@example.com", string? user = null)
    {
        if (await session.ConnectAsync(default) is { } connect) return ("connect", connect);
        if (await session.HeloAsync(helo, default) is { } h) return ("helo", h);
        if (await session.MailAsync(sender, default) is { } mail) return ("mail", mail);
        return ("rcpt", await session.RcptAsync(recipient, user, default));
    }

    [Fact]
    public async Task A_client_on_a_DNSBL_is_refused_at_RCPT_with_the_zone_named()
    {
        var session = Open(await ServicesAsync(), "192.0.2.2");
        var (stage, refusal) = await Converse(session);
        Assert.Equal("rcpt", stage);
        Assert.Equal(new UceRefusal(554, "5.7.1", "Service unavailable; client [192.0.2.2] blocked using bl.test"), refusal);
        var symbol = Assert.Single(session.Symbols, s => s.Name == "DNSBL_BL_TEST");
        Assert.Equal(5, symbol.Points);
        Assert.Equal("dnsbl", symbol.Source);
    }

    [Fact]
    public async Task A_DNSWL_listing_skips_the_DNSBL_rejection_and_both_symbols_count()
    {
        var session = Open(await ServicesAsync(), "192.0.2.3");
        Assert.Null((await Converse(session)).Refusal);
        var verdict = new Verdict();
        session.AddTo(verdict);
        // The DNSBL's 5, the DNSWL's -3, and 1 for no reverse DNS (the default tags it).
        Assert.Equal(["DNSBL_BL_TEST=5", "DNSWL_WL_TEST=-3", "RDNS_NONE=1"], verdict.Symbols.Select(s => s.ToString()));
        Assert.Equal(3, verdict.Score);
    }

    [Fact]
    public async Task A_tag_only_zone_adds_points_and_refuses_nothing()
    {
        var session = Open(await ServicesAsync(), "192.0.2.4");
        Assert.Null((await Converse(session)).Refusal);
        Assert.Equal(2.5, Assert.Single(session.Symbols, s => s.Name == "DNSBL_TAG_TEST").Points);
    }

    [Fact]
    public async Task An_unlisted_client_passes_with_no_list_symbols()
    {
        var session = Open(await ServicesAsync(), "192.0.2.99");
        Assert.Null((await Converse(session)).Refusal);
        Assert.DoesNotContain(session.Symbols, s => s.Source is "dnsbl" or "dnswl");
    }

    [Fact]
    public async Task Loopback_is_trusted_by_default_and_checked_when_told_not_to_trust_it()
    {
        Assert.Null((await Converse(Open(await ServicesAsync(), "127.0.0.1"))).Refusal);
        var checkedSession = Open(await ServicesAsync(("Appliance:Uce:TrustLoopback", "false")), "127.0.0.1");
        Assert.Equal(554, (await Converse(checkedSession)).Refusal?.Code);
    }

    [Fact]
    public async Task Submission_is_never_checked_against_the_lists()
    {
        var session = Open(await ServicesAsync(), "192.0.2.2", inbound: false);
        Assert.Null((await Converse(session, user: "carol@example.com")).Refusal);
        Assert.Empty(session.Symbols);
    }

    [Fact]
    public async Task An_allowed_client_skips_every_rejection_and_is_not_looked_up()
    {
        var services = await ServicesAsync(("Appliance:Uce:Allow:0", "192.0.2.0/28"), ("Appliance:Uce:HeloCheck", "Reject"));
        var before = _dns.Questions.Count;
        var session = Open(services, "192.0.2.2");
        Assert.Null((await Converse(session, helo: "localhost", sender: "x@nowhere.example")).Refusal);
        Assert.Equal(before, _dns.Questions.Count);
        Assert.Equal(-10, Assert.Single(session.Symbols, s => s.Name == "ALLOWLIST_CLIENT").Points);
    }

    [Fact]
    public async Task A_denied_network_is_refused_before_the_greeting_and_the_session_closes()
    {
        var services = await ServicesAsync(("Appliance:Uce:Deny:0", "2001:db8:bad::/48"));
        var (stage, refusal) = await Converse(Open(services, "2001:db8:bad::25"));
        Assert.Equal("connect", stage);
        Assert.Equal(new UceRefusal(554, "5.7.1", "mx.appliance.example Access denied for [2001:db8:bad::25]", Close: true), refusal);
        Assert.Null((await Converse(Open(services, "2001:db8:600d::25"))).Refusal);
    }

    [Fact]
    public async Task Sender_deny_refuses_at_MAIL_and_sender_allow_outweighs_a_DNSBL()
    {
        var services = await ServicesAsync(("Appliance:Uce:Deny:0", "spammer.example"), ("Appliance:Uce:Allow:0", "friend@elsewhere.example"));
        var (stage, refusal) = await Converse(Open(services, "192.0.2.99"), sender: "x@mail.spammer.example");
        Assert.Equal(("mail", 554, "5.7.1"), (stage, refusal!.Code, refusal.Enhanced));

        var friend = Open(services, "192.0.2.2");
        Assert.Null((await Converse(friend, sender: "friend@elsewhere.example")).Refusal);
        Assert.Contains(friend.Symbols, s => s.Name == "ALLOWLIST_SENDER");
        Assert.Contains(friend.Symbols, s => s.Name == "DNSBL_BL_TEST");
    }

    [Theory]
    [InlineData("a@nowhere.example", 550, "5.1.8", "SENDER_DOMAIN_NO_MAIL")]
    [InlineData("a@null.example", 550, "5.7.27", "SENDER_DOMAIN_NULL_MX")]
    public async Task A_sender_domain_that_cannot_receive_mail_is_refused_at_MAIL(string sender, int code, string enhanced, string symbol)
    {
        var session = Open(await ServicesAsync(), "192.0.2.99");
        var (stage, refusal) = await Converse(session, sender: sender);
        Assert.Equal(("mail", code, enhanced), (stage, refusal!.Code, refusal.Enhanced));
        Assert.Contains(session.Symbols, s => s.Name == symbol);
    }

    [Fact]
    public async Task A_sender_domain_check_that_tags_adds_points_and_the_null_sender_is_not_looked_up()
    {
        var services = await ServicesAsync(("Appliance:Uce:SenderDomainCheck", "Tag"));
        var session = Open(services, "192.0.2.99");
        Assert.Null((await Converse(session, sender: "a@nowhere.example")).Refusal);
        Assert.Equal(2, Assert.Single(session.Symbols, s => s.Name == "SENDER_DOMAIN_NO_MAIL").Points);
        Assert.Null((await Converse(Open(services, "192.0.2.98"), sender: "")).Refusal);
    }

    [Fact]
    public async Task Silent_DNS_for_the_sender_domain_is_451_never_a_pass()
    {
        var services = await ServicesAsync();
        _dns.Handler = (query, _) => query.Questions[0].Type == Appliance.Dns.DnsRecordType.MX ? DnsReply.Silent : DnsReply.Message(_dns.Answer(query));
        var (stage, refusal) = await Converse(Open(services, "192.0.2.99"));
        Assert.Equal(("mail", 451, "4.1.8"), (stage, refusal!.Code, refusal.Enhanced));
    }

    [Fact]
    public async Task HELO_and_reverse_DNS_rejections_wait_for_RCPT()
    {
        var services = await ServicesAsync(("Appliance:Uce:HeloCheck", "Reject"), ("Appliance:Uce:ReverseDnsCheck", "Reject"));
        var helo = await Converse(Open(services, "192.0.2.99"), helo: "mx.appliance.example");
        Assert.Equal(("rcpt", 550, "5.7.1", "Helo command rejected: mx.appliance.example is this server, not you"),
            (helo.Stage, helo.Refusal!.Code, helo.Refusal.Enhanced, helo.Refusal.Text));

        // 192.0.2.5 has a PTR whose name has no address; 192.0.2.99 has none.
        var notConfirmed = Open(services, "192.0.2.5");
        var rdns = await Converse(notConfirmed);
        Assert.Equal(("rcpt", 550, "5.7.25"), (rdns.Stage, rdns.Refusal!.Code, rdns.Refusal.Enhanced));
        Assert.Contains(notConfirmed.Symbols, s => s.Name == "RDNS_NOT_CONFIRMED");
    }

    [Fact]
    public async Task Greylisting_follows_the_domain_switch_and_answers_451_at_RCPT()
    {
        var services = await ServicesAsync();
        await services.Get<UceSettingsStore>().SaveDomainAsync(Actor.CommandLine, "example.com", new UceDomainSettings { Greylisting = true });

        var (stage, refusal) = await Converse(Open(services, "192.0.2.99"));
        Assert.Equal(("rcpt", new UceRefusal(451, "4.7.1", "<bob@example.com>: Greylisted, try again in 300 seconds")), (stage, refusal));
        Assert.Null((await Converse(Open(services, "192.0.2.99"), recipient: "bob@example.org")).Refusal);
    }

    [Fact]
    public async Task A_domain_deny_list_refuses_its_recipients_only()
    {
        var services = await ServicesAsync();
        await services.Get<UceSettingsStore>().SaveDomainAsync(Actor.CommandLine, "example.com", new UceDomainSettings { Deny = ["elsewhere.example"] });
        var (stage, refusal) = await Converse(Open(services, "192.0.2.99"));
        Assert.Equal(("rcpt", 554, "5.7.1"), (stage, refusal!.Code, refusal.Enhanced));
        Assert.Null((await Converse(Open(services, "192.0.2.99"), recipient: "bob@example.org")).Refusal);
    }

    [Fact]
    public async Task Settings_saved_for_the_console_replace_the_configured_policy()
    {
        var services = await ServicesAsync();
        var store = services.Get<UceSettingsStore>();
        await store.SaveServerAsync(Actor.CommandLine, new UceSettings { DnsblZones = [new DnsListZone { Zone = "tag.test", Codes = ["127.0.0.3"] }] });
        var (_, refusal) = await Converse(Open(services, "192.0.2.4"));
        Assert.Equal("Service unavailable; client [192.0.2.4] blocked using tag.test", refusal?.Text);
        // bl.test came from configuration and is no longer asked.
        Assert.Null((await Converse(Open(services, "192.0.2.2"))).Refusal);
        await Assert.ThrowsAsync<AccountException>(() => store.SaveServerAsync(Actor.CommandLine, new UceSettings { Deny = ["not an entry"] }));
        await Assert.ThrowsAsync<ForbiddenException>(() => store.SaveServerAsync(new Actor("bob@example.com", false), new UceSettings()));
    }

    [Fact]
    public async Task Messages_per_client_and_recipients_per_user_are_limited()
    {
        var services = await ServicesAsync(("Appliance:Uce:RateLimits:MessagesPerMinute", "2"), ("Appliance:Uce:RateLimits:RecipientsPerHourPerUser", "3"));
        var session = Open(services, "192.0.2.99");
        await session.ConnectAsync(default);
        Assert.Null(await session.MailAsync("alice@elsewhere.example", default));
        Assert.Null(await session.MailAsync("alice@elsewhere.example", default));
        var third = await session.MailAsync("alice@elsewhere.example", default);
        Assert.Equal((450, "4.7.1"), (third!.Code, third.Enhanced));
        Assert.Contains("Too many messages from [192.0.2.99]", third.Text, StringComparison.Ordinal);

        var submission = Open(services, "192.0.2.50", inbound: false);
        await submission.ConnectAsync(default);
        for (var i = 0; i < 3; i++) Assert.Null(await submission.RcptAsync($"r{i}@far.example", "carol@example.com", default));
        var fourth = await submission.RcptAsync("r4@far.example", "carol@example.com", default);
        Assert.Equal((450, "4.7.1"), (fourth!.Code, fourth.Enhanced));
        Assert.Contains("Too many recipients for carol@example.com", fourth.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_per_client_are_limited_at_connect()
    {
        var services = await ServicesAsync(("Appliance:Uce:RateLimits:ConnectionsPerMinute", "2"));
        Assert.Null(await Open(services, "192.0.2.99").ConnectAsync(default));
        Assert.Null(await Open(services, "192.0.2.99").ConnectAsync(default));
        var refused = await Open(services, "192.0.2.99").ConnectAsync(default);
        Assert.Equal((421, "4.7.1", true), (refused!.Code, refused.Enhanced, refused.Close));
    }

    [Fact]
    public async Task Rules_at_DATA_add_symbols_and_ask_for_their_action_unless_the_sender_is_allowed()
    {
        var services = await ServicesAsync(
            ("Appliance:Uce:Rules:0:Name", "casino"), ("Appliance:Uce:Rules:0:Target", "Body"), ("Appliance:Uce:Rules:0:Pattern", "online casino"),
            ("Appliance:Uce:Rules:0:Action", "Reject"), ("Appliance:Uce:Allow:0", "friend@elsewhere.example"));
        var message = MimeMessage.Parse(Encoding.UTF8.GetBytes("Subject: hi\r\n\r\nTry our Online Casino today\r\n"));

        var stranger = Open(services, "192.0.2.99");
        await Converse(stranger);
        var verdict = new Verdict();
        var outcome = await stranger.EvaluateMessageAsync(message, verdict, default);
        Assert.Equal(UceRuleAction.Reject, outcome.Action);
        Assert.True(verdict.Has("RULE_CASINO"));

        var friend = Open(services, "192.0.2.98");
        await Converse(friend, sender: "friend@elsewhere.example");
        var friendly = await friend.EvaluateMessageAsync(message, new Verdict(), default);
        Assert.Null(friendly.Action);
        Assert.Single(friendly.Matches);
    }

    [Fact]
    public async Task The_console_test_box_takes_a_pasted_message_with_bare_line_feeds()
    {
        var guard = (await ServicesAsync()).Get<UceGuard>();
        var rule = new UceRule { Name = "invoice", Target = UceRuleTarget.Header, Field = "Subject", Pattern = "^Your invoice" };
        Assert.Equal(new UceRuleTest(true, "header Subject", "Your invoice", null), guard.TestRule(rule, "From: a@b.example\nSubject: Your invoice 42\n\nBody"));
    }
}
