using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Jobs;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Appliance.Tests.Web;

namespace Appliance.Tests.Jobs;

/// <summary>The daily digest of held mail: delivered once to the inbox, listing the message, with a link that needs a sign-in.</summary>
public sealed class QuarantineDigestTests
{
    private const string Password = "Str0ng-Passw0rd";

    private static async Task HoldAsync(RunningHost host, string subject, string recipient)
    {
        var resolved = (await host.Get<SubmissionPolicy>().CheckRecipientAsync(recipient, false, default)).Recipient!;
        var verdict = new Verdict();
        verdict.Add("SA_GTUBE", 1000, "Generic Test for Unsolicited Bulk Email", "spamd");
        var envelope = new Envelope("spammer@elsewhere.example", [resolved], new TraceInfo("elsewhere.example", IPAddress.Loopback, null, "ESMTP", null),
            new Inspection(verdict, Disposition.Quarantine, "") { Reason = "spam score 1000" });
        var message = Encoding.ASCII.GetBytes($"From: spammer@elsewhere.example\r\nSubject: {subject}\r\n\r\nbuy now\r\n");
        await host.Get<DeliveryAgent>().AcceptAsync(envelope, () => new MemoryStream(message));
    }

    private static async Task<List<string>> InboxAsync(RunningHost host, string user)
    {
        var result = new List<string>();
        foreach (var message in await host.Get<MailStore>().MessagesAsync(user, "INBOX"))
        {
            await using var stream = host.Get<BlobStore>().OpenRead(message.BlobHash)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            result.Add(await reader.ReadToEndAsync());
        }
        return result;
    }

    [Fact]
    public async Task The_digest_lists_held_mail_once_and_its_link_needs_a_signed_in_session()
    {
        // The scheduled run is off: the test runs the job itself, so that nothing races it.
        await using var host = await RunningHost.StartAsync(true, "--Appliance:Filtering:DigestEnabled=false",
            "--Appliance:Filtering:DigestBaseUrl=https://mail.example.com:8443");
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await HoldAsync(host, "Cheap watches", "bob@example.com");
        var held = Assert.Single(await host.Get<Quarantine>().ListAsync(null));
        var digest = host.Get<QuarantineDigest>();

        Assert.Equal(1, await digest.SendAsync());

        var mail = Assert.Single(await InboxAsync(host, "bob@example.com"));
        Assert.Contains("Subject: 1 messages held in your quarantine", mail, StringComparison.Ordinal);
        Assert.Contains("Auto-Submitted: auto-generated", mail, StringComparison.Ordinal);
        Assert.Contains("Cheap watches", mail, StringComparison.Ordinal);
        Assert.Contains("spammer@elsewhere.example", mail, StringComparison.Ordinal);
        Assert.Contains(held.Reason, mail, StringComparison.Ordinal);
        Assert.Contains(held.Detail, mail, StringComparison.Ordinal);
        var link = QuarantineDigestText.Link("https://mail.example.com:8443", held.Id);
        Assert.Contains(link, mail, StringComparison.Ordinal);
        // The admin's copy is held for nobody in particular (no digest to the admin, who has nothing held).
        Assert.Empty(await InboxAsync(host, "admin@example.com"));

        // Nothing new since: no second digest, now or after the marker is read back from the database.
        Assert.Equal(0, await digest.SendAsync());
        Assert.Single(await InboxAsync(host, "bob@example.com"));
        Assert.NotNull(await host.Get<SettingsRepository>().GetAsync(QuarantineDigest.LastKey));

        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        // The same path and query on the test host's console: no session, so the sign-in page, and nothing released.
        var response = await anonymous.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login?ReturnUrl=%2Fpreferences%2Fquarantine", response.Headers.Location!.PathAndQuery(host), StringComparison.Ordinal);
        Assert.Single(await host.Get<Quarantine>().ListAsync(null));

        await HoldAsync(host, "Second offer", "bob@example.com");
        Assert.Equal(1, await digest.SendAsync());
        var second = (await InboxAsync(host, "bob@example.com")).Single(m => m.Contains("Second offer", StringComparison.Ordinal));
        Assert.DoesNotContain("Cheap watches", second, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-12-04T06:59:00+00:00", 7, "2026-12-03T07:00:00+00:00")]
    [InlineData("2026-12-04T07:00:00+00:00", 7, "2026-12-04T07:00:00+00:00")]
    [InlineData("2026-12-04T23:30:00+00:00", 0, "2026-12-04T00:00:00+00:00")]
    public void The_digest_is_due_at_the_last_passed_hour(string now, int hour, string due) =>
        Assert.Equal(DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture),
            QuarantineDigest.LastDue(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), hour, TimeZoneInfo.Utc));
}
