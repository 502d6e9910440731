using System.Text;
using Appliance.Accounts;
using Appliance.Filtering.Scanning;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Filtering.Scanning;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Filtering;

/// <summary>A private spamd (local rules only) and clamd (the EICAR signature only), shared by one class's tests.</summary>
public sealed class PrivateScannersFixture : IAsyncLifetime
{
    public PrivateSpamd Spamd { get; private set; } = null!;
    public PrivateClamd Clamd { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var spamd = PrivateSpamd.StartAsync();
        var clamd = PrivateClamd.StartAsync();
        Spamd = await spamd;
        Clamd = await clamd;
    }

    public async Task DisposeAsync()
    {
        await Spamd.DisposeAsync();
        await Clamd.DisposeAsync();
    }
}

/// <summary>
/// The whole door: a real host's SMTP listener with real spamd and clamd beside it, driven by Python's smtplib.
/// GTUBE goes to Junk or is refused as configured, EICAR is held and its recipient told, a scanner down is a 451.
/// </summary>
public sealed class FilteringEndToEndTests(PrivateScannersFixture scanners) : IClassFixture<PrivateScannersFixture>
{
    private const string Password = "Str0ng-Passw0rd";

    private async Task<RunningHost> StartAsync(params string[] extra)
    {
        var host = await RunningHost.StartWithSmtpAsync([
            "--Appliance:Filtering:SpamAssassin:Enabled=true", $"--Appliance:Filtering:SpamAssassin:Port={scanners.Spamd.Port}",
            "--Appliance:Filtering:ClamAV:Enabled=true", $"--Appliance:Filtering:ClamAV:Port={scanners.Clamd.Port}",
            .. extra]);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        return host;
    }

    private static async Task<MessageLogEntry> LastLogAsync(RunningHost host, string status)
    {
        var (entries, _) = await host.Get<MessageLog>().ListAsync("bob@example.com", status, null, null, 0, 10);
        return Assert.Single(entries);
    }

