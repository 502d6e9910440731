using System.Text;
using Appliance.Accounts;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Sieve;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Mail;

/// <summary>
/// What the Sieve rules do after the 250, through the real host: mail arrives over SMTP (Python's smtplib), replies,
/// redirects and notices leave through the queue to a loopback receiver on a static route, or land in local mailboxes.
/// </summary>
public sealed class SieveDeliveryEndToEndTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private readonly LoopbackSmtpReceiver _receiver = new();
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync(
            $"--Appliance:Delivery:Routes:remote.example=127.0.0.1:{_receiver.Port}",
            $"--Appliance:Delivery:Routes:elsewhere.example=127.0.0.1:{_receiver.Port}");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<User> UserAsync(string address, string? script = null)
    {
        var user = await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser(address, Password));
        if (script is not null)
        {
            var scripts = _host.Get<SieveScripts>();
            await scripts.PutAsync(user.Id, "rules", script);
            await scripts.SetActiveAsync(user.Id, "rules");
        }
        return user;
    }

    /// <summary>Sends over inbound SMTP; returns once every message has its 250, when whatever the rules send is already queued or stored.</summary>
    private async Task SendAsync(string sender, string recipient, params string[] messages)
    {
        var literals = string.Join(", ", messages.Select(m => "'''" + m.Replace("\r\n", "\\r\\n", StringComparison.Ordinal) + "'''"));
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=30)
            for m in [{{literals}}]:
                assert s.sendmail('{{sender}}', ['{{recipient}}'], m.encode()) == {}
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
    }

    private async Task<int> QueuedAsync()
    {
        await using var connection = await _host.Get<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM queue_recipients");
    }

    /// <summary>Waits until the queue has handed everything to the receiver, then gives what it got.</summary>
    private async Task<List<(string Sender, List<string> Recipients, string Data)>> ReceivedAsync(int expected)
    {
        await Eventually.HoldsAsync(async () => await QueuedAsync() == 0 && _receiver.Messages.Count >= expected, $"the queue is empty and the receiver has {expected}");
        lock (_receiver.Messages)
        {
            return [.. _receiver.Messages];
        }
    }

    private async Task<string> ReadAsync(StoredMessage message)
    {
        await using var stream = _host.Get<BlobStore>().OpenRead(message.BlobHash)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static string Mail(string from, string to, string subject, string extra = "") =>
        $"From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{subject.Replace(' ', '-')}@remote.example>\r\n{extra}\r\nbody\r\n";

    [Fact]
    public async Task Vacation_answers_a_sender_once_per_interval_never_a_list_and_remembers_across_a_restart()
    {
        await UserAsync("bob@example.com", """
            require "vacation";
            vacation :days 3 :subject "Away until Monday" "I am away; back on Monday.";
            """);
        await SendAsync("anna@remote.example", "bob@example.com",
            Mail("anna@remote.example", "bob@example.com", "first"), Mail("anna@remote.example", "bob@example.com", "second"));
        var reply = Assert.Single(await ReceivedAsync(1));
        Assert.Equal("", reply.Sender);
        Assert.Equal(["anna@remote.example"], reply.Recipients);
        Assert.Contains("Subject: Away until Monday", reply.Data, StringComparison.Ordinal);
        Assert.Contains("Auto-Submitted: auto-replied", reply.Data, StringComparison.Ordinal);
        Assert.Contains("In-Reply-To: <first@remote.example>", reply.Data, StringComparison.Ordinal);
        Assert.Contains("References: <first@remote.example>", reply.Data, StringComparison.Ordinal);
        Assert.Contains("I am away; back on Monday.", reply.Data, StringComparison.Ordinal);

        // No answer to a list, to bulk mail, to an automatic message, to the null sender, nor to mail not addressed to bob.
        await SendAsync("news@remote.example", "bob@example.com", Mail("news@remote.example", "bob@example.com", "list", "List-Id: <news.remote.example>\r\n"));
        await SendAsync("dave@remote.example", "bob@example.com", Mail("dave@remote.example", "bob@example.com", "bulk", "Precedence: bulk\r\n"));
        await SendAsync("erin@remote.example", "bob@example.com", Mail("erin@remote.example", "bob@example.com", "auto", "Auto-Submitted: auto-generated\r\n"));
        await SendAsync("", "bob@example.com", Mail("mailer-daemon@remote.example", "bob@example.com", "bounce"));
        await SendAsync("frank@remote.example", "bob@example.com", Mail("frank@remote.example", "team@remote.example", "bcc"));
        Assert.Equal(7, (await _host.Get<MailStore>().MessagesAsync("bob@example.com")).Count);
        Assert.Single(await ReceivedAsync(1));
        var (log, _) = await _host.Get<MessageLog>().ListAsync("bob@example.com", MessageStatus.Delivered, null, null, 0, 20);
        Assert.Contains(log, e => e.Detail.Contains("no vacation reply: the message came from a mailing list (List-Id)", StringComparison.Ordinal));
        Assert.Contains(log, e => e.Detail.Contains("no vacation reply: the user's address is not in To, Cc or Bcc", StringComparison.Ordinal));

        // The tracker is in the database: after a restart anna is still not answered again within the interval.
        await _host.RestartAsync();
        await SendAsync("anna@remote.example", "bob@example.com", Mail("anna@remote.example", "bob@example.com", "third"));
        Assert.Single(await ReceivedAsync(1));

        // Three days later she is.
        await using (var connection = await _host.Get<Database>().OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE vacation_replies SET replied_at = replied_at - 3 * 86400");
        }
        await SendAsync("anna@remote.example", "bob@example.com", Mail("anna@remote.example", "bob@example.com", "fourth"));
        var replies = await ReceivedAsync(2);
        Assert.Equal(2, replies.Count);
        Assert.Contains("In-Reply-To: <fourth@remote.example>", replies[1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vacation_reply_to_a_local_sender_lands_in_their_inbox()
    {
        await UserAsync("bob@example.com", "require \"vacation\";\r\nvacation \"Out of office.\";\r\n");
        await UserAsync("carol@example.com");
        await SendAsync("carol@example.com", "bob@example.com", Mail("carol@example.com", "bob@example.com", "hello"), Mail("carol@example.com", "bob@example.com", "again"));
        var inbox = await _host.Get<MailStore>().MessagesAsync("carol@example.com");
        var reply = await ReadAsync(Assert.Single(inbox));
        Assert.StartsWith("Return-Path: <>\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("Subject: Auto: hello", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_of_outside_mail_leaves_with_an_SRS0_sender_and_its_bounce_finds_the_way_back()
    {
        await UserAsync("carol@example.com", "redirect \"friend@remote.example\";\r\n");
        _host.Get<DkimKeyStore>().EnsureKeys("example.com");
        await SendAsync("anna@elsewhere.example", "carol@example.com", Mail("anna@elsewhere.example", "carol@example.com", "forward me"));
        var forwarded = Assert.Single(await ReceivedAsync(1));
        // Sealed with ARC (RFC 8617) on the way out: our door's results, and a first seal over a chain that had none.
        Assert.Matches(@"(?m)^ARC-Seal: i=1; [^\r\n]*cv=none", forwarded.Data);
        Assert.Matches(@"(?m)^ARC-Authentication-Results: i=1; ", forwarded.Data);
        Assert.Matches(@"(?m)^ARC-Message-Signature: i=1; ", forwarded.Data);
        Assert.Matches(@"^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=elsewhere\.example=anna@example\.com$", forwarded.Sender);
        Assert.Equal(["friend@remote.example"], forwarded.Recipients);
        Assert.Contains("Delivered-To: carol@example.com\r\n", forwarded.Data, StringComparison.Ordinal);
        Assert.Contains("Subject: forward me", forwarded.Data, StringComparison.Ordinal);
        Assert.Empty(await _host.Get<MailStore>().MessagesAsync("carol@example.com"));

        // The far end bounces to the rewritten address: it goes on to anna.
        await SendAsync("", forwarded.Sender, "From: MAILER-DAEMON@remote.example\r\nSubject: Undelivered\r\n\r\nno such user\r\n");
        var bounce = (await ReceivedAsync(2))[1];
        Assert.Equal("", bounce.Sender);
        Assert.Equal(["anna@elsewhere.example"], bounce.Recipients);

        // A forged or altered one is refused at RCPT.
        var hash = forwarded.Sender.Split('=')[1];
        var forged = forwarded.Sender.Replace("=" + hash + "=", "=" + (hash == "AAAA" ? "BBBB" : "AAAA") + "=", StringComparison.Ordinal);
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=30)
            s.ehlo(); s.mail('')
            print(s.rcpt('{{forged}}')[0], s.rcpt('{{forwarded.Sender.Replace("=anna@", "=mallory@", StringComparison.Ordinal)}}')[0])
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
        Assert.Equal("550 550", output.Trim());
    }

    [Fact]
    public async Task A_redirect_of_local_mail_keeps_its_sender_and_a_loop_between_two_users_ends_in_a_mailbox()
    {
        await UserAsync("dave@example.com", "redirect \"erin@example.com\";\r\n");
        await UserAsync("erin@example.com", "redirect \"dave@example.com\";\r\n");
        await SendAsync("anna@elsewhere.example", "dave@example.com", Mail("anna@elsewhere.example", "dave@example.com", "round and round"));
        var store = _host.Get<MailStore>();
        // dave → erin → dave again: the copy already names dave in Delivered-To, so it is kept, not sent on.
        var kept = await ReadAsync(Assert.Single(await store.MessagesAsync("dave@example.com")));
        Assert.Contains("Delivered-To: erin@example.com\r\nDelivered-To: dave@example.com\r\n", kept, StringComparison.Ordinal);
        Assert.Empty(await store.MessagesAsync("erin@example.com"));
        var (log, _) = await _host.Get<MessageLog>().ListAsync("dave@example.com", MessageStatus.Delivered, null, null, 0, 10);
        Assert.Contains(log, e => e.Detail.Contains("a loop", StringComparison.Ordinal));
        Assert.Empty(_receiver.Messages);
    }

    [Fact]
    public async Task Reject_and_ereject_after_the_250_notify_the_sender_store_nothing_and_never_answer_the_null_sender()
    {
        await UserAsync("frank@example.com", "require \"reject\";\r\nreject \"I do not take mail about lotteries.\";\r\n");
        await UserAsync("gina@example.com", "require \"ereject\";\r\nereject \"Not here.\";\r\n");
        await SendAsync("anna@remote.example", "frank@example.com", Mail("anna@remote.example", "frank@example.com", "lottery"));
        await SendAsync("anna@remote.example", "gina@example.com", Mail("anna@remote.example", "gina@example.com", "hello gina"));
        var notices = await ReceivedAsync(2);
        Assert.Equal(2, notices.Count);
        Assert.All(notices, n => Assert.Equal("", n.Sender));
        Assert.All(notices, n => Assert.Equal(["anna@remote.example"], n.Recipients));
        var mdn = notices.Single(n => n.Data.Contains("report-type=disposition-notification", StringComparison.Ordinal)).Data;
        Assert.Contains("Disposition: automatic-action/MDN-sent-automatically; deleted", mdn, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; frank@example.com", mdn, StringComparison.Ordinal);
        Assert.Contains("Original-Message-ID: <lottery@remote.example>", mdn, StringComparison.Ordinal);
        Assert.Contains("I do not take mail about lotteries.", mdn, StringComparison.Ordinal);
        var dsn = notices.Single(n => n.Data.Contains("report-type=delivery-status", StringComparison.Ordinal)).Data;
        Assert.Contains("Status: 5.7.1", dsn, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.7.1 Not here.", dsn, StringComparison.Ordinal);
        var store = _host.Get<MailStore>();
        Assert.Empty(await store.MessagesAsync("frank@example.com"));
        Assert.Empty(await store.MessagesAsync("gina@example.com"));

        // A message without a return address cannot be refused to anyone: it is kept, and nothing is sent.
        await SendAsync("", "frank@example.com", Mail("mailer-daemon@remote.example", "frank@example.com", "a bounce"));
        Assert.Single(await store.MessagesAsync("frank@example.com"));
        Assert.Equal(2, (await ReceivedAsync(2)).Count);
    }

    [Fact]
    public async Task The_global_before_script_files_for_every_user_its_stop_ends_the_chain_and_the_after_script_runs_last()
    {
        var scripts = _host.Get<SieveScripts>();
        await scripts.PutGlobalAsync(SieveGlobalScript.Before, """
            require ["fileinto"];
            if header :contains "Subject" "[ads]" { fileinto "Junk"; }
            if header :contains "Subject" "urgent" { keep; stop; }
            """);
        await scripts.PutGlobalAsync(SieveGlobalScript.After, """
            require ["imap4flags"];
            if header :contains "Subject" "flag me" { addflag "\\Flagged"; }
            """);
        await UserAsync("hank@example.com");
        await UserAsync("ivy@example.com", "discard;\r\n");
        await UserAsync("jack@example.com", "keep;\r\n");
        foreach (var user in new[] { "hank@example.com", "ivy@example.com" })
        {
            await SendAsync("anna@remote.example", user, Mail("anna@remote.example", user, "[ads] big sale"));
        }
        var store = _host.Get<MailStore>();
        Assert.Single(await store.MessagesAsync("hank@example.com", "Junk"));
        Assert.Empty(await store.MessagesAsync("hank@example.com"));
        // ivy's own script discards, which cancels only her implicit keep: the before script's fileinto still stands.
        Assert.Single(await store.MessagesAsync("ivy@example.com", "Junk"));
        Assert.Empty(await store.MessagesAsync("ivy@example.com"));

        // stop in the before script: ivy's discard does not run.
        await SendAsync("anna@remote.example", "ivy@example.com", Mail("anna@remote.example", "ivy@example.com", "urgent call me"));
        Assert.Single(await store.MessagesAsync("ivy@example.com"));

        // The after script runs after jack's own keep; its flag applies to the implicit keep it leaves.
        await SendAsync("anna@remote.example", "hank@example.com", Mail("anna@remote.example", "hank@example.com", "flag me please"));
        Assert.Contains("\\Flagged", Assert.Single(await store.MessagesAsync("hank@example.com")).Flags, StringComparison.Ordinal);
        await SendAsync("anna@remote.example", "jack@example.com", Mail("anna@remote.example", "jack@example.com", "plain"));
        Assert.Single(await store.MessagesAsync("jack@example.com"));
    }
}
