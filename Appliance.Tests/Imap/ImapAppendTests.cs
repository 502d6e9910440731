using System.Text;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// APPEND's extensions against the running host: MULTIAPPEND (RFC 3502) stored all or nothing with APPENDUID's
/// UID set, literal8 (RFC 3516), and the bad input around them.
/// </summary>
public sealed class ImapAppendTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        // Small limits so that a test can pass them: 100 KB per message, 150 KB per APPEND.
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000",
            "--Appliance:Imap:MaxLiteralSize=100000", "--Appliance:Imap:MaxAppendSize=150000");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("carol@example.com", Password, "Carol"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string user = "bob@example.com") => ImapWire.SignedInAsync(_host.ImapPort, user, Password);

    private static async Task<int> CountAsync(ImapWire wire, string mailbox, string tag = "s1")
    {
        var status = await wire.CommandAsync(tag, $"STATUS {mailbox} (MESSAGES)");
        var line = Assert.Single(status, l => l.StartsWith("* STATUS", StringComparison.Ordinal));
        return int.Parse(line[(line.LastIndexOf(' ') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Multiappend_stores_every_message_and_answers_APPENDUID_with_a_uid_set()
    {
        await using var wire = await SignedInAsync();
        Assert.Contains(" MULTIAPPEND ", wire.Greeting + " " + string.Join(' ', await wire.CommandAsync("c1", "CAPABILITY")) + " ", StringComparison.Ordinal);
        await wire.CommandAsync("c2", "CREATE Multi");
        // The middle one is large enough to be spooled to disk on the way in.
        var large = "Subject: large\r\n\r\n" + new string('x', 90000);
        await wire.SendAsync("a1 APPEND Multi (\\Seen) {16}\r\n");
        Assert.StartsWith("+ ", await wire.ReadLineAsync(), StringComparison.Ordinal);
        await wire.SendAsync($"Subject: one\r\n\r\n \"01-Dec-2026 09:05:00 +0000\" {{{large.Length}+}}\r\n{large} {{16+}}\r\nSubject: 3rd\r\n\r\n\r\n");
        var answer = await wire.UntilTaggedAsync("a1");
        Assert.Matches(@"^a1 OK \[APPENDUID \d+ 1:3\] APPEND completed$", answer[^1]);
        var select = await wire.CommandAsync("a2", "SELECT Multi");
        Assert.Contains("* 3 EXISTS", select);
        var fetched = await wire.CommandAsync("a3", "FETCH 1:3 (FLAGS INTERNALDATE RFC822.SIZE)");
        Assert.Contains(fetched, l => l.StartsWith("* 1 FETCH (FLAGS (\\Seen", StringComparison.Ordinal) && l.Contains("RFC822.SIZE 16)", StringComparison.Ordinal));
        Assert.Contains(fetched, l => l.StartsWith("* 2 FETCH (FLAGS (\\Recent)", StringComparison.Ordinal) && l.Contains("\"01-Dec-2026 09:05:00 +0000\"", StringComparison.Ordinal) && l.Contains($"RFC822.SIZE {large.Length})", StringComparison.Ordinal));
        var body = await wire.CommandAsync("a4", "FETCH 2 BODY.PEEK[]");
        Assert.EndsWith(large + ")", body[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Multiappend_past_the_append_size_limit_is_TOOBIG_and_stores_nothing()
    {
        await using var wire = await SignedInAsync();
        await wire.CommandAsync("c1", "CREATE Limit");
        var message = "Subject: big\r\n\r\n" + new string('y', 80000);
        await wire.SendAsync($"a1 APPEND Limit {{{message.Length}+}}\r\n{message} {{{message.Length}}}\r\n");
        Assert.Equal("a1 NO [TOOBIG] Literal too large (the limit is 100000 octets)", await wire.ReadLineAsync());
        // A single message over MaxLiteralSize is refused the same way, before its data.
        await wire.SendAsync("a2 APPEND Limit {100001}\r\n");
        Assert.StartsWith("a2 NO [TOOBIG]", await wire.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(wire, "Limit"));
    }

    [Fact]
    public async Task Multiappend_over_quota_stores_nothing()
    {
        await _host.Get<UserService>().UpdateAsync(Actor.CommandLine, "carol@example.com", new UserChanges(QuotaBytes: 1024));
        await using var wire = await SignedInAsync("carol@example.com");
        var half = "Subject: half\r\n\r\n" + new string('z', 600);
        var answer = await wire.CommandAsync("a1", $"APPEND INBOX {{{half.Length}+}}\r\n{half} {{{half.Length}+}}\r\n{half}");
        Assert.Equal("a1 NO [OVERQUOTA] Quota exceeded", answer[^1]);
        Assert.Equal(0, await CountAsync(wire, "INBOX"));
        Assert.StartsWith("a2 OK [APPENDUID", (await wire.CommandAsync("a2", $"APPEND INBOX {{{half.Length}+}}\r\n{half}"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_vanishes_mid_multiappend_stores_nothing_and_leaves_no_spool()
    {
        await using (var wire = await SignedInAsync())
        {
            await wire.CommandAsync("c1", "CREATE Vanish");
            var first = "Subject: first\r\n\r\n" + new string('v', 70000);
            // The first message is whole and spooled; the second, a literal8, is cut off halfway.
            await wire.SendAsync($"a1 APPEND Vanish {{{first.Length}+}}\r\n{first} ~{{70000+}}\r\nSubject: second\r\n\r\n" + new string('w', 30000));
        }
        var spool = Path.Combine(_host.DataDirectory, "blobs", "tmp");
        // Generous: on a loaded 2-core machine the session may take a while to hear that its client went.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.Exists(spool) && Directory.EnumerateFiles(spool, "imap-*").Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.False(Directory.Exists(spool) && Directory.EnumerateFiles(spool, "imap-*").Any(), "the spool file outlived the session");
        await using var again = await SignedInAsync();
        Assert.Equal(0, await CountAsync(again, "Vanish"));
    }

    [Fact]
    public async Task A_NUL_in_a_normal_literal_is_BAD_and_in_a_literal8_is_stored()
    {
        await using var wire = await SignedInAsync();
        await wire.CommandAsync("c1", "CREATE Binary");
        var answer = await wire.CommandAsync("a1", "APPEND Binary {12+}\r\nSubject: \0\r\n");
        Assert.Equal("a1 BAD A NUL octet in a literal; send it as literal8 (~{n}, RFC 3516)", answer[^1]);
        answer = await wire.CommandAsync("a2", "APPEND Binary ~{14+}\r\nSubject: \0\r\n\r\n");
        Assert.StartsWith("a2 OK [APPENDUID", answer[^1], StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(wire, "Binary"));
        // The session stays in step after the BAD.
        Assert.Equal("a3 OK NOOP completed", (await wire.CommandAsync("a3", "NOOP"))[^1]);
    }
}

/// <summary>FETCH BINARY, BINARY.PEEK and BINARY.SIZE (RFC 3516) on a message whose parts use each transfer encoding.</summary>
public sealed class ImapBinaryTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    internal const string Message =
        "Subject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" +
        "--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n" +
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 cr=\r\n=C3=A8me\r\n" +
        "--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n" +
        "--B--\r\n";

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Binary_decodes_base64_and_quoted_printable_and_refuses_an_unknown_encoding()
    {
        await using var wire = await ImapWire.ConnectAsync(_host.ImapPort);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        await wire.CommandAsync("t1", $"LOGIN bob@example.com {Password}");
        Assert.Contains(" BINARY", string.Join(' ', await wire.CommandAsync("c1", "CAPABILITY")), StringComparison.Ordinal);
        Assert.StartsWith("a1 OK", (await wire.CommandAsync("a1", $"APPEND INBOX {{{Message.Length}+}}\r\n{Message}"))[^1], StringComparison.Ordinal);
        await wire.CommandAsync("a2", "SELECT INBOX");

        // Base64 with NULs comes back as a literal8; the decoded size is ten octets.
        var answer = await wire.CommandAsync("b1", "FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])");
        Assert.Equal("* 1 FETCH (BINARY.SIZE[1] 10 BINARY[1] ~{10}\r\n\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t)", answer[0]);
        // Quoted-printable without NULs is a plain literal; soft line breaks and hex escapes are undone.
        answer = await wire.CommandAsync("b2", "FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])");
        Assert.Equal("* 1 FETCH (BINARY[2] {12}\r\nCafé crème BINARY.SIZE[2] 12)", answer[0]);
        // A partial range is of the decoded bytes.
        answer = await wire.CommandAsync("b3", "FETCH 1 BINARY.PEEK[2]<3.4>");
        Assert.Equal("* 1 FETCH (BINARY[2]<3> {4}\r\né c)", answer[0]);
        // BINARY[] is the whole message as stored.
        answer = await wire.CommandAsync("b4", "FETCH 1 BINARY.SIZE[]");
        Assert.Equal($"* 1 FETCH (BINARY.SIZE[] {Message.Length})", answer[0]);
        Assert.Equal("b5 NO [UNKNOWN-CTE] BINARY[3] has a content transfer encoding this server cannot decode", (await wire.CommandAsync("b5", "FETCH 1 BINARY.PEEK[3]"))[^1]);
        Assert.Contains(await wire.CommandAsync("b6", "FETCH 1 FLAGS"), l => l == "* 1 FETCH (FLAGS (\\Recent))");
        // Without PEEK, reading marks the message \Seen.
        answer = await wire.CommandAsync("b7", "FETCH 1 BINARY[2]");
        Assert.Contains("FLAGS (\\Seen \\Recent)", answer[0], StringComparison.Ordinal);
        Assert.Equal("b8 BAD Expected a number", (await wire.CommandAsync("b8", "FETCH 1 BINARY[1.MIME]"))[^1]);
    }
}

/// <summary>Python's imaplib drives MULTIAPPEND (raw, with LITERAL+) and BINARY fetches against the real host.</summary>
public sealed class ImapAppendImaplibTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Imaplib_multiappends_and_fetches_binary_parts()
    {
        var message = ImapBinaryTests.Message.Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\r\n", "\\r\\n", StringComparison.Ordinal);
        var script = $$"""
            import imaplib, ssl, re
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}, timeout=20)
            m.starttls(ctx)
            for cap in ['MULTIAPPEND', 'BINARY', 'LITERAL+']:
                assert cap in m.capabilities, (cap, m.capabilities)
            typ, _ = m.login('bob@example.com', '{{Password}}'); assert typ == 'OK'
            parts = b"{{message}}"
            big = b'Subject: big\r\n\r\n' + b'q' * 200000
            small = b'Subject: small\r\n\r\nhi\r\n'
            tag = m._new_tag()
            m.send(tag + b' APPEND INBOX (\\Seen) {%d+}\r\n' % len(parts) + parts
                   + b' {%d+}\r\n' % len(big) + big + b' "01-Dec-2026 09:05:00 +0000" {%d+}\r\n' % len(small) + small + b'\r\n')
            typ, data = m._command_complete('APPEND', tag)
            assert typ == 'OK', (typ, data)
            found = re.match(rb'\[APPENDUID (\d+) 1:3\]', data[0])
            assert found, data
            typ, data = m.select('INBOX'); assert typ == 'OK' and data == [b'3'], data
            typ, data = m.fetch('2', '(RFC822.SIZE BODY.PEEK[])')
            assert typ == 'OK' and data[0][1] == big and b'RFC822.SIZE %d' % len(big) in data[0][0], data[0][0]
            typ, data = m.fetch('1', '(BINARY.PEEK[1] BINARY.SIZE[2])')
            assert typ == 'OK' and data[0][1] == bytes(range(10)), data
            assert b'BINARY.SIZE[2] 12' in data[1], data
            typ, data = m.fetch('1', '(BINARY.PEEK[2])')
            assert data[0][1] == 'Café crème'.encode('utf-8'), data
            typ, data = m.fetch('1', '(BINARY.PEEK[3])')
            assert typ == 'NO' and b'UNKNOWN-CTE' in data[0], (typ, data)
            m.logout()
            print('done')
            """;
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", script], timeoutSeconds: 90);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        Assert.Contains("done", output, StringComparison.Ordinal);
    }
}