    [Fact]
    public async Task Gtube_scores_over_the_threshold_and_lands_in_Junk_with_its_symbols()
    {
        await using var host = await StartAsync();

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Gtube()));

        Assert.Empty(await DoorMail.FolderAsync(host, "INBOX"));
        var junk = Assert.Single(await DoorMail.FolderAsync(host, "Junk"));
        Assert.Contains("\r\nX-Spam-Status: Yes, score=", junk, StringComparison.Ordinal);
        Assert.Contains("SA_GTUBE=1000", junk, StringComparison.Ordinal);
        Assert.Contains("\r\nX-Virus-Status: Clean\r\n", junk, StringComparison.Ordinal);
        Assert.Contains("\r\nAuthentication-Results: mail.example.com;\r\n\tspf=none", junk, StringComparison.Ordinal);
        Assert.Contains(PrivateSpamd.Gtube, junk, StringComparison.Ordinal);
        var log = await LastLogAsync(host, MessageStatus.Delivered);
        Assert.Contains("; Junk; score=", log.Detail, StringComparison.Ordinal);
        Assert.Contains("SA_GTUBE", log.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_mail_goes_to_the_inbox_marked_as_not_spam()
    {
        await using var host = await StartAsync();

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Plain()));

        var inbox = Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));
        Assert.Contains("\r\nX-Spam-Status: No, score=", inbox, StringComparison.Ordinal);
        Assert.Empty(await DoorMail.FolderAsync(host, "Junk"));
    }

    [Fact]
    public async Task Gtube_is_refused_at_DATA_when_the_action_is_reject_and_the_log_says_why()
    {
        await using var host = await StartAsync("--Appliance:Filtering:SpamAction=Reject");

        var reply = await DoorMail.SendAsync(host, ScanMessages.Gtube());

        Assert.StartsWith("550 5.7.1 Message refused as spam (score ", reply, StringComparison.Ordinal);
        Assert.Empty(await DoorMail.FolderAsync(host, "INBOX"));
        Assert.Empty(await DoorMail.FolderAsync(host, "Junk"));
        var log = await LastLogAsync(host, MessageStatus.Rejected);
        Assert.Contains("SA_GTUBE", log.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eicar_attachment_is_quarantined_and_its_recipient_gets_a_notice_then_it_can_be_released()
    {
        await using var host = await StartAsync();

        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.EicarInZipAttachment(), from: "bob.baker@elsewhere.example"));

        // Nothing of the message reached the mailbox: only the notice, which names the virus, sender, subject and id.
        var notice = Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));
        Assert.DoesNotContain("invoice.com", notice, StringComparison.Ordinal);
        Assert.Contains("Subject: A message to you was held: virus " + PrivateClamd.SignatureName, notice, StringComparison.Ordinal);
        Assert.Contains("From:           bob.baker@elsewhere.example", notice, StringComparison.Ordinal);
        Assert.Contains("Subject:        Your invoice", notice, StringComparison.Ordinal);
        var user = await host.Get<UserService>().FindAsync("bob@example.com");
        var held = Assert.Single(await host.Get<Quarantine>().ListAsync(user!.Id));
        Assert.Contains("Quarantine id:  " + held.Id, notice, StringComparison.Ordinal);
        Assert.Equal(QuarantineReason.Virus, held.Reason);
        Assert.StartsWith(PrivateClamd.SignatureName, held.Detail, StringComparison.Ordinal);
        Assert.Equal("Your invoice", held.Subject);
        Assert.Contains(held.Symbols, s => s.Name == "VIRUS");
        Assert.Contains(held.Detail, (await LastLogAsync(host, MessageStatus.Quarantined)).Detail, StringComparison.Ordinal);

        // The body is kept while it is held, and an administrator's release puts it in the inbox.
        Assert.True(await host.Get<BlobStore>().ReferenceCountAsync(held.BlobHash) >= 1);
        Assert.True(await host.Get<Quarantine>().ReleaseAsync(held.Id, held.Recipient));
        Assert.Equal(2, (await DoorMail.FolderAsync(host, "INBOX")).Count);
        Assert.Empty(await host.Get<Quarantine>().ListAsync(user.Id));
        Assert.False(await host.Get<Quarantine>().ReleaseAsync(held.Id, held.Recipient));
    }

    [Fact]
    public async Task A_virus_sent_from_the_webmail_is_refused_with_its_name()
    {
        await using var host = await StartAsync();
        var user = await host.Get<UserService>().FindAsync("bob@example.com");

        var result = await host.Get<Submission>().SubmitAsync(user!, "bob@example.com", ["anna@elsewhere.example"], ScanMessages.EicarInZipAttachment(), null, default);

        Assert.False(result.Accepted);
        var refusal = Assert.Single(result.Refused);
        Assert.Equal(550, refusal.Code);
        Assert.Equal("5.7.1", refusal.EnhancedCode);
        Assert.Contains(PrivateClamd.SignatureName, refusal.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopped_virus_scanner_gives_451_and_nothing_is_delivered()
    {
        await using var clamd = await PrivateClamd.StartAsync();
        await using var host = await StartAsync($"--Appliance:Filtering:ClamAV:Port={clamd.Port}");
        Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Plain()));

        await clamd.StopAsync();
        var reply = await DoorMail.SendAsync(host, ScanMessages.Plain());

        Assert.StartsWith("451 4.7.1 Virus scanner unavailable", reply, StringComparison.Ordinal);
        Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));
    }

    [Fact]
    public async Task A_spamd_that_is_down_gives_451_unless_unscanned_mail_is_allowed()
    {
        var nothing = FreePort.Get();
        await using (var host = await StartAsync($"--Appliance:Filtering:SpamAssassin:Port={nothing}"))
        {
            Assert.StartsWith("451 4.7.1 Spam filter unavailable", await DoorMail.SendAsync(host, ScanMessages.Plain()), StringComparison.Ordinal);
            Assert.Empty(await DoorMail.FolderAsync(host, "INBOX"));
            Assert.Contains("spamd", (await LastLogAsync(host, MessageStatus.Rejected)).Detail, StringComparison.Ordinal);
        }
        await using (var host = await StartAsync($"--Appliance:Filtering:SpamAssassin:Port={nothing}", "--Appliance:Filtering:ScannerDown=AcceptUnscanned"))
        {
            Assert.Equal("250", await DoorMail.SendAsync(host, ScanMessages.Plain()));
            var inbox = Assert.Single(await DoorMail.FolderAsync(host, "INBOX"));
            Assert.Contains("SPAM_UNSCANNED", inbox, StringComparison.Ordinal);
        }
    }
}
