using System.Globalization;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// The IMAP4rev2 family against clients others wrote: Python's imaplib (ENABLE IMAP4rev2 and UTF8=ACCEPT, ESEARCH, the
/// new STATUS and FETCH items, the new SEARCH keys) and curl's imap:// with custom commands, over STARTTLS to the real host.
/// </summary>
public sealed class ImapRev2EndToEndTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("carol@example.com", Password, "Carol"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> Python(string script)
    {
        var preamble = $$"""
            import imaplib, ssl, re, datetime
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def ok(result):
                typ, data = result
                assert typ == 'OK', result
                return data
            def connect():
                m = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}, timeout=20)
                m.starttls(ctx)
                ok(m.login('carol@example.com', '{{Password}}'))
                return m
            """;
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", preamble + "\n" + script], timeoutSeconds: 90);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        return output;
    }

    private async Task<string> Curl(string path, string command)
    {
        var url = $"imap://127.0.0.1:{_host.ImapPort.ToString(CultureInfo.InvariantCulture)}/{path}";
        var (code, output, error) = await ExternalProgram.RunAsync("curl", ["--silent", "--show-error", "--ssl-reqd", "--insecure", url, "--user", $"carol@example.com:{Password}", "-X", command]);
        Assert.True(code == 0, $"curl {url} -X {command} failed ({code}): {error}\n{output}");
        return output;
    }

    [Fact]
    public async Task Imaplib_and_curl_drive_imap4rev2_utf8_objectid_savedate_and_preview()
    {
        await Python("""
            m = connect()
            for cap in ['IMAP4REV1', 'IMAP4REV2', 'LITERAL+', 'LITERAL-', 'UTF8=ACCEPT', 'OBJECTID', 'SAVEDATE', 'PREVIEW', 'STATUS=SIZE']:
                assert cap in m.capabilities, (cap, m.capabilities)
            # Appended before UTF8=ACCEPT: in UTF-8 mode imaplib sends APPEND's UTF8 item (RFC 6855 §4), which APPEND's own tests cover.
            ok(m.create('Entw&APw-rfe'))
            msg = b'Message-ID: <a@example.com>\r\nSubject: Plan\r\n\r\nHello there,\r\n  the plan.\r\n'
            ok(m.append('Entw&APw-rfe', None, '"01-Jan-2020 10:00:00 +0000"', msg))
            ok(m.append('INBOX', r'(\Deleted)', None, msg))
            # UTF8=ACCEPT: imaplib switches to UTF-8 itself once the server said OK.
            ok(m.enable('UTF8=ACCEPT'))
            ok(m.create('"Entwürfe/Über"'))
            names = ok(m.list('""', 'Entw*'))
            assert names == [b'(\\HasChildren) "/" "Entw\xc3\xbcrfe"', b'(\\HasNoChildren) "/" "Entw\xc3\xbcrfe/\xc3\x9cber"'], names
            m.logout()

            m = connect()
            # Both at once, so that imaplib sends UTF-8 too (IMAP4rev2 alone would mean UTF-8 names as well).
            typ, data = m.enable('imap4rev2 UTF8=ACCEPT')
            assert typ == 'OK' and m.untagged_responses.pop('ENABLED', []) == [b'IMAP4rev2 UTF8=ACCEPT'], (typ, data, m.untagged_responses)
            status = ok(m.status('"Entwürfe"', '(MESSAGES DELETED SIZE MAILBOXID)'))[0].decode()
            assert re.search(r'MESSAGES 1 DELETED 0 SIZE %d MAILBOXID \(M[0-9]+-[0-9]+\)' % len(msg), status), status
            typ, data = m.select('"Entwürfe"')
            assert typ == 'OK', (typ, data)
            assert 'RECENT' not in m.untagged_responses or m.untagged_responses['RECENT'] in ([], [None]), m.untagged_responses
            # IMAP4rev2: SEARCH answers with ESEARCH, which imaplib leaves among the untagged responses.
            typ, data = m._simple_command('UID', 'SEARCH', 'SAVEDATESUPPORTED SAVEDSINCE 1-Jan-2021 BEFORE 1-Jan-2021')
            assert typ == 'OK', (typ, data)
            esearch = m.untagged_responses.pop('ESEARCH', [])
            assert len(esearch) == 1 and esearch[0].endswith(b'UID ALL 1'), esearch
            fetched = ok(m.fetch('1', '(FLAGS EMAILID THREADID SAVEDATE PREVIEW)'))[0].decode()
            found = re.search(r'FLAGS \(\) EMAILID \((E[0-9a-f]+)\) THREADID \((T[0-9a-f]+)\) SAVEDATE "([^"]+)" PREVIEW "Hello there, the plan\."', fetched)
            assert found, fetched
            saved = datetime.datetime.strptime(found.group(3), '%d-%b-%Y %H:%M:%S %z')
            assert abs((datetime.datetime.now(datetime.timezone.utc) - saved).total_seconds()) < 120, saved
            typ, data = m._simple_command('SEARCH', 'EMAILID ' + found.group(1) + ' THREADID ' + found.group(2))
            esearch = m.untagged_responses.pop('ESEARCH', [])
            assert typ == 'OK' and len(esearch) == 1 and esearch[0].endswith(b' ALL 1'), (typ, esearch)
            m.logout()
            """);

        var status = await Curl("", "STATUS INBOX (MESSAGES DELETED SIZE MAILBOXID)");
        Assert.Matches(@"\* STATUS ""?INBOX""? \(MESSAGES 1 DELETED 1 SIZE \d+ MAILBOXID \(M[0-9]+-[0-9]+\)\)", status);
        var fetched = await Curl("INBOX", "FETCH 1 (EMAILID SAVEDATE PREVIEW (LAZY))");
        Assert.Matches(@"\* 1 FETCH \(EMAILID \(E[0-9a-f]+\) SAVEDATE ""[^""]+"" PREVIEW (NIL|""Hello there, the plan\."")\)", fetched);
        var searched = await Curl("INBOX", "SEARCH SAVEDATESUPPORTED DELETED");
        Assert.Equal("* SEARCH 1", searched.Trim());
    }
}
