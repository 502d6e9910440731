using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mail;

/// <summary>Held mail through DeliveryAgent: one row per recipient, the body kept while held, gone after the retention.</summary>
public sealed class QuarantineTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    private static async Task<(TestServices Services, ManualClock Clock, User Bob)> StartAsync()
    {
        var clock = new ManualClock(Start);
        var services = await TestServices.CreateAsync(time: clock, configure: s => s.AddMail());
        await services.SetUpAsync();
        var bob = await services.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob"));
        return (services, clock, bob);
    }

    private static async Task<string> DeliverSpamAsync(TestServices services, params string[] recipients)
    {
        var resolved = new List<ResolvedRecipient>();
        foreach (var address in recipients)
        {
            var (recipient, refusal) = await services.Get<SubmissionPolicy>().CheckRecipientAsync(address, mayRelay: false, default);
            Assert.Null(refusal);
            resolved.Add(recipient!);
        }
        var verdict = new Verdict();
        verdict.Add("SA_GTUBE", 1000, "Generic Test for Unsolicited Bulk Email", "spamd");
        var inspection = new Inspection(verdict, Disposition.Quarantine, "X-Spam-Status: Yes\r\n") { Reason = "spam score 1000" };
        var envelope = new Envelope("spammer@elsewhere.example", resolved, new TraceInfo("elsewhere.example", IPAddress.Loopback, null, "ESMTP", null), inspection);
        var message = Encoding.ASCII.GetBytes("From: spammer@elsewhere.example\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nbuy now\r\n");
        return await services.Get<DeliveryAgent>().AcceptAsync(envelope, () => new MemoryStream(message));
    }

    [Fact]
    public async Task Spam_held_for_two_users_is_one_row_each_with_its_symbols_and_nothing_in_their_folders()
    {
        var (services, _, bob) = await StartAsync();
        await using var _ = services;

        var id = await DeliverSpamAsync(services, "bob@example.com", "admin@example.com");

        var held = await services.Get<Quarantine>().ListAsync(null);
        Assert.Equal(2, held.Count);
        Assert.All(held, h => Assert.Equal(id, h.Id));
        var bobs = Assert.Single(await services.Get<Quarantine>().ListAsync(bob.Id));
        Assert.Equal(QuarantineReason.Spam, bobs.Reason);
        Assert.Equal("Grüße", bobs.Subject);
        Assert.Equal("SA_GTUBE", Assert.Single(bobs.Symbols).Name);
        Assert.Empty(await services.Get<MailStore>().MessagesAsync("bob@example.com"));
        Assert.Empty(await services.Get<MailStore>().MessagesAsync("bob@example.com", "Junk"));
        Assert.Equal(2, await services.Get<BlobStore>().ReferenceCountAsync(bobs.BlobHash));
    }

    [Fact]
    public async Task Held_mail_expires_after_the_retention_and_releases_its_body()
    {
        var (services, clock, bob) = await StartAsync();
        await using var _ = services;
        await DeliverSpamAsync(services, "bob@example.com");
        var held = Assert.Single(await services.Get<Quarantine>().ListAsync(bob.Id));

        clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, await services.Get<Quarantine>().ExpireAsync());
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await services.Get<Quarantine>().ExpireAsync());

        Assert.Empty(await services.Get<Quarantine>().ListAsync(bob.Id));
        Assert.Equal(0, await services.Get<BlobStore>().ReferenceCountAsync(held.BlobHash));
    }

    [Fact]
    public async Task Deleting_a_held_copy_leaves_the_other_recipients_copy()
    {
        var (services, _, bob) = await StartAsync();
        await using var _ = services;
        var id = await DeliverSpamAsync(services, "bob@example.com", "admin@example.com");

        Assert.True(await services.Get<Quarantine>().DeleteAsync(id, "bob@example.com"));
        Assert.False(await services.Get<Quarantine>().DeleteAsync(id, "bob@example.com"));

        Assert.Empty(await services.Get<Quarantine>().ListAsync(bob.Id));
        Assert.Single(await services.Get<Quarantine>().ListAsync(null));
    }

    [Fact]
    public async Task A_user_sees_and_releases_only_their_own_held_mail_and_an_administrator_sees_all()
    {
        var (services, _, _) = await StartAsync();
        await using var _ = services;
        var id = await DeliverSpamAsync(services, "bob@example.com", "admin@example.com");
        var quarantine = services.Get<Quarantine>();
        var bob = new Actor("bob@example.com", false);

        var mine = await quarantine.PageAsync(bob, new PageQuery());
        Assert.Equal("bob@example.com", Assert.Single(mine.Items).Recipient);
        Assert.Equal(2, (await quarantine.PageAsync(new Actor("admin@example.com", true), new PageQuery())).Total);
        // A user who claims to be an administrator is checked against the database.
        await Assert.ThrowsAsync<ForbiddenException>(() => quarantine.PageAsync(new Actor("bob@example.com", true), new PageQuery()));
        await Assert.ThrowsAsync<ForbiddenException>(() => quarantine.ReleaseAsync(bob, id, "admin@example.com"));
        await Assert.ThrowsAsync<ForbiddenException>(() => quarantine.DeleteAsync(bob, id, "admin@example.com"));

        await quarantine.ReleaseAsync(bob, id, "bob@example.com");

        Assert.Single(await services.Get<MailStore>().MessagesAsync("bob@example.com"));
        await Assert.ThrowsAsync<AccountException>(() => quarantine.ReleaseAsync(bob, id, "bob@example.com"));
        Assert.Single((await quarantine.PageAsync(new Actor("admin@example.com", true), new PageQuery())).Items);
    }
}
