using System.Globalization;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// The IMAP listeners against clients others wrote: Python's imaplib over STARTTLS (143) and implicit
/// TLS (993), smtplib for a delivery seen in IDLE, and curl's imap:// URLs.
/// </summary>
public sealed class ImapEndToEndTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        var users = _host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>
    /// Helpers every script shares: a TLS context that trusts the self-signed certificate, <c>ok</c> that
    /// insists on OK, <c>flat</c> that joins imaplib's (header, literal) tuples into one byte string,
    /// and three test messages with what RFC 3501 says each FETCH item must return, computed here.
    /// </summary>
    private string Preamble => $$"""
        import imaplib, smtplib, ssl, re, socket, time, datetime, base64
        HOST = '127.0.0.1'; IMAP = {{_host.ImapPort}}; IMAPS = {{_host.ImapsPort}}; SMTP = {{_host.SmtpPort}}
        USER = 'bob@example.com'; PASSWORD = '{{Password}}'
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE

        def ok(result):
            typ, data = result
            assert typ == 'OK', result
            return data

        def flat(data):
            out = b''
            for d in data:
                if isinstance(d, tuple):
                    out += d[0] + d[1]
                elif d is not None:
                    out += d
            return out

        def starttls():
            m = imaplib.IMAP4(HOST, IMAP, timeout=20)
            m.starttls(ctx)
            return m

        HEADER = (b'From: =?UTF-8?Q?Ren=C3=A9e?= <renee@elsewhere.example>\r\n'
                  b'To: Bob <bob@example.com>\r\n'
                  b'Subject: Quarterly report\r\n'
                  b'Date: Fri, 15 Mar 2024 10:20:30 +0100\r\n'
                  b'Message-ID: <q1@elsewhere.example>\r\n'
                  b'X-Tracking: blue-42\r\n'
                  b'MIME-Version: 1.0\r\n'
                  b'Content-Type: multipart/mixed; boundary="XYZ"\r\n'
                  b'\r\n')
        PART1_MIME = b'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        PART1 = 'Numbers look good. Café crème for everyone.'.encode('utf-8')
        TEXT = (b'--XYZ\r\n' + PART1_MIME + PART1 + b'\r\n'
                b'--XYZ\r\n'
                b'Content-Type: application/octet-stream; name="data.bin"\r\n'
                b'Content-Transfer-Encoding: base64\r\n'
                b'Content-Disposition: attachment; filename="data.bin"\r\n'
                b'\r\n'
                b'AAECAwQFBgcICQ==\r\n'
                b'--XYZ--\r\n')
        REPORT = HEADER + TEXT
        LUNCH = (b'From: Alice <alice@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: Lunch\r\n'
                 b'Date: Sat, 01 Jun 2024 12:00:00 +0000\r\nX-Tracking: red-7\r\n\r\nsee you at noon\r\n')
        BIG = (b'From: Carol <carol@elsewhere.example>\r\nTo: bob@example.com\r\n'
               b'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nDate: Fri, 10 Jan 2025 08:00:00 +0000\r\n\r\n' + b'x' * 5000 + b'\r\n')

        def append_three(m, box='INBOX'):
            uids = []
            for flags, date, msg in [(r'(\Flagged $Label1)', '"15-Mar-2024 10:20:30 +0100"', REPORT),
                                     (r'(\Seen)', '"01-Jun-2024 12:00:00 +0000"', LUNCH),
                                     (None, '"10-Jan-2025 08:00:00 +0000"', BIG)]:
                text = ok(m.append(box, flags, date, msg))[0].decode()
                found = re.match(r'\[APPENDUID (\d+) (\d+)\]', text)
                assert found, text
                uids.append(int(found.group(2)))
            return uids

        def search(m, *criteria, charset=None):
            return [int(n) for n in ok(m.search(charset, *criteria))[0].split()]

        def uid_search(m, *criteria):
            return [int(n) for n in ok(m.uid('SEARCH', *criteria))[0].split()]
        """;

    private async Task<string> Python(string script)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", Preamble + "\n" + script], timeoutSeconds: 90);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        return output;
    }

    private string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Imaplib_over_STARTTLS_logs_in_lists_special_use_and_manages_folders()
    {
        await Python("""
            m = imaplib.IMAP4(HOST, IMAP, timeout=20)
            assert 'STARTTLS' in m.capabilities and 'LOGINDISABLED' in m.capabilities, m.capabilities
            assert 'AUTH=PLAIN' not in m.capabilities, m.capabilities
            # A password in the clear is refused before TLS, whatever imaplib thinks of LOGINDISABLED.
            typ, data = m._simple_command('LOGIN', USER, PASSWORD)
            assert typ == 'NO' and b'PRIVACYREQUIRED' in data[0], (typ, data)
            m.starttls(ctx)
            assert 'AUTH=PLAIN' in m.capabilities and 'LOGINDISABLED' not in m.capabilities and 'STARTTLS' not in m.capabilities, m.capabilities
            for cap in ['IMAP4REV1', 'IDLE', 'UIDPLUS', 'MOVE', 'SPECIAL-USE', 'QUOTA', 'LITERAL+', 'NAMESPACE']:
                assert cap in m.capabilities, (cap, m.capabilities)
            try:
                m.login(USER, 'wrong password')
                raise AssertionError('a wrong password was accepted')
            except imaplib.IMAP4.error as e:
                assert 'AUTHENTICATIONFAILED' in str(e), e
            ok(m.login(USER, PASSWORD))

            listed = {}
            for line in ok(m.list('""', '*')):
                found = re.match(rb'\(([^)]*)\) "/" "?([^"]*)"?$', line)
                assert found, line
                listed[found.group(2).decode()] = found.group(1).decode().split()
            for name, use in [('Drafts', '\\Drafts'), ('Sent', '\\Sent'), ('Trash', '\\Trash'), ('Junk', '\\Junk'), ('Archive', '\\Archive')]:
                assert use in listed[name], (name, listed)
            assert 'INBOX' in listed, listed
            only_special = ok(m.list('""', '%'))
            assert len(only_special) == len(listed), (only_special, listed)
            typ, data = m._simple_command('LIST', '(SPECIAL-USE)', '""', '*')
            special = flat(m._untagged_response(typ, data, 'LIST')[1])
            assert b'INBOX' not in special and b'\\Sent' in special, special

            ok(m.create('Projects'))
            ok(m.create('Projects/2024'))
            ok(m.create('Entw&APw-rfe'))
            typ, data = m.create('Projects')
            assert typ == 'NO', (typ, data)
            listed = b'\n'.join(ok(m.list('""', '*')))
            assert b'(\\HasChildren) "/" "Projects"' in listed or b'(\\HasChildren) "/" Projects' in listed, listed
            assert b'Projects/2024' in listed and b'Entw&APw-rfe' in listed, listed
            ok(m.rename('Projects/2024', 'Projects/2025'))
            listed = b'\n'.join(ok(m.list('""', 'Projects/*')))
            assert b'Projects/2025' in listed and b'Projects/2024' not in listed, listed
            # CREATE subscribes the new folder (and RENAME carries the subscription along).
            lsub = b'\n'.join(ok(m.lsub('""', '*')))
            assert b'Projects/2025' in lsub and b'Entw&APw-rfe' in lsub, lsub
            ok(m.unsubscribe('Projects/2025'))
            lsub = b'\n'.join(d for d in ok(m.lsub('""', '*')) if d)
            assert b'Projects/2025' not in lsub and b'Trash' in lsub, lsub
            ok(m.subscribe('Projects/2025'))
            assert b'Projects/2025' in b'\n'.join(ok(m.lsub('""', 'Projects/%'))), 'not subscribed again'

            append_three(m, 'Projects/2025')
            status = ok(m.status('Projects/2025', '(MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)'))[0]
            assert re.search(rb'MESSAGES 3\b', status) and re.search(rb'UIDNEXT 4\b', status) and re.search(rb'UNSEEN 2\b', status) and re.search(rb'RECENT 3\b', status), status
            ok(m.delete('Projects/2025'))
            listed = b'\n'.join(ok(m.list('""', '*')))
            assert b'Projects/2025' not in listed, listed
            typ, data = m.select('Projects/2025')
            assert typ == 'NO' and b'NONEXISTENT' in data[0], (typ, data)
            typ, data = m.delete('INBOX')
            assert typ == 'NO', (typ, data)
            # RFC 3501 §6.3.5: renaming INBOX moves its messages to the new name and leaves INBOX, empty.
            append_three(m)
            ok(m.rename('INBOX', '"Old mail"'))
            assert b'MESSAGES 0' in ok(m.status('INBOX', '(MESSAGES)'))[0]
            assert b'MESSAGES 3' in ok(m.status('"Old mail"', '(MESSAGES)'))[0]
            m.logout()
            """);
    }

    [Fact]
    public async Task Imaplib_over_implicit_TLS_appends_and_fetches_every_item()
    {
        await Python("""
            m = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=ctx, timeout=20)
            assert 'AUTH=PLAIN' in m.capabilities and 'STARTTLS' not in m.capabilities and 'LOGINDISABLED' not in m.capabilities, m.capabilities
            ok(m.authenticate('PLAIN', lambda _: b'\0' + USER.encode() + b'\0' + PASSWORD.encode()))
            uids = append_three(m)
            assert uids == [1, 2, 3], uids

            # EXAMINE is read-only: even BODY[] leaves \Seen alone.
            typ, data = m.select('INBOX', readonly=True)
            assert typ == 'OK' and data == [b'3'], (typ, data)
            assert 'READ-ONLY' in m.untagged_responses, m.untagged_responses
            fetched = flat(ok(m.fetch('1', '(FLAGS BODY[])')))
            assert REPORT in fetched and b'\\Seen' not in fetched, fetched
            typ, data = m.store('1', '+FLAGS', r'(\Seen)')
            assert typ == 'NO', (typ, data)
            ok(m.close())

            typ, data = m.select('INBOX')
            assert typ == 'OK' and data == [b'3'], (typ, data)
            fetched = flat(ok(m.uid('FETCH', '1', '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)')))
            assert b'UID 1' in fetched and b'RFC822.SIZE %d' % len(REPORT) in fetched, fetched
            flags = re.search(rb'FLAGS \(([^)]*)\)', fetched).group(1).split()
            assert sorted(flags) == sorted([b'\\Flagged', b'$Label1', b'\\Recent']), flags
            internal = re.search(rb'INTERNALDATE "([^"]+)"', fetched).group(1).decode()
            when = datetime.datetime.strptime(internal, '%d-%b-%Y %H:%M:%S %z')
            assert when == datetime.datetime(2024, 3, 15, 9, 20, 30, tzinfo=datetime.timezone.utc), internal
            assert b'ENVELOPE ("Fri, 15 Mar 2024 10:20:30 +0100" "Quarterly report" ((' in fetched, fetched
            assert b'NIL "renee" "elsewhere.example"))' in fetched, fetched
            assert b'(("Bob" NIL "bob" "example.com"))' in fetched and b'"<q1@elsewhere.example>")' in fetched, fetched

            structure = flat(ok(m.fetch('1', '(BODYSTRUCTURE)'))).lower()
            # PART1 has no line break of its own (the CRLF before "--xyz" is the delimiter's): 0 lines.
            part1 = b'("text" "plain" ("charset" "utf-8") nil nil "8bit" %d 0' % len(PART1)
            part2 = b'("application" "octet-stream" ("name" "data.bin") nil nil "base64" 16'
            assert part1 in structure and part2 in structure, structure
            assert b'"mixed" ("boundary" "xyz")' in structure and b'("attachment" ("filename" "data.bin"))' in structure, structure
            body = flat(ok(m.fetch('1', '(BODY)'))).lower()
            assert part1 + b')' in body and body.rstrip().endswith(b'"mixed"))'), body

            # Every section, all PEEK: \Seen stays off.
            def section(spec):
                data = ok(m.fetch('1', '(BODY.PEEK[%s])' % spec))
                assert isinstance(data[0], tuple), data
                return data[0][1]
            assert section('') == REPORT
            assert section('HEADER') == HEADER
            assert section('TEXT') == TEXT
            assert section('1') == PART1
            assert section('1.MIME') == PART1_MIME
            assert section('2') == b'AAECAwQFBgcICQ=='
            assert section('HEADER.FIELDS (Subject X-Tracking)') == b'Subject: Quarterly report\r\nX-Tracking: blue-42\r\n\r\n', section('HEADER.FIELDS (Subject X-Tracking)')
            assert section('HEADER.FIELDS.NOT (From To Subject Date Message-ID X-Tracking MIME-Version)') == b'Content-Type: multipart/mixed; boundary="XYZ"\r\n\r\n'
            partial = flat(ok(m.fetch('1', '(BODY.PEEK[]<0.10>)')))
            assert b'BODY[]<0> {10}' in partial and partial.endswith(REPORT[:10] + b')'), partial
            partial = flat(ok(m.fetch('1', '(BODY.PEEK[TEXT]<2.5>)')))
            assert b'BODY[TEXT]<2> {5}' in partial and TEXT[2:7] in partial, partial
            rfc822 = ok(m.fetch('1', '(RFC822.HEADER)'))
            assert rfc822[0][1] == HEADER and b'RFC822.HEADER' in rfc822[0][0], rfc822
            assert b'\\Seen' not in flat(ok(m.fetch('1', 'FLAGS'))), 'PEEK set \\Seen'

            # Without PEEK the first read sets \Seen and says so in the same response.
            fetched = ok(m.fetch('1', '(BODY[1])'))
            assert fetched[0][1] == PART1 and b'\\Seen' in flat(fetched), fetched
            fetched = ok(m.fetch('3', '(RFC822.TEXT)'))
            assert fetched[0][1] == BIG[BIG.index(b'\r\n\r\n') + 4:] and b'\\Seen' in flat(fetched), fetched
            fetched = ok(m.fetch('2', '(RFC822)'))
            assert fetched[0][1] == LUNCH, fetched
            fetched = flat(ok(m.fetch('1:*', '(UID FLAGS)')))
            assert fetched.count(b'\\Seen') == 3, fetched
            fast = flat(ok(m.fetch('2', 'FULL')))
            assert b'ENVELOPE' in fast and b'BODY (' in fast and b'INTERNALDATE' in fast, fast
            try:
                m.fetch('9', 'FLAGS')
                raise AssertionError('a sequence number beyond the mailbox was accepted')
            except imaplib.IMAP4.error as e:
                assert 'BAD' in str(e), e
            m.logout()
            """);
    }

    [Fact]
    public async Task Imaplib_searches_by_many_criteria_including_UTF8()
    {
        await Python("""
            m = starttls()
            ok(m.login(USER, PASSWORD))
            append_three(m)
            ok(m.select('INBOX'))
            assert search(m, 'ALL') == [1, 2, 3]
            m.response('EXISTS')  # forget SELECT's
            ok(m.append('INBOX', None, None, b'Subject: fourth\r\n\r\nlate\r\n'))
            assert m.response('EXISTS')[1] == [b'4'], 'APPEND into the selected mailbox without EXISTS'
            ok(m.store('4', '+FLAGS.SILENT', r'(\Deleted \Seen)'))
            ok(m.expunge())
            assert search(m, 'FROM', 'alice') == [2]
            assert search(m, 'OR', 'FROM', 'alice', 'FROM', 'carol') == [2, 3]
            assert search(m, 'UNSEEN') == [1, 3]
            assert search(m, 'NOT', 'SEEN') == [1, 3]
            assert search(m, 'NOT', 'FROM', 'alice', 'UNSEEN') == [1, 3]
            assert search(m, 'FLAGGED') == [1]
            assert search(m, 'KEYWORD', '$Label1') == [1]
            assert search(m, '1:2', 'NOT', 'FLAGGED') == [2]
            assert search(m, 'UID', '2:3') == [2, 3]
            assert search(m, 'SINCE', '1-Jun-2024') == [2, 3]
            assert search(m, 'BEFORE', '1-Jun-2024') == [1]
            assert search(m, 'ON', '10-Jan-2025') == [3]
            assert search(m, 'SENTBEFORE', '1-Jan-2025') == [1, 2]
            assert search(m, 'LARGER', '3000') == [3]
            assert search(m, 'SMALLER', '3000') == [1, 2]
            assert search(m, 'BODY', 'noon') == [2]
            assert search(m, 'BODY', 'blue-42') == []
            assert search(m, 'TEXT', 'blue-42') == [1]
            assert search(m, 'HEADER', 'X-Tracking', 'red-7') == [2]
            assert search(m, 'HEADER', 'Message-ID', '""') == [1]
            assert search(m, 'SUBJECT', 'lunch') == [2]
            assert search(m, 'TO', 'bob@example.com') == [1, 2, 3]
            assert search(m, 'OR', 'SUBJECT', 'lunch', 'NOT', 'OR', 'LARGER', '3000', 'FLAGGED') == [2]
            m.literal = 'crème'.encode('utf-8')
            assert search(m, 'BODY', charset='UTF-8') == [1]
            m.literal = 'grüße'.encode('utf-8')
            assert search(m, 'SUBJECT', charset='UTF-8') == [3]
            m.literal = 'Renée'.encode('utf-8')
            assert search(m, 'FROM', charset='UTF-8') == [1]
            assert uid_search(m, 'FROM', 'carol') == [3]
            typ, data = m.search('KOI8-R', 'ALL')
            assert typ == 'NO' and b'BADCHARSET' in data[0], (typ, data)
            try:
                m.search(None, 'NOSUCHKEY')
                raise AssertionError('an unknown search key was accepted')
            except imaplib.IMAP4.error as e:
                assert 'BAD' in str(e), e
            m.logout()
            """);
    }

    [Fact]
    public async Task Imaplib_stores_copies_moves_and_expunges()
    {
        await Python("""
            m = starttls()
            ok(m.login(USER, PASSWORD))
            append_three(m)
            append_three(m)
            ok(m.select('INBOX'))

            stored = flat(ok(m.store('1', '+FLAGS', r'(\Answered)')))
            assert re.search(rb'^1 \(FLAGS \(([^)]*)\)\)', stored) and b'\\Answered' in stored and b'\\Flagged' in stored, stored
            stored = flat(ok(m.store('1', '-FLAGS', r'(\Flagged)')))
            assert b'\\Answered' in stored and b'\\Flagged' not in stored, stored
            stored = flat(ok(m.store('2', 'FLAGS', r'(\Draft Custom1)')))
            flags = re.search(rb'FLAGS \(([^)]*)\)', stored).group(1).split()
            assert sorted(flags) == sorted([b'\\Draft', b'Custom1', b'\\Recent']), stored
            assert ok(m.store('3', '+FLAGS.SILENT', r'(\Flagged)')) == [None]
            assert search(m, 'FLAGGED') == [3, 4]
            assert search(m, 'KEYWORD', 'Custom1') == [2]

            copied = ok(m.copy('1:2', 'Archive'))[0]
            found = re.match(rb'\[COPYUID (\d+) (1:2|1,2) (1:2|1,2)\]', copied)
            assert found, copied
            ok(m.select('Archive'))
            fetched = flat(ok(m.fetch('1:2', '(FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])')))
            assert b'Quarterly report' in fetched and b'Lunch' in fetched and b'Custom1' in fetched and b'\\Answered' in fetched, fetched
            ok(m.select('INBOX'))

            typ, data = m.uid('MOVE', '3', 'Trash')
            assert typ == 'OK', (typ, data)
            assert m.response('EXPUNGE')[1] == [b'3'], 'no EXPUNGE after MOVE'
            # RFC 6851 §4.3: the COPYUID of a MOVE comes in an untagged OK before the EXPUNGE.
            moved = m.response('COPYUID')[1]
            assert moved and re.match(rb'\d+ 3 1$', moved[0]), moved
            assert search(m, 'ALL') == [1, 2, 3, 4, 5]
            assert uid_search(m, 'ALL') == [1, 2, 4, 5, 6]
            ok(m.select('Trash'))
            assert search(m, 'FROM', 'carol') == [1]
            ok(m.select('INBOX'))

            ok(m.store('1,3', '+FLAGS.SILENT', r'(\Deleted)'))
            # Either order RFC 3501 §7.4.1 allows: highest first, or each number as it stands after the one before.
            expunged = ok(m.expunge())
            assert expunged in ([b'3', b'1'], [b'1', b'2']), expunged
            # The message that was 4 (UID 5) is now 2.
            assert uid_search(m, 'ALL') == [2, 5, 6], uid_search(m, 'ALL')
            ok(m.store('1:*', '+FLAGS.SILENT', r'(\Deleted)'))
            ok(m.uid('EXPUNGE', '5'))
            assert m.response('EXPUNGE')[1] == [b'2'], 'UID EXPUNGE 5 must expunge sequence 2 only'
            assert uid_search(m, 'ALL') == [2, 6]
            ok(m.close())
            status = ok(m.status('INBOX', '(MESSAGES)'))[0]
            assert b'MESSAGES 0' in status, status
            m.logout()
            """);
    }

    /// <summary>
    /// QRESYNC (RFC 7162 §3.2) as imaplib drives it: ENABLE QRESYNC, a second connection expunges and flags, and the first
    /// comes back with SELECT (QRESYNC (uidvalidity modseq)) and UID FETCH (CHANGEDSINCE n VANISHED), reading VANISHED
    /// (EARLIER) and the changed FETCHes from imaplib's untagged responses; an expunge of its own is a VANISHED.
    /// </summary>
    [Fact]
    public async Task Imaplib_resyncs_with_qresync_and_hears_vanished()
    {
        await Python("""
            m = starttls(); ok(m.login(USER, PASSWORD))
            assert 'QRESYNC' in m.capabilities, m.capabilities
            ok(m.create('Resync'))
            uids = append_three(m, 'Resync')
            ok(m.enable('QRESYNC'))
            assert m.untagged_responses.pop('ENABLED', []) == [b'QRESYNC'], m.untagged_responses
            ok(m.select('Resync'))
            validity = int(m.untagged_responses['UIDVALIDITY'][0])
            modseq = int(m.untagged_responses['HIGHESTMODSEQ'][0])
            m.logout()

            other = starttls(); ok(other.login(USER, PASSWORD)); ok(other.select('Resync'))
            ok(other.uid('STORE', str(uids[0]), '+FLAGS.SILENT', r'(\Deleted)'))
            ok(other.expunge())
            ok(other.uid('STORE', str(uids[2]), '+FLAGS.SILENT', r'(\Answered)'))
            other.logout()

            m = starttls(); ok(m.login(USER, PASSWORD)); ok(m.enable('QRESYNC'))
            typ, data = m._simple_command('SELECT', 'Resync (QRESYNC (%d %d))' % (validity, modseq))
            assert typ == 'OK', (typ, data)
            m.state = 'SELECTED'
            vanished = m.untagged_responses.pop('VANISHED', [])
            assert vanished == [b'(EARLIER) %d' % uids[0]], vanished
            fetches = m.untagged_responses.pop('FETCH', [])
            assert len(fetches) == 1 and (b'UID %d ' % uids[2]) in fetches[0] and b'\\Answered' in fetches[0] and b'MODSEQ' in fetches[0], fetches

            typ, data = m.uid('FETCH', '1:*', '(FLAGS) (CHANGEDSINCE %d VANISHED)' % modseq)
            assert typ == 'OK', (typ, data)
            assert m.untagged_responses.pop('VANISHED', []) == [b'(EARLIER) %d' % uids[0]]

            ok(m.uid('STORE', str(uids[1]), '+FLAGS.SILENT', r'(\Deleted)'))
            typ, data = m._simple_command('EXPUNGE')
            assert typ == 'OK', (typ, data)
            assert m.untagged_responses.pop('VANISHED', []) == [b'%d' % uids[1]], m.untagged_responses
            assert 'EXPUNGE' not in m.untagged_responses, m.untagged_responses
            m.logout()
            """);
    }

    /// <summary>
    /// Three of the bugs of issue 10 as imaplib meets them: a RENAME onto a deleted but still subscribed name (RFC 3501
    /// §6.3.6, RFC 5258 §3), a LIST/LSUB pattern in modified UTF-7 (RFC 3501 §5.1.3), and keywords announced in FLAGS and
    /// PERMANENTFLAGS at SELECT and when a new one appears, by this session or another (RFC 3501 §7.2.6).
    /// </summary>
    [Fact]
    public async Task Imaplib_renames_onto_a_stale_subscription_lists_utf7_patterns_and_sees_keywords_announced()
    {
        await Python("""
            def untagged(m, typ, data, name):
                return [d for d in m._untagged_response(typ, data, name)[1] if d is not None]

            m = starttls()
            ok(m.login(USER, PASSWORD))
            ok(m.create('Projects'))
            ok(m.delete('Projects'))
            typ, data = m._simple_command('LIST', '(SUBSCRIBED)', '""', 'Projects*')
            assert untagged(m, typ, data, 'LIST') == [b'(\Subscribed \NonExistent) "/" "Projects"'], data
            ok(m.create('Projects-old'))
            ok(m.rename('Projects-old', 'Projects'))
            assert ok(m.lsub('""', 'Projects*')) == [b'(\HasNoChildren) "/" "Projects"'], 'one subscription, of the renamed mailbox'
            assert ok(m.list('""', 'Projects*')) == [b'(\HasNoChildren) "/" "Projects"']

            ok(m.create('"Entw&APw-rfe"'))
            assert ok(m.list('""', '"Entw&APw-rfe"')) == [b'(\HasNoChildren) "/" "Entw&APw-rfe"']
            assert ok(m.lsub('""', 'Entw&APw-*')) == [b'(\HasNoChildren) "/" "Entw&APw-rfe"']

            system = b'\Answered \Flagged \Deleted \Seen \Draft'
            ok(m.append('INBOX', '($Work)', None, LUNCH))
            ok(m.append('INBOX', None, None, LUNCH))
            ok(m.select('INBOX'))
            assert m.response('FLAGS')[1] == [b'(' + system + b' $Work)'], m.untagged_responses
            assert m.response('PERMANENTFLAGS')[1] == [b'(' + system + b' $Work \*)'], m.untagged_responses
            ok(m.store('2', '+FLAGS', '(Later)'))
            assert m.response('FLAGS')[1] == [b'(' + system + b' $Work Later)'], 'a keyword new to the mailbox is announced'
            other = starttls()
            ok(other.login(USER, PASSWORD))
            ok(other.select('INBOX'))
            ok(other.store('1', '+FLAGS.SILENT', '(Urgent)'))
            other.logout()
            ok(m.noop())
            assert m.response('FLAGS')[1] == [b'(' + system + b' $Work Later Urgent)'], "another session's keyword is announced"
            fetched = flat(ok(m.fetch('1', '(FLAGS)')))
            assert b'Urgent' in fetched, fetched
            m.logout()
            """);
    }

    [Fact]
    public async Task Imaplib_IDLE_sees_a_message_delivered_over_SMTP()
    {
        var output = await Python("""
            m = starttls()
            ok(m.login(USER, PASSWORD))
            typ, data = m.select('INBOX')
            assert data == [b'0'], data
            tag = m._new_tag()
            m.send(tag + b' IDLE\r\n')
            line = m.readline()
            assert line.startswith(b'+'), line
            s = smtplib.SMTP(HOST, SMTP, timeout=20)
            assert s.sendmail('alice@elsewhere.example', [USER], b'Subject: while idling\r\n\r\nhello\r\n') == {}
            s.quit()
            m.sock.settimeout(20)
            seen = []
            while not any(l.endswith(b'EXISTS\r\n') for l in seen):
                seen.append(m.readline())
            assert b'* 1 EXISTS\r\n' in seen, seen
            m.send(b'DONE\r\n')
            while True:
                line = m.readline()
                if line.startswith(tag):
                    break
            assert line.startswith(tag + b' OK'), line
            fetched = ok(m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'))
            print(fetched[0][1].decode().strip())
            m.logout()
            """);
        Assert.Equal("Subject: while idling", output.Trim());
    }

    [Fact]
    public async Task Getquotaroot_reports_the_quota_set_by_an_administrator()
    {
        await _host.Get<UserService>().UpdateAsync(Actor.CommandLine, "bob@example.com", new UserChanges(QuotaBytes: 10L * 1024 * 1024));
        await Python("""
            m = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=ctx, timeout=20)
            ok(m.login(USER, PASSWORD))
            append_three(m)
            append_three(m, 'Archive')
            typ, data = m.getquotaroot('INBOX')
            assert typ == 'OK', (typ, data)
            roots, quotas = data
            assert roots in ([b'INBOX ""'], [b'"INBOX" ""']), roots
            used = (2 * (len(REPORT) + len(LUNCH) + len(BIG)) + 1023) // 1024
            assert quotas == [b'"" (STORAGE %d 10240)' % used], (quotas, used)
            typ, data = m.getquota('""')
            assert typ == 'OK' and data == [b'"" (STORAGE %d 10240)' % used], (typ, data)
            m.logout()
            """);
        await _host.Get<UserService>().UpdateAsync(Actor.CommandLine, "bob@example.com", new UserChanges(QuotaBytes: 1024));
        await Python("""
            m = starttls()
            ok(m.login(USER, PASSWORD))
            typ, data = m.append('INBOX', None, None, LUNCH)
            assert typ == 'NO' and b'OVERQUOTA' in data[0], (typ, data)
            m.logout()
            """);
    }

    [Fact]
    public async Task Curl_lists_fetches_and_searches_over_STARTTLS()
    {
        await Python("""
            m = starttls()
            ok(m.login(USER, PASSWORD))
            append_three(m)
            m.logout()
            """);
        var url = $"imap://127.0.0.1:{Port(_host.ImapPort)}";
        var list = await Curl($"{url}/");
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" INBOX", list.Replace("\"INBOX\"", "INBOX", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("\\Sent) \"/\" ", list, StringComparison.Ordinal);

        var message = await Curl($"{url}/INBOX;UID=2");
        Assert.Equal("From: Alice <alice@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: Lunch\r\nDate: Sat, 01 Jun 2024 12:00:00 +0000\r\nX-Tracking: red-7\r\n\r\nsee you at noon\r\n", message);

        var section = await Curl($"{url}/INBOX;UID=1;SECTION=1");
        Assert.Equal("Numbers look good. Café crème for everyone.", section);

        var fetched = await Curl($"{url}/INBOX", "-X", "UID FETCH 2 BODY[]");
        Assert.StartsWith("* 2 FETCH (UID 2 BODY[] {", fetched, StringComparison.Ordinal);

        var searched = await Curl($"{url}/INBOX", "-X", "SEARCH FROM alice");
        Assert.Equal("* SEARCH 2", searched.Trim());
        searched = await Curl($"{url}/INBOX?LARGER%203000");
        Assert.Equal("* SEARCH 3", searched.Trim());

        var examined = await Curl($"{url}/", "-X", "EXAMINE INBOX");
        Assert.Contains("* 3 EXISTS", examined, StringComparison.Ordinal);

        var (code, _, error) = await ExternalProgram.RunAsync("curl", ["--silent", "--show-error", "--ssl-reqd", "--insecure", $"{url}/INBOX;UID=1", "--user", "bob@example.com:wrong"]);
        Assert.NotEqual(0, code);
        Assert.Contains("Login denied", error, StringComparison.Ordinal);
    }

    private static async Task<string> Curl(string url, params string[] extra)
    {
        var (code, output, error) = await ExternalProgram.RunAsync("curl", ["--silent", "--show-error", "--ssl-reqd", "--insecure", url, "--user", $"bob@example.com:{Password}", .. extra]);
        Assert.True(code == 0, $"curl {url} {string.Join(' ', extra)} failed ({code}): {error}\n{output}");
        return output;
    }
}
