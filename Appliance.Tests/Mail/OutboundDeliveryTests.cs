using System.Text;
using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Mail;

/// <summary>Mail for other domains leaves through the queue to a loopback receiver on a static route.</summary>
public sealed class OutboundDeliveryTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private readonly LoopbackSmtpReceiver _receiver = new();
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync(
            $"--Appliance:Delivery:Routes:remote.example=127.0.0.1:{_receiver.Port}",
            "--Appliance:Delivery:RetryMinutes=30",
            "--Appliance:Delivery:MaxRetryMinutes=60");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task SubmitAsync(string to, string subject)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib, ssl
            c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP('127.0.0.1', {{_host.SubmissionPort}}, timeout=20)
            s.starttls(context=c); s.login('bob@example.com', '{{Password}}')
            assert s.sendmail('bob@example.com', ['{{to}}'], b'From: bob@example.com\r\nTo: {{to}}\r\nSubject: {{subject}}\r\nMessage-ID: <{{subject}}@example.com>\r\n\r\n.dot line\r\nbody\r\n') == {}
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
    }

    private async Task<int> QueuedAsync()
    {
        await using var connection = await _host.Get<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM queue_recipients");
    }

    [Fact]
    public async Task Submitted_mail_for_another_domain_is_delivered_through_the_route()
    {
        await SubmitAsync("partner@remote.example", "outbound");
        await Eventually.HoldsAsync(async () => _receiver.Messages.Count == 1 && await QueuedAsync() == 0, "the receiver got it and the queue is empty");
        var (sender, recipients, data) = _receiver.Messages[0];
        Assert.Equal("bob@example.com", sender);
        Assert.Equal(["partner@remote.example"], recipients);
        Assert.StartsWith("Received: from ", data, StringComparison.Ordinal);
        Assert.DoesNotContain("Return-Path", data, StringComparison.Ordinal);
        Assert.True(data.Contains("Subject: outbound\r\n", StringComparison.Ordinal) && data.EndsWith("\r\n\r\n.dot line\r\nbody\r\n", StringComparison.Ordinal), data);
        var (log, _) = await _host.Get<MessageLog>().ListAsync("partner@remote.example", MessageStatus.Delivered, null, null, 0, 10);
        Assert.Single(log);
    }

    [Fact]
    public async Task Temporary_failure_is_retried_later_and_delivered_when_the_receiver_recovers()
    {
        _receiver.RcptReply = _ => "451 4.3.0 try again later";
        await SubmitAsync("partner@remote.example", "deferred");
        var queue = _host.Get<OutboundQueue>();
        await Eventually.HoldsAsync(async () => (await queue.ListAsync(null, 0, 10)).Items.Any(i => i.Attempts == 1), "one failed attempt is recorded");
        var item = Assert.Single((await queue.ListAsync(null, 0, 10)).Items);
        Assert.Contains("451 4.3.0 try again later", item.LastError, StringComparison.Ordinal);
        Assert.True(item.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(25), "the next attempt waits the retry interval");
        Assert.Empty(_receiver.Messages);
        Assert.Empty(await _host.Get<MailStore>().MessagesAsync("bob@example.com"));

        _receiver.RcptReply = _ => "250 2.1.5 Ok";
        await queue.RetryNowAsync(item.Id);
        await Eventually.HoldsAsync(async () => _receiver.Messages.Count == 1 && await QueuedAsync() == 0, "delivered on retry");
    }

    [Fact]
    public async Task Permanent_failure_returns_a_DSN_to_the_senders_inbox()
    {
        _receiver.RcptReply = _ => "550 5.1.1 <partner@remote.example>: no such user here";
        await SubmitAsync("partner@remote.example", "bounced");
        var store = _host.Get<MailStore>();
        // The DSN is delivered first and the queue entry removed after it (a crash between the two
        // returns the message again rather than not at all), so both are awaited.
        await Eventually.HoldsAsync(async () => (await store.MessagesAsync("bob@example.com")).Count == 1 && await QueuedAsync() == 0, "the DSN reached bob's INBOX and the queue is empty");
        var dsn = Encoding.UTF8.GetString(await ReadAsync((await store.MessagesAsync("bob@example.com"))[0].BlobHash));
        Assert.StartsWith("Return-Path: <>\r\n", dsn, StringComparison.Ordinal);
        Assert.Contains("Content-Type: multipart/report; report-type=delivery-status;", dsn, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; partner@remote.example", dsn, StringComparison.Ordinal);
        Assert.Contains("Action: failed", dsn, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", dsn, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 <partner@remote.example>: no such user here", dsn, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/rfc822-headers", dsn, StringComparison.Ordinal);
        Assert.Contains("Subject: bounced", dsn, StringComparison.Ordinal);
        Assert.Empty(_receiver.Messages);
    }

    [Fact]
    public async Task Expired_message_is_returned_with_4_4_7()
    {
        _receiver.RcptReply = _ => "451 4.3.0 still busy";
        await SubmitAsync("partner@remote.example", "expiring");
        var queue = _host.Get<OutboundQueue>();
        await Eventually.HoldsAsync(async () => (await queue.ListAsync(null, 0, 10)).Items.Any(i => i.Attempts == 1), "first attempt failed");
        await using (var connection = await _host.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE queue_messages SET created_at = @old", new { old = DateTimeOffset.UtcNow.AddDays(-6) });
        }
        await queue.RetryNowAsync((await queue.ListAsync(null, 0, 10)).Items[0].Id);
        var store = _host.Get<MailStore>();
        await Eventually.HoldsAsync(async () => (await store.MessagesAsync("bob@example.com")).Count == 1 && await QueuedAsync() == 0, "the expiry DSN arrived and the queue is empty");
        var dsn = Encoding.UTF8.GetString(await ReadAsync((await store.MessagesAsync("bob@example.com"))[0].BlobHash));
        Assert.Contains("Status: 4.4.7", dsn, StringComparison.Ordinal);
        Assert.Contains("Message expired after 120 hours", dsn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bounce_that_cannot_be_delivered_is_dropped_not_bounced_again()
    {
        _receiver.RcptReply = _ => "550 5.1.1 nobody";
        // A bounce (null sender) arriving from outside for a remote address cannot be relayed; but a
        // bounce this server made for a remote sender can fail too: it must end, not loop.
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("relay@example.com", Password));
        await _host.Get<AliasService>().AddAsync(Actor.CommandLine, "forward@example.com", ["partner@remote.example"]);
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=20)
            assert s.sendmail('', ['forward@example.com'], b'Subject: a bounce\r\n\r\nreturned mail\r\n') == {}
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
        var log = _host.Get<MessageLog>();
        await Eventually.HoldsAsync(async () => (await log.ListAsync("partner@remote.example", MessageStatus.Bounced, null, null, 0, 10)).Total == 1, "the failure is logged");
        await Eventually.HoldsAsync(async () => await QueuedAsync() == 0, "the queue is empty");
        await Task.Delay(500);
        Assert.Equal(1, (await log.ListAsync(null, MessageStatus.Bounced, null, null, 0, 10)).Total);
    }

    private async Task<byte[]> ReadAsync(string hash)
    {
        await using var stream = _host.Get<BlobStore>().OpenRead(hash)!;
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
