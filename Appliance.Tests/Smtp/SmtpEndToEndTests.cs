using System.Net.Sockets;
using System.Text;
using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Smtp;

/// <summary>The SMTP listeners against clients others wrote: Python's smtplib, swaks and curl.</summary>
public sealed class SmtpEndToEndTests : IAsyncLifetime
{
    private const string BobPassword = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync();
        var users = _host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", BobPassword, "Bob"));
        await users.AddAsync(Actor.CommandLine, new NewUser("carol@example.com", BobPassword, "Carol"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<IReadOnlyList<byte[]>> InboxAsync(string address)
    {
        var result = new List<byte[]>();
        foreach (var message in await _host.Get<MailStore>().MessagesAsync(address))
        {
            await using var stream = _host.Get<BlobStore>().OpenRead(message.BlobHash)!;
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            result.Add(copy.ToArray());
        }
        return result;
    }

    private static async Task<string> Python(string script)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", script]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        return output;
    }

    [Fact]
    public async Task Smtplib_delivers_to_a_local_user_byte_exact_plus_trace_headers()
    {
        const string message = "From: Alice <alice@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nMessage-ID: <m1@elsewhere.example>\r\n\r\nHello Bob\r\n.a line that starts with a dot\r\n..two dots\r\n\r\nlast line without break";
        await Python($$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=20)
            s.ehlo('client.elsewhere.example')
            r = s.sendmail('alice@elsewhere.example', ['bob@example.com'], {{PythonBytes(message)}})
            assert r == {}, r
            s.quit()
            """);

        var stored = Encoding.UTF8.GetString(Assert.Single(await InboxAsync("bob@example.com")));
        Assert.StartsWith("Return-Path: <alice@elsewhere.example>\r\nReceived: from client.elsewhere.example ([127.0.0.1])\r\n\tby mail.example.com (Appliance) with ESMTP id ", stored, StringComparison.Ordinal);
        Assert.Contains("\r\n\tfor <bob@example.com>; ", stored, StringComparison.Ordinal);
        // smtplib ends the data with CRLF; the message is otherwise exactly what was sent.
        Assert.EndsWith("\r\n" + message + "\r\n", stored, StringComparison.Ordinal);
        var (entries, _) = await _host.Get<MessageLog>().ListAsync("bob@example.com", MessageStatus.Delivered, null, null, 0, 10);
        Assert.Equal("<m1@elsewhere.example>", Assert.Single(entries).MessageId);
    }

    [Fact]
    public async Task Message_for_many_local_users_is_stored_once()
    {
        await _host.Get<GroupService>().AddAsync(Actor.CommandLine, "team@example.com", "Team");
        await _host.Get<GroupService>().AddMemberAsync(Actor.CommandLine, "team@example.com", "carol@example.com");
        await _host.Get<AliasService>().AddAsync(Actor.CommandLine, "sales@example.com", ["bob@example.com", "carol@example.com"]);
        await Python($$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=20)
            r = s.sendmail('alice@elsewhere.example', ['bob@example.com', 'sales@example.com', 'team@example.com', 'admin@example.com'], b'Subject: all\r\n\r\nfor everyone\r\n')
            assert r == {}, r
            s.quit()
            """);
        var store = _host.Get<MailStore>();
        var bob = Assert.Single(await store.MessagesAsync("bob@example.com"));
        var carol = Assert.Single(await store.MessagesAsync("carol@example.com"));
        var admin = Assert.Single(await store.MessagesAsync("admin@example.com"));
        Assert.Equal(bob.BlobHash, carol.BlobHash);
        Assert.Equal(bob.BlobHash, admin.BlobHash);
        Assert.Equal(3, await _host.Get<BlobStore>().ReferenceCountAsync(bob.BlobHash));
        Assert.DoesNotContain("for <", Encoding.UTF8.GetString((await InboxAsync("carol@example.com"))[0]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_delivery_starttls_auth_relay_and_spoofing()
    {
        var port = _host.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var submission = _host.SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, output, _) = await Swaks("--server", "127.0.0.1", "--port", port, "--from", "alice@elsewhere.example", "--to", "bob@example.com", "--tls", "--body", "over TLS");
        Assert.True(code == 0, output);
        Assert.Contains("<-  220 2.0.0 Ready to start TLS", output, StringComparison.Ordinal);
        Assert.Contains("~> EHLO", output, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS id", Encoding.UTF8.GetString((await InboxAsync("bob@example.com"))[^1]), StringComparison.Ordinal);

        (code, output, _) = await Swaks("--server", "127.0.0.1", "--port", port, "--from", "alice@elsewhere.example", "--to", "someone@gmail.example");
        Assert.NotEqual(0, code);
        Assert.Contains("554 5.7.1 <someone@gmail.example>: Relay access denied", output, StringComparison.Ordinal);

        (code, output, _) = await Swaks("--server", "127.0.0.1", "--port", port, "--from", "alice@elsewhere.example", "--to", "ghost@example.com");
        Assert.NotEqual(0, code);
        Assert.Contains("550 5.1.1", output, StringComparison.Ordinal);

        (code, output, _) = await Swaks("--server", "127.0.0.1", "--port", submission, "--tls", "--auth", "PLAIN", "--auth-user", "bob@example.com", "--auth-password", BobPassword,
            "--from", "bob@example.com", "--to", "carol@example.com", "--body", "submitted");
        Assert.True(code == 0, output);
        Assert.Contains("235 2.7.0 Authentication successful", output, StringComparison.Ordinal);
        Assert.Contains("with ESMTPSA id", Encoding.UTF8.GetString((await InboxAsync("carol@example.com"))[^1]), StringComparison.Ordinal);

        (code, output, _) = await Swaks("--server", "127.0.0.1", "--port", submission, "--tls", "--auth", "LOGIN", "--auth-user", "bob@example.com", "--auth-password", "wrong password",
            "--from", "bob@example.com", "--to", "carol@example.com");
        Assert.NotEqual(0, code);
        Assert.Contains("535 5.7.8", output, StringComparison.Ordinal);

        (code, output, _) = await Swaks("--server", "127.0.0.1", "--port", submission, "--tls", "--auth", "PLAIN", "--auth-user", "bob@example.com", "--auth-password", BobPassword,
            "--from", "carol@example.com", "--to", "carol@example.com");
        Assert.NotEqual(0, code);
        Assert.Contains("553 5.7.1 Sender address rejected", output, StringComparison.Ordinal);

        // Submission without TLS does not offer AUTH and refuses mail without it.
        (code, output, _) = await Swaks("--server", "127.0.0.1", "--port", submission, "--from", "bob@example.com", "--to", "carol@example.com");
        Assert.NotEqual(0, code);
        Assert.Contains("530 5.7.0 Authentication required", output, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH PLAIN", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_submits_over_STARTTLS_with_a_password()
    {
        var mail = Path.GetTempFileName();
        await File.WriteAllTextAsync(mail, "From: bob@example.com\r\nTo: carol@example.com\r\nSubject: curl\r\n\r\nsent by curl\r\n");
        try
        {
            var (code, output, error) = await ExternalProgram.RunAsync("curl", ["--silent", "--show-error", "--ssl-reqd", "--insecure",
                $"smtp://127.0.0.1:{_host.SubmissionPort}", "--mail-from", "bob@example.com", "--mail-rcpt", "carol@example.com",
                "--user", $"bob@example.com:{BobPassword}", "--upload-file", mail]);
            Assert.True(code == 0, error + output);
        }
        finally
        {
            File.Delete(mail);
        }
        Assert.EndsWith("Subject: curl\r\n\r\nsent by curl\r\n", Encoding.UTF8.GetString(Assert.Single(await InboxAsync("carol@example.com"))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Implicit_TLS_submission_on_the_smtps_port()
    {
        await Python($$"""
            import smtplib, ssl
            c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP_SSL('127.0.0.1', {{_host.SmtpsPort}}, context=c, timeout=20)
            s.login('bob@example.com', '{{BobPassword}}')
            assert s.sendmail('bob@example.com', ['carol@example.com'], b'Subject: 465\r\n\r\nimplicit\r\n') == {}
            s.quit()
            """);
        Assert.Contains("with ESMTPSA", Encoding.UTF8.GetString(Assert.Single(await InboxAsync("carol@example.com"))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_mailbox_gets_452_at_RCPT()
    {
        await _host.Get<UserService>().UpdateAsync(Actor.CommandLine, "carol@example.com", new UserChanges(QuotaBytes: 100));
        var output = await Python($$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=20)
            s.sendmail('alice@elsewhere.example', ['carol@example.com'], b'Subject: fills it\r\n\r\n' + b'x' * 200 + b'\r\n')
            s.ehlo(); s.mail('alice@elsewhere.example'); print(s.rcpt('carol@example.com'))
            s.quit()
            """);
        Assert.Contains("(452, b'4.2.2 <carol@example.com>: Mailbox full')", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_and_a_client_vanishing_mid_DATA_leave_the_server_serving_others()
    {
        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync("127.0.0.1", _host.SmtpPort);
            var stream = garbage.GetStream();
            await stream.WriteAsync(Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 256)).ToArray());
            await stream.WriteAsync("\r\n"u8.ToArray());
        }
        using (var vanishing = new TcpClient())
        {
            await vanishing.ConnectAsync("127.0.0.1", _host.SmtpPort);
            var stream = vanishing.GetStream();
            await stream.WriteAsync("EHLO x\r\nMAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: half\r\n\r\nthe client goes away now"u8.ToArray());
            await Task.Delay(300);
        }
        await Python($$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=20)
            assert s.sendmail('alice@elsewhere.example', ['bob@example.com'], b'Subject: still here\r\n\r\nok\r\n') == {}
            s.quit()
            """);
        var inbox = await InboxAsync("bob@example.com");
        Assert.Contains("Subject: still here", Encoding.UTF8.GetString(Assert.Single(inbox)), StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output, string Error)> Swaks(params string[] args) =>
        ExternalProgram.RunAsync("swaks", ["--timeout", "20", .. args]);

    private static string PythonBytes(string text) =>
        "b'" + string.Concat(Encoding.UTF8.GetBytes(text).Select(b => b is >= 32 and < 127 and not (byte)'\'' and not (byte)'\\' ? ((char)b).ToString() : $"\\x{b:x2}")) + "'";
}
