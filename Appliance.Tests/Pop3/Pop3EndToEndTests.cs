using System.Globalization;
using System.Text;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Pop3;

/// <summary>The POP3 listeners against clients others wrote: Python's poplib (STLS and implicit TLS) and curl.</summary>
public sealed class Pop3EndToEndTests : IAsyncLifetime
{
    private const string Password = Pop3Mail.Password;
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithPop3Async();
        await Pop3Mail.AddUsersAsync(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Pop3Port => _host.Pop3Port.ToString(CultureInfo.InvariantCulture);

    private string Pop3sPort => _host.Pop3sPort.ToString(CultureInfo.InvariantCulture);

    private static async Task<string> Python(string script)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", script]);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        return output;
    }

    /// <summary>Python preamble: a TLS context that accepts the host's self-signed certificate, and a STLS session as bob.</summary>
    private string Preamble => $$"""
        import poplib, ssl, smtplib, socket
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        def bob():
            p = poplib.POP3('127.0.0.1', {{_host.Pop3Port}}, timeout=20)
            p.stls(context=ctx)
            p.user('bob@example.com')
            p.pass_('{{Password}}')
            return p

        """;

    /// <summary>Delivers through the host's own SMTP listener, the way mail really arrives.</summary>
    private async Task SendAsync(params string[] subjects)
    {
        var messages = string.Join(", ", subjects.Select(s => $"b'From: alice@elsewhere.example\\r\\nTo: bob@example.com\\r\\nSubject: {s}\\r\\n\\r\\nbody of {s}\\r\\n.leading dot\\r\\n'"));
        await Python($$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{_host.SmtpPort}}, timeout=20)
            for m in [{{messages}}]:
                assert s.sendmail('alice@elsewhere.example', ['bob@example.com'], m) == {}
            s.quit()
            """);
    }

    [Fact]
    public async Task Poplib_over_STLS_reads_lists_deletes_and_UIDL_stays_stable()
    {
        await SendAsync("one", "two", "three");
        var output = await Python(Preamble + """
            p = poplib.POP3('127.0.0.1', {{PORT}}, timeout=20)
            assert 'STLS' in p.capa() and 'USER' not in p.capa()
            p.stls(context=ctx)
            caps = p.capa()
            assert 'STLS' not in caps and 'USER' in caps and 'UIDL' in caps and 'TOP' in caps, caps
            p.user('bob@example.com')
            p.pass_('{{PASSWORD}}')
            count, size = p.stat()
            assert count == 3, count
            resp, listing, _ = p.list()
            assert sum(int(l.split()[1]) for l in listing) == size, (listing, size)
            resp, uids, _ = p.uidl()
            resp, lines, octets = p.retr(2)
            assert b'Subject: two' in lines and b'.leading dot' in lines, lines
            announced = int(resp.split()[1])
            assert announced == int(listing[1].split()[1]), (resp, listing)
            resp, top, _ = p.top(1, 0)
            assert top[-1] == b'' and b'Subject: one' in top and b'body of one' not in top, top
            p.dele(1)
            p.rset()
            p.dele(1)
            p.dele(3)
            assert p.stat()[0] == 1
            print(b' '.join(uids).decode())
            p.quit()
            p = bob()
            assert p.stat()[0] == 1, p.stat()
            resp, later, _ = p.uidl()
            print(b' '.join(later).decode())
            p.quit()
            """.Replace("{{PORT}}", Pop3Port, StringComparison.Ordinal).Replace("{{PASSWORD}}", Password, StringComparison.Ordinal));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var before = lines[0].Split(' ');
        // Message 2's id before is message 1's id after: the same message keeps its UIDL.
        Assert.Equal(before[3], lines[1].Split(' ')[1]);
        var remaining = await _host.Get<Appliance.Mailstore.MailStore>().MessagesAsync("bob@example.com");
        Assert.Single(remaining);
        Assert.EndsWith("." + remaining[0].Uid.ToString(CultureInfo.InvariantCulture), before[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poplib_RETR_size_matches_LIST_byte_for_byte()
    {
        await Pop3Mail.DeliverAsync(_host, "bob@example.com", "Subject: bare LF\n\n.one\n..two\nthree");
        await Python(Preamble + """
            p = bob()
            resp, listing, _ = p.list()
            size = int(listing[0].split()[1])
            p._putcmd('RETR 1')
            p._getresp()
            raw = b''
            while True:
                line, _ = p._getline()
                if line == b'.':
                    break
                raw += (line[1:] if line.startswith(b'..') else line) + b'\r\n'
            assert raw == b'Subject: bare LF\r\n\r\n.one\r\n..two\r\nthree\r\n', raw
            assert len(raw) == size, (len(raw), size)
            p.quit()
            """);
    }

    [Fact]
    public async Task Vanished_poplib_client_deletes_nothing_and_a_second_session_is_IN_USE()
    {
        await SendAsync("kept one", "kept two");
        await Python(Preamble + """
            p = bob()
            try:
                q = poplib.POP3_SSL('127.0.0.1', {{PORT}}, context=ctx, timeout=20)
                q.user('bob@example.com')
                q.pass_('{{PASSWORD}}')
                raise SystemExit('second session was let in')
            except poplib.error_proto as e:
                assert str(e).startswith("b'-ERR [IN-USE]"), e
            p.dele(1)
            p.dele(2)
            p.sock.close()   # no QUIT
            """.Replace("{{PORT}}", Pop3sPort, StringComparison.Ordinal).Replace("{{PASSWORD}}", Password, StringComparison.Ordinal));
        Assert.Equal(2, (await Pop3Mail.UidsAsync(_host, "bob@example.com")).Count);
        // The lock went with the client.
        for (var attempt = 0; ; attempt++)
        {
            var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", Preamble + "p = bob()\nprint(p.stat()[0])\np.quit()\n"]);
            if (code == 0)
            {
                Assert.Equal("2", output.Trim());
                break;
            }
            Assert.True(attempt < 20 && error.Contains("IN-USE", StringComparison.Ordinal), error);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Poplib_over_implicit_TLS_on_the_POP3S_port()
    {
        await SendAsync("over tls");
        var output = await Python($$"""
            import poplib, ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            p = poplib.POP3_SSL('127.0.0.1', {{_host.Pop3sPort}}, context=ctx, timeout=20)
            assert 'STLS' not in p.capa()
            p.user('bob@example.com')
            p.pass_('{{Password}}')
            resp, lines, _ = p.retr(1)
            print(b'\n'.join(lines).decode())
            p.quit()
            """);
        Assert.Contains("Subject: over tls", output, StringComparison.Ordinal);
        Assert.Contains("\n.leading dot", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poplib_without_TLS_cannot_send_a_password()
    {
        await Python($$"""
            import poplib
            p = poplib.POP3('127.0.0.1', {{_host.Pop3Port}}, timeout=20)
            assert 'USER' not in p.capa() and 'STLS' in p.capa()
            try:
                p.user('bob@example.com')
                raise SystemExit('USER accepted without TLS')
            except poplib.error_proto as e:
                assert '[AUTH]' in str(e), e
            p.quit()
            """);
    }

    [Fact]
    public async Task Curl_retrieves_lists_and_deletes_over_STARTTLS_and_implicit_TLS()
    {
        await SendAsync("curl one", "curl two");
        var url = $"pop3://127.0.0.1:{Pop3Port}/";
        var auth = $"bob@example.com:{Password}";

        var (code, output, error) = await Curl("--ssl-reqd", "-k", url, "-u", auth);
        Assert.True(code == 0, error);
        Assert.Matches(@"^1 \d+\r\n2 \d+\r\n$", output);

        (code, output, error) = await Curl("--ssl-reqd", "-k", url + "1", "-u", auth);
        Assert.True(code == 0, error);
        Assert.Contains("Subject: curl one\r\n", output, StringComparison.Ordinal);
        // curl removes the stuffing: the line is as stored.
        Assert.EndsWith("\r\nbody of curl one\r\n.leading dot\r\n", output, StringComparison.Ordinal);

        (code, output, error) = await Curl("--ssl-reqd", "-k", url, "-u", auth, "-X", "UIDL");
        Assert.True(code == 0, error);
        Assert.Matches(@"^1 \d+\.\d+\r\n2 \d+\.\d+\r\n$", output);

        (code, _, error) = await Curl("--ssl-reqd", "-k", url + "1", "-u", auth, "-X", "DELE", "-I");
        Assert.True(code == 0, error);
        Assert.Single(await Pop3Mail.UidsAsync(_host, "bob@example.com"));

        (code, output, error) = await Curl("-k", $"pop3s://127.0.0.1:{Pop3sPort}/1", "-u", auth);
        Assert.True(code == 0, error);
        Assert.Contains("Subject: curl two\r\n", output, StringComparison.Ordinal);

        // Without TLS curl may not send the password, and with --ssl-reqd against a refusal it fails.
        (code, _, _) = await Curl("--ssl-reqd", "-k", url + "1", "-u", $"bob@example.com:wrong password");
        Assert.NotEqual(0, code);
    }

    private static Task<(int ExitCode, string Output, string Error)> Curl(params string[] args) =>
        ExternalProgram.RunAsync("curl", ["-sS", "--max-time", "20", .. args]);
}
