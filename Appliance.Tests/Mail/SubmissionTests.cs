using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Mail;

/// <summary>Mail sent from the webmail goes through the submission pipeline: its rules, its delivery, a copy in Sent.</summary>
public sealed class SubmissionTests : IAsyncLifetime
{
    private readonly LoopbackSmtpReceiver _receiver = new();
    private RunningHost _host = null!;
    private User _bob = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartAsync(true,
            $"--Appliance:Delivery:Routes:remote.example=127.0.0.1:{_receiver.Port}",
            "--Appliance:Smtp:MaxMessageSize=70000",
            "--Appliance:Smtp:MaxRecipients=3");
        var users = _host.Get<UserService>();
        _bob = await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd"));
        await users.AddAsync(Actor.CommandLine, new NewUser("carol@example.com", "Str0ng-Passw0rd"));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private static byte[] Message(string to, string bcc = "", string body = "Hello") => Encoding.UTF8.GetBytes(
        $"From: bob@example.com\r\nTo: {to}\r\n" + (bcc.Length > 0 ? $"Bcc: {bcc}\r\n" : "") +
        $"Subject: Test\r\nMessage-ID: <t1@example.com>\r\n\r\n{body}\r\n");

    private Task<SubmissionResult> SubmitAsync(string from, string[] recipients, byte[] message) =>
        _host.Get<Submission>().SubmitAsync(_bob, from, recipients, message, IPAddress.Loopback, CancellationToken.None);

