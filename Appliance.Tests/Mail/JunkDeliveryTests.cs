using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Filtering.Bayes;
using Appliance.Filtering.Junk;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mail;

/// <summary>
/// One message for several users through DeliveryAgent: each recipient's copy is filed by their own junk settings and,
/// for a message to several, their own classifier; a copy judged otherwise carries its own X-Spam-Status.
/// </summary>
public sealed class JunkDeliveryTests
{
    private static async Task<(TestServices Services, User Bob, User Carol)> StartAsync()
    {
        var services = await TestServices.CreateAsync(new Dictionary<string, string?>
        {
            ["Appliance:Filtering:Bayes:MinSpam"] = "3",
            ["Appliance:Filtering:Bayes:MinHam"] = "3",
        }, configure: s => s.AddMail());
        await services.SetUpAsync();
        var users = services.Get<UserService>();
        var bob = await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob"));
        var carol = await users.AddAsync(Actor.CommandLine, new NewUser("carol@example.com", "Str0ng-Passw0rd", "Carol"));
        return (services, bob, carol);
    }

    private static async Task DeliverAsync(TestServices services, double points, string body = "buy now", params string[] recipients)
    {
        var resolved = new List<ResolvedRecipient>();
        foreach (var address in recipients)
        {
            var (recipient, refusal) = await services.Get<SubmissionPolicy>().CheckRecipientAsync(address, mayRelay: false, default);
            Assert.Null(refusal);
            resolved.Add(recipient!);
        }
        var verdict = new Verdict();
        verdict.Add("SA_TEST", points, "a test", "spamd");
        var spam = points >= 5;
        var inspection = new Inspection(verdict, spam ? Disposition.Junk : Disposition.Deliver,
            $"X-Spam-Status: {(spam ? "Yes" : "No")}, score={points:0.0} required=5.0\r\n\ttests=SA_TEST={points}\r\nX-Spam-Score: {points:0.0}\r\n") { Floor = Disposition.Deliver };
        var envelope = new Envelope("anna@elsewhere.example", resolved, new TraceInfo("elsewhere.example", IPAddress.Loopback, null, "ESMTP", null), inspection);
        var message = Encoding.ASCII.GetBytes($"From: Anna <anna@elsewhere.example>\r\nSubject: offer\r\n\r\n{body}\r\n");
        await services.Get<DeliveryAgent>().AcceptAsync(envelope, () => new MemoryStream(message));
    }

    private static async Task<string> OnlyAsync(TestServices services, string address, string folder)
    {
        var message = Assert.Single(await services.Get<MailStore>().MessagesAsync(address, folder));
        await using var stream = services.Get<BlobStore>().OpenRead(message.BlobHash)!;
        return await new StreamReader(stream).ReadToEndAsync();
    }

