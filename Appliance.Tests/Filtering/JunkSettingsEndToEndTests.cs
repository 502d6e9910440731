using System.Text;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Filtering.Junk;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Filtering.Scanning;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering;

/// <summary>
/// The junk settings over SMTP: a real host with real spamd (GTUBE) and clamd, mail sent with Python's smtplib,
/// filed by the recipient's own threshold, action and allow list, and refused at the door by the domain's threshold.
/// </summary>
public sealed class JunkSettingsEndToEndTests(PrivateScannersFixture scanners) : IClassFixture<PrivateScannersFixture>
{
    private async Task<(RunningHost Host, User Bob)> StartAsync()
    {
        var host = await RunningHost.StartWithSmtpAsync([
            "--Appliance:Filtering:SpamAssassin:Enabled=true", $"--Appliance:Filtering:SpamAssassin:Port={scanners.Spamd.Port}",
            "--Appliance:Filtering:ClamAV:Enabled=true", $"--Appliance:Filtering:ClamAV:Port={scanners.Clamd.Port}",
            "--Appliance:Filtering:Junk:SettingsCacheSeconds=0"]);
        var bob = await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob"));
        return (host, bob);
    }

    [Fact]
    public async Task A_users_lower_threshold_files_mail_the_server_lets_through_into_Junk()
    {
        var (host, bob) = await StartAsync();
        await using var _ = host;
        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Plain()));
        Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));

        await host.Get<JunkSettingsStore>().SaveUserAsync(bob.Id, -5, null);
        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Plain()));

        var junk = Assert.Single(await DoorMail.FolderAsync(host, "Junk"));
        Assert.Contains("\r\nX-Spam-Status: Yes, score=", junk, StringComparison.Ordinal);
        Assert.Contains(" required=-5.0\r\n", junk, StringComparison.Ordinal);
        Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));
    }

    [Fact]
    public async Task Gtube_from_an_allow_listed_sender_lands_in_the_inbox_with_USER_ALLOW()
    {
        var (host, bob) = await StartAsync();
        await using var _ = host;
        await host.Get<JunkSettingsStore>().AddSenderAsync(bob.Id, "anna@elsewhere.example", SenderListKind.Allow);

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Gtube()));

        var inbox = Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));
        Assert.Contains("\r\nX-Spam-Status: No, score=", inbox, StringComparison.Ordinal);
        Assert.Contains("USER_ALLOW=-100", inbox, StringComparison.Ordinal);
        Assert.Contains("SA_GTUBE=1000", inbox, StringComparison.Ordinal);
        Assert.Empty(await DoorMail.FolderAsync(host, "Junk"));
        var (log, _) = await host.Get<MessageLog>().ListAsync("bob@example.com", MessageStatus.Delivered, null, null, 0, 10);
        Assert.Contains("USER_ALLOW", Assert.Single(log).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gtube_for_a_user_whose_action_is_quarantine_is_held_for_them()
    {
        var (host, bob) = await StartAsync();
        await using var _ = host;
        await host.Get<JunkSettingsStore>().SaveUserAsync(bob.Id, null, SpamAction.Quarantine);

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Gtube()));

        var held = Assert.Single(await host.Get<Quarantine>().ListAsync(bob.Id));
        Assert.Equal(QuarantineReason.Spam, held.Reason);
        Assert.Contains(held.Symbols, s => s.Name == "SA_GTUBE");
        Assert.Empty(await DoorMail.FolderAsync(host, "INBOX"));
        Assert.Empty(await DoorMail.FolderAsync(host, "Junk"));
    }

    [Fact]
    public async Task Gtube_is_refused_at_DATA_when_the_domains_refusal_threshold_is_reached()
    {
        var (host, _) = await StartAsync();
        await using var _ = host;
        await host.Get<JunkSettingsStore>().SaveDomainAsync(Actor.CommandLine, "example.com", new DomainJunkSettings(RejectScore: 100));

        var reply = await DoorMail.SendAsync(host, ScanMessages.Gtube());

        Assert.StartsWith("550 5.7.1 Message refused as spam (score ", reply, StringComparison.Ordinal);
        Assert.Empty(await DoorMail.FolderAsync(host, "Junk"));
    }
}
