using System.Text;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// CATENATE (RFC 4469) against the running host: TEXT and URL parts made into one message, the URLs that name
/// nothing this user may read answered NO [BADURL], and the size limit NO [TOOBIG], each storing nothing.
/// </summary>
public sealed class ImapCatenateTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    private const string Original =
        "Subject: original\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" +
        "--B\r\nContent-Type: text/plain\r\n\r\nthe text\r\n" +
        "--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n" +
        "--B--\r\n";

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000",
            "--Appliance:Imap:MaxLiteralSize=100000", "--Appliance:Imap:MaxAppendSize=150000");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("carol@example.com", Password, "Carol"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string user = "bob@example.com") => ImapWire.SignedInAsync(_host.ImapPort, user, Password);

    /// <summary>The server's own name, as its greeting gives it: "* OK [CAPABILITY ...] host IMAP4rev1 ...".</summary>
    private static string HostOf(ImapWire wire)
    {
        var afterCode = wire.Greeting[(wire.Greeting.IndexOf(']', StringComparison.Ordinal) + 2)..];
        return afterCode[..afterCode.IndexOf(' ', StringComparison.Ordinal)];
    }

    private static async Task<long> UidvalidityAsync(ImapWire wire, string mailbox, string tag)
    {
        var status = await wire.CommandAsync(tag, $"STATUS {mailbox} (UIDVALIDITY)");
        var line = Assert.Single(status, l => l.StartsWith("* STATUS", StringComparison.Ordinal));
        return long.Parse(line[(line.LastIndexOf(' ') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<int> CountAsync(ImapWire wire, string mailbox, string tag)
    {
        var status = await wire.CommandAsync(tag, $"STATUS {mailbox} (MESSAGES)");
        var line = Assert.Single(status, l => l.StartsWith("* STATUS", StringComparison.Ordinal));
        return int.Parse(line[(line.LastIndexOf(' ') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Catenate_joins_text_a_whole_message_and_a_section_into_one_message()
    {
        await using var wire = await SignedInAsync();
        Assert.Contains(" CATENATE ", " " + string.Join(' ', await wire.CommandAsync("c1", "CAPABILITY")) + " ", StringComparison.Ordinal);
        Assert.StartsWith("a1 OK", (await wire.CommandAsync("a1", $"APPEND INBOX {{{Original.Length}+}}\r\n{Original}"))[^1], StringComparison.Ordinal);
        var validity = await UidvalidityAsync(wire, "INBOX", "s1");
        await wire.CommandAsync("c2", "CREATE Drafts2");
        var host = HostOf(wire);

        const string head = "Subject: forward\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"F\"\r\n\r\n--F\r\n";
        const string middle = "\r\n--F\r\nContent-Type: message/rfc822\r\n\r\n";
        const string tail = "\r\n--F--\r\n";
        // The second part's MIME header and body by an absolute-path URL (RFC 4469's own example, lower case keywords),
        // then the whole message by an absolute URL with user and host.
        var answer = await wire.CommandAsync("a2",
            $"APPEND Drafts2 (\\Draft) CATENATE (TEXT {{{head.Length}+}}\r\n{head} URL \"/INBOX;UIDVALIDITY={validity}/;UID=1/;section=2.mime\" " +
            $"URL \"/INBOX;UIDVALIDITY={validity}/;UID=1/;section=2\" TEXT {{{middle.Length}+}}\r\n{middle} " +
            $"URL \"imap://bob%40example.com@{host}/INBOX;UIDVALIDITY={validity}/;UID=1\" TEXT {{{tail.Length}+}}\r\n{tail})");
        Assert.Matches(@"^a2 OK \[APPENDUID \d+ 1\] APPEND completed$", answer[^1]);

        await wire.CommandAsync("a3", "SELECT Drafts2");
        var expected = head + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + "AAECAwQFBgcICQ==" + middle + Original + tail;
        var body = await wire.CommandAsync("a4", "FETCH 1 (FLAGS BODY.PEEK[])");
        Assert.Equal($"* 1 FETCH (FLAGS (\\Draft \\Recent) BODY[] {{{Encoding.UTF8.GetByteCount(expected)}}}\r\n{expected})", body[0]);
        // The new message parses: its part 2 is the original message, whose own part 2 is the base64 data.
        var nested = await wire.CommandAsync("a5", "FETCH 1 BINARY.PEEK[2.2]");
        Assert.Equal("* 1 FETCH (BINARY[2.2] ~{10}\r\n\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t)", nested[0]);

        // With Drafts2 selected, a relative URL names its messages; PARTIAL cuts octets from the section.
        var draftsValidity = await UidvalidityAsync(wire, "Drafts2", "s2");
        answer = await wire.CommandAsync("a6", "APPEND INBOX CATENATE (URL \";UID=1/;SECTION=HEADER\" TEXT {5+}\r\nbody\n URL \";UID=1/;SECTION=TEXT/;PARTIAL=2.3\")");
        Assert.StartsWith("a6 OK [APPENDUID", answer[^1], StringComparison.Ordinal);
        Assert.NotEqual(0, draftsValidity);
        await wire.CommandAsync("a8", "SELECT INBOX");
        var made = await wire.CommandAsync("a9", "UID FETCH 2 BODY.PEEK[]");
        var header = "Subject: forward\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"F\"\r\n\r\n";
        Assert.Equal($"* 2 FETCH (UID 2 BODY[] {{{header.Length + 5 + 3}}}\r\n{header}body\nF\r\n)", made[0]);
        // Reading through a URL does not set \Seen on the original.
        Assert.Contains(await wire.CommandAsync("b1", "FETCH 1 FLAGS"), l => l == "* 1 FETCH (FLAGS (\\Recent))");
    }

    [Fact]
    public async Task Urls_that_name_nothing_readable_are_BADURL_and_a_multiappend_stores_nothing()
    {
        await using var carol = await SignedInAsync("carol@example.com");
        await carol.CommandAsync("c1", "CREATE Private");
        await carol.CommandAsync("c2", "CREATE Listed");
        Assert.StartsWith("c3 OK", (await carol.CommandAsync("c3", "APPEND Private {17+}\r\nSubject: secret\r\n"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("c4 OK", (await carol.CommandAsync("c4", "APPEND Listed {17+}\r\nSubject: listed\r\n"))[^1], StringComparison.Ordinal);
        // Bob may see that Listed exists ('l') but not read it ('r').
        Assert.Equal(["c5 OK SETACL completed"], await carol.CommandAsync("c5", "SETACL Listed bob@example.com l"));
        var privateValidity = await UidvalidityAsync(carol, "Private", "s1");
        var listedValidity = await UidvalidityAsync(carol, "Listed", "s2");

        await using var wire = await SignedInAsync();
        Assert.StartsWith("a1 OK", (await wire.CommandAsync("a1", "APPEND INBOX {15+}\r\nSubject: mine\r\n"))[^1], StringComparison.Ordinal);
        var validity = await UidvalidityAsync(wire, "INBOX", "s3");
        var host = HostOf(wire);
        string[] bad =
        [
            $"/INBOX;UIDVALIDITY={validity + 1}/;UID=1", // wrong UIDVALIDITY
            $"/INBOX;UIDVALIDITY={validity}/;UID=99", // no such message
            $"/INBOX;UIDVALIDITY={validity}/;UID=1/;SECTION=3", // no such part
            $"/Nowhere/;UID=1", // no such mailbox
            $"imap://carol%40example.com@{host}/INBOX/;UID=1", // another user
            $"imap://elsewhere.example.net/INBOX;UIDVALIDITY={validity}/;UID=1", // another server
            $"/Other%20Users/carol%40example.com/Private;UIDVALIDITY={privateValidity}/;UID=1", // not shared at all
            $"/Other%20Users/carol%40example.com/Listed;UIDVALIDITY={listedValidity}/;UID=1", // shared without 'r'
            $"/INBOX;UIDVALIDITY={validity}/;UID=1;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=anonymous:internal:00", // URLAUTH is not offered
            "http://example.com/x", // not an IMAP URL
            $";UID=1", // relative, but nothing is selected
        ];
        var n = 0;
        foreach (var url in bad)
        {
            var tag = $"b{n++}";
            // As the second message of a MULTIAPPEND: the first, good one must not be stored either.
            var answer = await wire.CommandAsync(tag, $"APPEND INBOX {{13+}}\r\nSubject: ok\r\n CATENATE (TEXT {{2+}}\r\nhi URL \"{url}\")");
            Assert.Equal($"{tag} NO [BADURL {url}] CATENATE: the URL names no message part this user may read", answer[^1]);
        }
        Assert.Equal(1, await CountAsync(wire, "INBOX", "s4"));

        // Once Carol grants 'r', the same URL works, and neither her message nor its \Seen changes.
        Assert.Equal(["c6 OK SETACL completed"], await carol.CommandAsync("c6", "SETACL Listed bob@example.com lr"));
        var ok = await wire.CommandAsync("d1", $"APPEND INBOX CATENATE (URL \"/Other%20Users/carol%40example.com/Listed;UIDVALIDITY={listedValidity}/;UID=1\")");
        Assert.StartsWith("d1 OK [APPENDUID", ok[^1], StringComparison.Ordinal);
        await wire.CommandAsync("d2", "SELECT INBOX");
        Assert.Equal("* 2 FETCH (BODY[] {17}\r\nSubject: listed\r\n)", (await wire.CommandAsync("d3", "FETCH 2 BODY.PEEK[]"))[0]);
        // Bad grammar is still BAD, and the session stays in step.
        Assert.Equal("d4 BAD Expected TEXT or URL", (await wire.CommandAsync("d4", "APPEND INBOX CATENATE (FILE \"x\")"))[^1]);
        Assert.Equal("d5 OK NOOP completed", (await wire.CommandAsync("d5", "NOOP"))[^1]);
    }

    [Fact]
    public async Task A_catenated_message_past_the_size_limit_is_TOOBIG_and_stores_nothing()
    {
        await using var wire = await SignedInAsync();
        var big = "Subject: big\r\n\r\n" + new string('x', 60000);
        Assert.StartsWith("a1 OK", (await wire.CommandAsync("a1", $"APPEND INBOX {{{big.Length}+}}\r\n{big}"))[^1], StringComparison.Ordinal);
        var validity = await UidvalidityAsync(wire, "INBOX", "s1");
        var url = $"/INBOX;UIDVALIDITY={validity}/;UID=1";
        // Each part fits the 100000-octet limit; the two together do not.
        var answer = await wire.CommandAsync("a2", $"APPEND INBOX CATENATE (URL \"{url}\" URL \"{url}\")");
        Assert.Equal("a2 NO [TOOBIG] The catenated message is too large (the limit is 100000 octets)", answer[^1]);
        // Three messages of 60000 octets pass the 150000 of one APPEND, though each fits alone.
        answer = await wire.CommandAsync("a3", $"APPEND INBOX CATENATE (URL \"{url}\") CATENATE (URL \"{url}\") CATENATE (URL \"{url}\")");
        Assert.StartsWith("a3 NO [TOOBIG]", answer[^1], StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(wire, "INBOX", "s2"));
        answer = await wire.CommandAsync("a4", $"APPEND INBOX CATENATE (URL \"{url}\") CATENATE (URL \"{url}/;PARTIAL=0.12\")");
        Assert.StartsWith("a4 OK [APPENDUID", answer[^1], StringComparison.Ordinal);
        Assert.Equal(3, await CountAsync(wire, "INBOX", "s3"));
    }
}

/// <summary>Python's imaplib sends a raw CATENATE APPEND (it has no CATENATE of its own) to the real host.</summary>
public sealed class ImapCatenateImaplibTests : IAsyncLifetime
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
    public async Task Imaplib_catenates_text_and_a_section_of_a_stored_message()
    {
        var script = $$"""
            import imaplib, ssl, re
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}, timeout=20)
            m.starttls(ctx)
            assert 'CATENATE' in m.capabilities, m.capabilities
            typ, _ = m.login('bob@example.com', '{{Password}}'); assert typ == 'OK'
            original = b'Subject: original\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nthe text\r\n--B--\r\n'
            typ, data = m.append('INBOX', None, None, original); assert typ == 'OK', data
            validity = int(re.search(rb'APPENDUID (\d+) 1', data[0]).group(1))
            head = b'Subject: reply\r\n\r\n> '
            tag = m._new_tag()
            url = b'/INBOX;UIDVALIDITY=%d/;UID=1/;SECTION=1' % validity
            m.send(tag + b' APPEND INBOX CATENATE (TEXT {%d+}\r\n' % len(head) + head + b' URL "' + url + b'")\r\n')
            typ, data = m._command_complete('APPEND', tag)
            assert typ == 'OK' and re.match(rb'\[APPENDUID \d+ 2\]', data[0]), (typ, data)
            tag = m._new_tag()
            m.send(tag + b' APPEND INBOX CATENATE (URL "/INBOX;UIDVALIDITY=%d/;UID=7")\r\n' % validity)
            typ, data = m._command_complete('APPEND', tag)
            assert typ == 'NO' and data[0].startswith(b'[BADURL /INBOX;UIDVALIDITY=%d/;UID=7]' % validity), (typ, data)
            typ, data = m.select('INBOX'); assert typ == 'OK' and data == [b'2'], data
            typ, data = m.uid('FETCH', '2', '(BODY.PEEK[])')
            assert typ == 'OK' and data[0][1] == head + b'the text', data
            m.logout()
            print('done')
            """;
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", script], timeoutSeconds: 90);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        Assert.Contains("done", output, StringComparison.Ordinal);
    }
}