    private async Task<byte[]> ReadAsync(StoredMessage message)
    {
        await using var stream = _host.Get<BlobStore>().OpenRead(message.BlobHash)!;
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public async Task Local_recipient_gets_the_message_without_Bcc_and_Sent_keeps_it_with_Bcc_and_Seen()
    {
        var message = Message("carol@example.com", bcc: "carol@example.com");
        var result = await SubmitAsync("bob@example.com", ["carol@example.com"], message);

        Assert.True(result.Accepted);
        Assert.Empty(result.Refused);
        var inbox = Assert.Single(await _host.Get<MailStore>().MessagesAsync("carol@example.com"));
        var delivered = Encoding.UTF8.GetString(await ReadAsync(inbox));
        var expected = Encoding.UTF8.GetString(message).Replace("Bcc: carol@example.com\r\n", "", StringComparison.Ordinal);
        Assert.EndsWith("\r\n" + expected, delivered, StringComparison.Ordinal);
        Assert.StartsWith("Return-Path: <bob@example.com>\r\nReceived: from webmail ([127.0.0.1])", delivered, StringComparison.Ordinal);
        Assert.Contains($"with {Submission.Protocol} id {result.QueueId}", delivered, StringComparison.Ordinal);
        Assert.DoesNotContain("Bcc", delivered, StringComparison.OrdinalIgnoreCase);

        var sent = Assert.Single(await _host.Get<MailStore>().MessagesAsync("bob@example.com", "Sent"));
        Assert.Equal(result.SentUid, sent.Uid);
        Assert.Equal(@"\Seen", sent.Flags);
        Assert.Equal(message, await ReadAsync(sent));
        var (log, _) = await _host.Get<MessageLog>().ListAsync("carol@example.com", MessageStatus.Delivered, null, null, 0, 10);
        Assert.Single(log);
    }

    [Fact]
    public async Task Unknown_local_recipient_is_refused_550_and_nothing_is_delivered()
    {
        var result = await SubmitAsync("bob@example.com", ["carol@example.com", "nobody@example.com"], Message("carol@example.com, nobody@example.com"));

        Assert.False(result.Accepted);
        var refusal = Assert.Single(result.Refused);
        Assert.Equal(new RecipientRefusal("nobody@example.com", 550, "5.1.1", "<nobody@example.com>: Recipient address rejected: User unknown"), refusal);
        Assert.Null(result.SentUid);
        Assert.Empty(await _host.Get<MailStore>().MessagesAsync("carol@example.com"));
        Assert.Empty(await _host.Get<MailStore>().MessagesAsync("bob@example.com", "Sent"));
        var (log, _) = await _host.Get<MessageLog>().ListAsync("nobody@example.com", MessageStatus.Rejected, null, null, 0, 10);
        Assert.Contains("550 5.1.1", Assert.Single(log).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sending_as_someone_else_is_refused_553_for_every_recipient()
    {
        var result = await SubmitAsync("carol@example.com", ["carol@example.com", "x@remote.example"], Message("carol@example.com"));

        Assert.False(result.Accepted);
        Assert.Equal(["carol@example.com", "x@remote.example"], result.Refused.Select(r => r.Address));
        Assert.All(result.Refused, r => Assert.Equal((553, "5.7.1", "Sender address rejected: not owned by user bob@example.com"), (r.Code, r.EnhancedCode, r.Text)));
        Assert.Empty(await _host.Get<MailStore>().MessagesAsync("carol@example.com"));
    }

    [Fact]
    public async Task Too_large_message_is_refused_552()
    {
        var result = await SubmitAsync("bob@example.com", ["carol@example.com"], Message("carol@example.com", body: new string('x', 70_000)));

        Assert.False(result.Accepted);
        Assert.Equal((552, "5.3.4", "Message size exceeds fixed limit"), (result.Refused[0].Code, result.Refused[0].EnhancedCode, result.Refused[0].Text));
        Assert.Empty(await _host.Get<MailStore>().MessagesAsync("carol@example.com"));
    }

    [Fact]
    public async Task Recipients_past_the_limit_are_refused_452_and_nothing_is_sent()
    {
        var result = await SubmitAsync("bob@example.com", ["carol@example.com", "a@remote.example", "b@remote.example", "c@remote.example"], Message("carol@example.com"));

        Assert.False(result.Accepted);
        Assert.Equal(new RecipientRefusal("c@remote.example", 452, "4.5.3", "Error: too many recipients"), Assert.Single(result.Refused));
    }

    [Fact]
    public async Task Malformed_address_is_refused_501_instead_of_relayed()
    {
        var result = await SubmitAsync("bob@example.com", ["bob@"], Message("bob@"));

        Assert.Equal((501, "5.1.3"), (Assert.Single(result.Refused).Code, result.Refused[0].EnhancedCode));
    }

    [Fact]
    public async Task Remote_recipient_is_queued_and_delivered_without_Bcc()
    {
        var result = await SubmitAsync("bob@example.com", ["partner@remote.example", "hidden@remote.example"],
            Message("partner@remote.example", bcc: "hidden@remote.example"));

        Assert.True(result.Accepted);
        await Eventually.HoldsAsync(() => Task.FromResult(_receiver.Messages.Count == 1), "the receiver got it");
        var (sender, recipients, data) = _receiver.Messages[0];
        Assert.Equal("bob@example.com", sender);
        Assert.Equal(["hidden@remote.example", "partner@remote.example"], recipients.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("Bcc", data, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Subject: Test\r\n", data, StringComparison.Ordinal);
        Assert.NotNull(result.SentUid);
    }

    [Fact]
    public async Task Sent_copy_over_quota_is_skipped_but_the_message_is_sent()
    {
        var small = await _host.Get<UserService>().UpdateAsync(Actor.CommandLine, "bob@example.com", new UserChanges(QuotaBytes: 10));
        var result = await _host.Get<Submission>().SubmitAsync(small, "bob@example.com", ["carol@example.com"], Message("carol@example.com"), null, CancellationToken.None);

        Assert.True(result.Accepted);
        Assert.Null(result.SentUid);
        Assert.Single(await _host.Get<MailStore>().MessagesAsync("carol@example.com"));
    }

    [Fact]
    public void Bcc_is_removed_with_its_continuation_lines_and_nothing_else_changes()
    {
        var message = "From: a@b\r\nBCC: x@y,\r\n z@w\r\nTo: c@d\r\n\r\nBcc: in the body stays\r\n"u8.ToArray();
        var stripped = HeaderScanner.RemoveField(message, "Bcc");
        Assert.Equal("From: a@b\r\nTo: c@d\r\n\r\nBcc: in the body stays\r\n", Encoding.UTF8.GetString(stripped));
    }
}
