using System.Text;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Filtering.Scanning;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Filtering.Scanning;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering;

/// <summary>
/// rspamd at the door: a real host's SMTP listener with a private rspamd beside it. GTUBE lands in Junk with rspamd's
/// symbols, an rspamd that is down gives 451 (or unscanned mail, as chosen), and the console's saved settings
/// replace the configuration for the next message.
/// </summary>
public sealed class RspamdEndToEndTests(PrivateRspamdFixture fixture) : IClassFixture<PrivateRspamdFixture>
{
    private const string Password = "Str0ng-Passw0rd";

    private static async Task<RunningHost> StartAsync(params string[] extra)
    {
        var host = await RunningHost.StartWithSmtpAsync(extra);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        return host;
    }

    private string[] Rspamd(string? url = null) =>
        ["--Appliance:Filtering:Rspamd:Enabled=true", $"--Appliance:Filtering:Rspamd:Url={url ?? fixture.Rspamd.Url}"];

    [Fact]
    public async Task Gtube_scored_by_rspamd_lands_in_Junk_with_its_symbols_and_the_action_explained()
    {
        await using var host = await StartAsync(Rspamd());

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Gtube()));

        Assert.Empty(await DoorMail.FolderAsync(host, "INBOX"));
        var junk = Assert.Single(await DoorMail.FolderAsync(host, "Junk"));
        Assert.Contains("\r\nX-Spam-Status: Yes, score=", junk, StringComparison.Ordinal);
        // rspamd's GTUBE is a pre-result: the symbol has no points, the forced action carries rspamd's score.
        Assert.Contains("RS_ACTION=15", junk, StringComparison.Ordinal);
        var (entries, _) = await host.Get<MessageLog>().ListAsync("bob@example.com", MessageStatus.Delivered, null, null, 0, 10);
        Assert.Contains("RS_ACTION", Assert.Single(entries).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_mail_scored_by_rspamd_goes_to_the_inbox()
    {
        await using var host = await StartAsync(Rspamd());

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Plain()));

        var inbox = Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));
        Assert.Contains("\r\nX-Spam-Status: No, score=", inbox, StringComparison.Ordinal);
        Assert.Contains("RS_", inbox, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_rspamd_that_is_down_gives_451_unless_unscanned_mail_is_allowed()
    {
        var nothing = $"http://127.0.0.1:{FreePort.Get()}";
        await using (var host = await StartAsync(Rspamd(nothing)))
        {
            Assert.StartsWith("451 4.7.1 Spam filter unavailable", await DoorMail.SendAsync(host, ScanMessages.Plain()), StringComparison.Ordinal);
            Assert.Empty(await DoorMail.FolderAsync(host, "INBOX"));
            var (entries, _) = await host.Get<MessageLog>().ListAsync("bob@example.com", MessageStatus.Rejected, null, null, 0, 10);
            Assert.Contains("rspamd", Assert.Single(entries).Detail, StringComparison.Ordinal);
        }
        await using (var host = await StartAsync([.. Rspamd(nothing), "--Appliance:Filtering:ScannerDown=AcceptUnscanned"]))
        {
            Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Plain()));
            Assert.Contains("RSPAMD_UNSCANNED", Assert.Single(await DoorMail.FolderAsync(host, "INBOX")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Settings_saved_by_an_administrator_replace_the_configuration_for_the_next_message_and_are_audited()
    {
        // Configured with rspamd off: the console turns it on, pointing at the private rspamd.
        await using var host = await StartAsync();
        var store = host.Get<ScannerSettingsStore>();
        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Gtube()));
        Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));

        var settings = await store.GetSettingsAsync();
        Assert.False(settings.Rspamd.Enabled);
        settings.Rspamd.Enabled = true;
        settings.Rspamd.Url = fixture.Rspamd.Url;
        settings.Rspamd.Password = "not-in-the-audit-log";
        await Assert.ThrowsAsync<ForbiddenException>(() => store.SaveAsync(new Actor("bob@example.com", false), settings));
        // A claim of administrator that the database does not back is refused too.
        await Assert.ThrowsAsync<ForbiddenException>(() => store.SaveAsync(new Actor("bob@example.com", true), settings));
        await store.SaveAsync(new Actor("admin@example.com", true), settings);

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Gtube()));
        Assert.Single(await DoorMail.FolderAsync(host, "Junk"));
        var audit = await host.Get<AuditLog>().PageAsync(new Actor("admin@example.com", true), new PageQuery(Search: "scanners"));
        var entry = Assert.Single(audit.Items);
        Assert.Equal("scanners.save", entry.Action);
        Assert.Contains($"rspamd on {fixture.Rspamd.Url}", entry.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("not-in-the-audit-log", entry.Detail, StringComparison.Ordinal);

        var health = await store.TestAsync(new Actor("admin@example.com", true), ScannerKind.Rspamd, settings);
        Assert.True(health.IsUp, health.Error);
        Assert.StartsWith("rspamd/", health.Version, StringComparison.Ordinal);
        var invalid = await store.GetSettingsAsync();
        invalid.Rspamd.Url = "not a url";
        var refused = await Assert.ThrowsAsync<AccountException>(() => store.SaveAsync(new Actor("admin@example.com", true), invalid));
        Assert.Contains("Appliance:Filtering:Rspamd:Url", refused.Message, StringComparison.Ordinal);
        Assert.True((await store.GetAsync()).Settings.Rspamd.Enabled);
    }
}