    [Fact]
    public async Task Spam_for_two_users_reaches_the_inbox_of_the_one_who_allows_the_sender_and_Junk_of_the_other()
    {
        var (services, bob, _) = await StartAsync();
        await using var _ = services;
        await services.Get<JunkSettingsStore>().AddSenderAsync(bob.Id, "@Elsewhere.example", SenderListKind.Allow);

        await DeliverAsync(services, 1000, recipients: ["bob@example.com", "carol@example.com"]);

        var bobs = await OnlyAsync(services, "bob@example.com", "INBOX");
        Assert.Contains("X-Spam-Status: No, score=900.0 required=5.0", bobs, StringComparison.Ordinal);
        Assert.Contains("USER_ALLOW=-100", bobs, StringComparison.Ordinal);
        var carols = await OnlyAsync(services, "carol@example.com", "Junk");
        Assert.Contains("X-Spam-Status: Yes, score=1000.0", carols, StringComparison.Ordinal);
        Assert.DoesNotContain("USER_ALLOW", carols, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_who_quarantines_gets_a_held_copy_and_the_other_recipient_their_Junk_copy()
    {
        var (services, bob, _) = await StartAsync();
        await using var _ = services;
        await services.Get<JunkSettingsStore>().SaveUserAsync(bob.Id, null, SpamAction.Quarantine);

        await DeliverAsync(services, 1000, recipients: ["bob@example.com", "carol@example.com"]);

        var held = Assert.Single(await services.Get<Quarantine>().ListAsync(null));
        Assert.Equal("bob@example.com", held.Recipient);
        Assert.Empty(await services.Get<MailStore>().MessagesAsync("bob@example.com", "Junk"));
        await OnlyAsync(services, "carol@example.com", "Junk");
    }

    [Fact]
    public async Task Mail_for_two_users_is_judged_by_each_ones_own_classifier()
    {
        var (services, bob, carol) = await StartAsync();
        await using var _ = services;
        var bayes = services.Get<BayesClassifier>();
        for (var i = 0; i < 5; i++)
        {
            // Bob calls the casino offers spam; Carol, who works for the casino, calls them mail.
            var casino = $"From: promo{i}@win-big.example\r\nSubject: casino bonus {i}\r\n\r\nClaim your free casino bonus now, guaranteed winner {i}.\r\n";
            var office = $"From: carol@example.com\r\nSubject: agenda {i}\r\n\r\nThe quarterly budget review moves to room {i}.\r\n";
            await bayes.LearnAsync(bob.Id, "s" + i, new MemoryStream(Encoding.ASCII.GetBytes(casino)), true, default);
            await bayes.LearnAsync(bob.Id, "h" + i, new MemoryStream(Encoding.ASCII.GetBytes(office)), false, default);
            await bayes.LearnAsync(carol.Id, "s" + i, new MemoryStream(Encoding.ASCII.GetBytes(office)), true, default);
            await bayes.LearnAsync(carol.Id, "h" + i, new MemoryStream(Encoding.ASCII.GetBytes(casino)), false, default);
        }
        await services.Get<JunkSettingsStore>().SaveUserAsync(bob.Id, 3, null);
        await services.Get<JunkSettingsStore>().SaveUserAsync(carol.Id, 3, null);

        await DeliverAsync(services, 0, "Claim your free casino bonus now, guaranteed winner 9.", "bob@example.com", "carol@example.com");

        Assert.Contains("BAYES_99=3.5", await OnlyAsync(services, "bob@example.com", "Junk"), StringComparison.Ordinal);
        Assert.Contains("BAYES_00=-1.9", await OnlyAsync(services, "carol@example.com", "INBOX"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_changes_only_their_own_lists_and_an_entry_moves_between_them()
    {
        var (services, bob, carol) = await StartAsync();
        await using var _ = services;
        var store = services.Get<JunkSettingsStore>();

        Assert.Equal("anna@elsewhere.example", await store.AddSenderAsync(bob.Id, "Anna@Elsewhere.example", SenderListKind.Allow));
        await store.AddSenderAsync(bob.Id, "anna@elsewhere.example", SenderListKind.Block);
        await Assert.ThrowsAsync<AccountException>(() => store.AddSenderAsync(bob.Id, "not an address", SenderListKind.Block));
        await Assert.ThrowsAsync<AccountException>(() => store.SaveUserAsync(bob.Id, double.PositiveInfinity, null));
        await Assert.ThrowsAsync<ForbiddenException>(() => store.SaveDomainAsync(new Actor("bob@example.com", false), "example.com", new DomainJunkSettings(3)));

        var entry = Assert.Single((await store.GetUserAsync(bob.Id)).Senders);
        Assert.Equal(SenderListKind.Block, entry.Kind);
        Assert.Empty((await store.GetUserAsync(carol.Id)).Senders);
        Assert.True(await store.RemoveSenderAsync(bob.Id, "anna@elsewhere.example"));
        Assert.Empty((await store.GetUserAsync(bob.Id)).Senders);
    }
}
