using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>A raw IMAP client: sends exact bytes, reads until the tagged answer, with a timeout.</summary>
internal sealed class ImapWire : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private ImapWire(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public string Greeting { get; private set; } = "";

    public static async Task<ImapWire> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var wire = new ImapWire(client);
        wire.Greeting = await wire.ReadLineAsync();
        return wire;
    }

    /// <summary>Connected, through STARTTLS and signed in with LOGIN (which must succeed): where most tests start.</summary>
    public static async Task<ImapWire> SignedInAsync(int port, string address, string password)
    {
        var wire = await ConnectAsync(port);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        Assert.StartsWith("t1 OK", (await wire.CommandAsync("t1", $"LOGIN {address} {password}"))[^1], StringComparison.Ordinal);
        return wire;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command (CRLF added) and returns every line up to and including the tagged one.</summary>
    public async Task<List<string>> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await UntilTaggedAsync(tag);
    }

    public async Task<List<string>> UntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    public async Task StartTlsAsync()
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        _stream = tls;
    }

    /// <summary>A line without CRLF; literals inside it are read whole and kept inline.</summary>
    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var line = new List<byte>();
        while (true)
        {
            var b = await ReadByteAsync(timeout.Token);
            if (b < 0)
            {
                throw new EndOfStreamException("server closed: " + Encoding.UTF8.GetString([.. line]));
            }
            line.Add((byte)b);
            if (line.Count >= 2 && line[^2] == '\r' && line[^1] == '\n')
            {
                var text = Encoding.UTF8.GetString([.. line]);
                var open = text.LastIndexOf('{');
                if (text.EndsWith("}\r\n", StringComparison.Ordinal) && open >= 0 && int.TryParse(text[(open + 1)..^3], out var size))
                {
                    for (var i = 0; i < size; i++)
                    {
                        line.Add((byte)await ReadByteAsync(timeout.Token));
                    }
                    continue;
                }
                return text[..^2];
            }
        }
    }

    public async Task<bool> IsClosedAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await ReadByteAsync(timeout.Token) >= 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private readonly byte[] _one = new byte[4096];
    private int _at;
    private int _count;

    private async Task<int> ReadByteAsync(CancellationToken cancellationToken)
    {
        if (_at == _count)
        {
            _count = await _stream.ReadAsync(_one, cancellationToken);
            _at = 0;
            if (_count == 0)
            {
                return -1;
            }
        }
        return _one[_at++];
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}

/// <summary>Transcripts per command against the running host: the answers and their response codes.</summary>
public sealed class ImapTranscriptTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;
    private int _imap;

    public async Task InitializeAsync()
    {
        _imap = FreePort.Get();
        _host = await RunningHost.StartWithSmtpAsync($"--Appliance:Listeners:Imap={_imap}", "--Appliance:Imap:MaxBadCommands=1000");
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("carol@example.com", Password, "Carol"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<ImapWire> SignedInAsync(string user = "bob@example.com")
    {
        var wire = await ImapWire.ConnectAsync(_imap);
        await wire.CommandAsync("t0", "STARTTLS");
        await wire.StartTlsAsync();
        var login = await wire.CommandAsync("t1", $"LOGIN {user} {Password}");
        Assert.StartsWith("t1 OK [CAPABILITY IMAP4rev1", login[^1], StringComparison.Ordinal);
        return wire;
    }

    [Fact]
    public async Task Greeting_capability_and_login_before_and_after_tls()
    {
        await using var wire = await ImapWire.ConnectAsync(_imap);
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED", wire.Greeting, StringComparison.Ordinal);
        var capability = await wire.CommandAsync("a1", "CAPABILITY");
        Assert.Contains("LOGINDISABLED", capability[0], StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=PLAIN", capability[0], StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=SCRAM-SHA-256", capability[0], StringComparison.Ordinal);
        Assert.Equal("a2 NO [PRIVACYREQUIRED] Use STARTTLS before sending a password", (await wire.CommandAsync("a2", $"LOGIN bob@example.com {Password}"))[^1]);
        Assert.Equal("a3 BAD SELECT is not allowed before logging in", (await wire.CommandAsync("a3", "SELECT INBOX"))[^1]);
        // Before signing in, a literal can only be a name or a password: a big one is refused unread.
        await wire.SendAsync("a3b LOGIN {100000}\r\n");
        Assert.Equal("a3b NO [TOOBIG] Literal too large (the limit is 8192 octets)", await wire.ReadLineAsync());
        Assert.Equal("a4 OK Begin TLS negotiation now", (await wire.CommandAsync("a4", "STARTTLS"))[^1]);
        await wire.StartTlsAsync();
        capability = await wire.CommandAsync("a5", "CAPABILITY");
        Assert.Contains("AUTH=PLAIN AUTH=SCRAM-SHA-256", capability[0], StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", capability[0], StringComparison.Ordinal);
        Assert.Equal("a6 BAD TLS is already active", (await wire.CommandAsync("a6", "STARTTLS"))[^1]);
        Assert.Equal("a7 NO [AUTHENTICATIONFAILED] Authentication failed", (await wire.CommandAsync("a7", "LOGIN bob@example.com wrong-password"))[^1]);
        Assert.StartsWith("a8 OK [CAPABILITY", (await wire.CommandAsync("a8", $"LOGIN \"bob@example.com\" {{{Password.Length}+}}\r\n{Password}"))[^1], StringComparison.Ordinal);
        Assert.Equal("a9 BAD LOGIN is not allowed once logged in", (await wire.CommandAsync("a9", $"LOGIN bob@example.com {Password}"))[^1]);
        var logout = await wire.CommandAsync("a10", "LOGOUT");
        Assert.Equal(["* BYE Logging out", "a10 OK LOGOUT completed"], logout);
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task More_than_256_distinct_flag_sets_in_one_view_keep_every_message_s_flags()
    {
        // The view keeps a message's flag set as a one-byte index while there are at most 256 sets; past that it widens.
        await using var wire = await SignedInAsync();
        const int count = 300;
        for (var i = 0; i < count; i++)
        {
            var message = $"Subject: {i}\r\n\r\nbody\r\n";
            Assert.StartsWith($"w{i} OK [APPENDUID", (await wire.CommandAsync($"w{i}", $"APPEND INBOX (\\Flagged kw{i}) {{{message.Length}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
        }
        await using var other = await SignedInAsync();
        Assert.Equal("x1 OK [READ-WRITE] SELECT completed", (await other.CommandAsync("x1", "SELECT INBOX"))[^1]);
        var fetch = await other.CommandAsync("x2", "FETCH 1:* (UID FLAGS)");
        Assert.Equal(count + 1, fetch.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"* {i + 1} FETCH (UID {i + 1} FLAGS (\\Flagged kw{i} \\Recent))", fetch[i]);
        }
        // A change by another session reaches this view at the right message, and the view's own STORE keeps in step.
        Assert.Equal("y1 OK [READ-WRITE] SELECT completed", (await wire.CommandAsync("y1", "SELECT INBOX"))[^1]);
        Assert.Equal(["* 5 FETCH (FLAGS (\\Seen kw4))", "y2 OK STORE completed"], await wire.CommandAsync("y2", "STORE 5 FLAGS (\\Seen kw4)"));
        var noop = await other.CommandAsync("x3", "NOOP");
        Assert.Contains("* 5 FETCH (UID 5 FLAGS (\\Seen kw4 \\Recent))", noop);
        Assert.Equal(["* 299 FETCH (FLAGS (kw1 kw298 \\Recent))", "x4 OK STORE completed"], (await other.CommandAsync("x4", "STORE 299 FLAGS (kw298 kw1)")).Where(l => !l.StartsWith("* FLAGS", StringComparison.Ordinal) && !l.StartsWith("* OK [PERMANENTFLAGS", StringComparison.Ordinal)).ToList());
        Assert.Equal(["* 299 FETCH (FLAGS (kw1 kw298 \\Recent))", "x5 OK FETCH completed"], await other.CommandAsync("x5", "FETCH 299 FLAGS"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged kw0 \\Recent))", "* 300 FETCH (FLAGS (\\Flagged kw299 \\Recent))", "x6 OK FETCH completed"], await other.CommandAsync("x6", "FETCH 1,300 FLAGS"));
    }

    [Fact]
    public async Task Authenticate_plain_with_and_without_initial_response()
    {
        await using var wire = await ImapWire.ConnectAsync(_imap);
        await wire.CommandAsync("a0", "STARTTLS");
        await wire.StartTlsAsync();
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0bob@example.com\0{Password}"));
        await wire.SendAsync("a1 AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await wire.ReadLineAsync());
        await wire.SendAsync("*\r\n");
        Assert.Equal("a1 BAD Authentication cancelled", await wire.ReadLineAsync());
        Assert.Equal("a2 BAD Invalid base64 or PLAIN message", (await wire.CommandAsync("a2", "AUTHENTICATE PLAIN !!!"))[^1]);
        Assert.Equal("a3 NO [CANNOT] Unsupported mechanism CRAM-MD5", (await wire.CommandAsync("a3", "AUTHENTICATE CRAM-MD5"))[^1]);
        await wire.SendAsync("a4 AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await wire.ReadLineAsync());
        await wire.SendAsync(token + "\r\n");
        Assert.StartsWith("a4 OK [CAPABILITY", await wire.ReadLineAsync(), StringComparison.Ordinal);

        await using var second = await ImapWire.ConnectAsync(_imap);
        await second.CommandAsync("b0", "STARTTLS");
        await second.StartTlsAsync();
        Assert.StartsWith("b1 OK", (await second.CommandAsync("b1", "AUTHENTICATE PLAIN " + token))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_failed_logins_close_the_session()
    {
        await using var wire = await ImapWire.ConnectAsync(_imap);
        await wire.CommandAsync("a0", "STARTTLS");
        await wire.StartTlsAsync();
        Assert.StartsWith("a1 NO [AUTHENTICATIONFAILED]", (await wire.CommandAsync("a1", "LOGIN carol@example.com nope1"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("a2 NO [AUTHENTICATIONFAILED]", (await wire.CommandAsync("a2", "LOGIN carol@example.com nope2"))[^1], StringComparison.Ordinal);
        var last = await wire.CommandAsync("a3", "LOGIN carol@example.com nope3");
        Assert.Equal("a3 NO [AUTHENTICATIONFAILED] Authentication failed", last[^1]);
        Assert.Equal("* BYE Too many failed authentications", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task Folders_list_create_rename_delete_subscribe_and_status()
    {
        await using var wire = await SignedInAsync();
        var list = await wire.CommandAsync("a1", "LIST \"\" *");
        Assert.Equal("* LIST (\\HasNoChildren) \"/\" \"INBOX\"", list[0]);
        Assert.Contains("* LIST (\\HasNoChildren \\Drafts) \"/\" \"Drafts\"", list);
        Assert.Contains("* LIST (\\HasNoChildren \\Junk) \"/\" \"Junk\"", list);
        Assert.Equal(["* LIST (\\Noselect) \"/\" \"\"", "a2 OK LIST completed"], await wire.CommandAsync("a2", "LIST \"\" \"\""));
        Assert.Matches(@"^a3 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", (await wire.CommandAsync("a3", "CREATE \"Entw&APw-rfe/2026\""))[^1]);
        Assert.Equal("a4 NO [ALREADYEXISTS] Mailbox already exists", (await wire.CommandAsync("a4", "CREATE Entw&APw-rfe"))[^1]);
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Entw&APw-rfe\"", "* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe/2026\"", "a5 OK LIST completed"],
            await wire.CommandAsync("a5", "LIST \"\" Entw*"));
        Assert.Equal(["* LIST (\\HasChildren) \"/\" \"Entw&APw-rfe\"", "a6 OK LIST completed"], await wire.CommandAsync("a6", "LIST \"\" Entw%"));
        Assert.Equal("a7 BAD Mailbox name is not valid modified UTF-7", (await wire.CommandAsync("a7", "CREATE \"&Jjo\""))[^1]);
        Assert.Equal("a8 OK RENAME completed", (await wire.CommandAsync("a8", "RENAME Entw&APw-rfe Drafts2"))[^1]);
        Assert.Equal("a9 NO [INUSE] Mailbox has folders below it; delete them first", (await wire.CommandAsync("a9", "DELETE Drafts2"))[^1]);
        Assert.Equal("a10 OK DELETE completed", (await wire.CommandAsync("a10", "DELETE Drafts2/2026"))[^1]);
        Assert.Equal("a11 OK DELETE completed", (await wire.CommandAsync("a11", "DELETE Drafts2"))[^1]);
        Assert.Equal("a12 NO [NONEXISTENT] No such mailbox", (await wire.CommandAsync("a12", "DELETE Drafts2"))[^1]);
        Assert.Equal("a13 NO [CANNOT] INBOX cannot be deleted", (await wire.CommandAsync("a13", "DELETE inbox"))[^1]);
        Assert.Equal("a14 OK UNSUBSCRIBE completed", (await wire.CommandAsync("a14", "UNSUBSCRIBE Junk"))[^1]);
        var lsub = await wire.CommandAsync("a15", "LSUB \"\" *");
        Assert.DoesNotContain(lsub, l => l.Contains("Junk", StringComparison.Ordinal));
        Assert.Contains(lsub, l => l.Contains("\"Sent\"", StringComparison.Ordinal));
        var special = await wire.CommandAsync("a16", "LIST (SPECIAL-USE) \"\" *");
        Assert.Equal(6, special.Count); // five special-use folders and the OK
        Assert.Equal(["* STATUS \"INBOX\" (MESSAGES 0 UNSEEN 0)", "a17 OK STATUS completed"], await wire.CommandAsync("a17", "STATUS INBOX (MESSAGES UNSEEN)"));
        Assert.Equal("a18 NO [NONEXISTENT] No such mailbox", (await wire.CommandAsync("a18", "STATUS Nowhere (MESSAGES)"))[^1]);
        Assert.Equal("a19 BAD Unknown STATUS item BOGUS", (await wire.CommandAsync("a19", "STATUS INBOX (BOGUS)"))[^1]);
        Assert.Equal(["* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) ((\"Shared Folders/\" \"/\"))", "a20 OK NAMESPACE completed"], await wire.CommandAsync("a20", "NAMESPACE"));
        Assert.Equal(["* ENABLED CONDSTORE", "a21 OK ENABLE completed"], await wire.CommandAsync("a21", "ENABLE CONDSTORE X-UNKNOWN"));
        Assert.StartsWith("* ID (\"name\" \"Appliance\"", (await wire.CommandAsync("a22", "ID (\"name\" \"test\")"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_select_fetch_store_search_copy_move_and_expunge()
    {
        await using var wire = await SignedInAsync();
        const string message = "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: Report\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n\r\nThe quarterly report.\r\n";
        await wire.SendAsync($"a1 APPEND INBOX (\\Flagged) \"27-Nov-2026 10:00:00 +0100\" {{{message.Length}}}\r\n");
        Assert.Equal("+ Ready for literal data", await wire.ReadLineAsync());
        await wire.SendAsync(message + "\r\n");
        var appended = await wire.UntilTaggedAsync("a1");
        Assert.Matches(@"^a1 OK \[APPENDUID \d+ 1\] APPEND completed$", appended[^1]);
        Assert.StartsWith("a2 OK [APPENDUID", (await wire.CommandAsync("a2", $"APPEND INBOX {{{message.Length}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
        Assert.Equal("a3 NO [TRYCREATE] No such mailbox", (await wire.CommandAsync("a3", "APPEND Nowhere {3+}\r\nabc"))[^1]);

        var select = await wire.CommandAsync("b1", "SELECT INBOX");
        Assert.Contains("* 2 EXISTS", select);
        Assert.Contains("* 2 RECENT", select);
        Assert.Contains("* OK [UNSEEN 1] First unseen", select);
        Assert.Equal("b1 OK [READ-WRITE] SELECT completed", select[^1]);

        var fetch = await wire.CommandAsync("c1", "FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE)");
        Assert.Equal($"* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) RFC822.SIZE {message.Length} INTERNALDATE \"27-Nov-2026 09:00:00 +0000\")", fetch[0]);
        fetch = await wire.CommandAsync("c2", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT]<4.9>)");
        Assert.Equal("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: Report\r\n\r\n BODY[TEXT]<4> {9}\r\nquarterly)", fetch[0]);
        fetch = await wire.CommandAsync("c3", "FETCH 1 BODY[TEXT]");
        Assert.Equal("* 1 FETCH (BODY[TEXT] {23}\r\nThe quarterly report.\r\n FLAGS (\\Flagged \\Seen \\Recent))", fetch[0]);
        Assert.Equal("c4 BAD Message sequence number out of range", (await wire.CommandAsync("c4", "FETCH 3 FLAGS"))[^1]);
        Assert.Equal("c5 BAD Unknown FETCH item BOGUS", (await wire.CommandAsync("c5", "FETCH 1 BOGUS"))[^1]);
        Assert.Equal(["* 2 FETCH (UID 2 FLAGS (\\Recent))", "c6 OK UID FETCH completed"], await wire.CommandAsync("c6", "UID FETCH 2:* FLAGS"));

        // The second ENVELOPE comes from the structure cache and must be the same as the first.
        var envelope = await wire.CommandAsync("c7", "FETCH 1 (ENVELOPE BODYSTRUCTURE)");
        Assert.Equal("* 1 FETCH (ENVELOPE (\"Fri, 27 Nov 2026 10:00:00 +0100\" \"Report\" ((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) ((\"Alice\" NIL \"alice\" \"example.org\")) ((NIL NIL \"bob\" \"example.com\")) NIL NIL NIL NIL) BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 23 1 NIL NIL NIL NIL))", envelope[0]);
        Assert.Equal(envelope[0], (await wire.CommandAsync("c8", "FETCH 1 (ENVELOPE BODYSTRUCTURE)"))[0]);

        Assert.Equal(["* 2 FETCH (FLAGS (\\Answered \\Recent))", "d1 OK STORE completed"], await wire.CommandAsync("d1", "STORE 2 +FLAGS (\\Answered)"));
        Assert.Equal(["d2 OK STORE completed"], await wire.CommandAsync("d2", "STORE 2 -FLAGS.SILENT (\\Answered)"));
        Assert.Equal("d3 BAD \\Recent cannot be stored", (await wire.CommandAsync("d3", "STORE 2 +FLAGS (\\Recent)"))[^1]);

        Assert.Equal(["* SEARCH 1", "e1 OK SEARCH completed"], await wire.CommandAsync("e1", "SEARCH FLAGGED SUBJECT report"));
        Assert.Equal(["* SEARCH 2", "e2 OK SEARCH completed"], await wire.CommandAsync("e2", "SEARCH UNSEEN"));
        Assert.Equal(["* SEARCH 1 2", "e3 OK UID SEARCH completed"], await wire.CommandAsync("e3", "UID SEARCH OR BODY quarterly FROM nobody"));
        Assert.Equal(["* ESEARCH (TAG \"e4\") MIN 1 MAX 2 COUNT 2", "e4 OK SEARCH completed"], await wire.CommandAsync("e4", "SEARCH RETURN (MIN MAX COUNT) ALL"));
        Assert.Equal("e5 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", (await wire.CommandAsync("e5", "SEARCH CHARSET KOI8-R ALL"))[^1]);
        Assert.Equal(["* SEARCH", "e6 OK SEARCH completed"], await wire.CommandAsync("e6", "SEARCH SENTBEFORE 1-Jan-2000"));

        var copy = await wire.CommandAsync("f1", "COPY 1:2 Archive");
        Assert.Matches(@"^f1 OK \[COPYUID \d+ 1,2 1,2\] COPY completed$", copy[^1]);
        Assert.Equal("f2 NO [TRYCREATE] No such mailbox", (await wire.CommandAsync("f2", "COPY 1 Nowhere"))[^1]);
        var move = await wire.CommandAsync("f3", "MOVE 1 Trash");
        Assert.Matches(@"^\* OK \[COPYUID \d+ 1 1\] Moved$", move[0]);
        Assert.Equal("* 1 EXPUNGE", move[1]);
        Assert.Equal("f3 OK MOVE completed", move[^1]);

        Assert.Equal(["* 1 FETCH (FLAGS (\\Deleted \\Recent))", "g1 OK STORE completed"], await wire.CommandAsync("g1", "STORE 1 FLAGS (\\Deleted)"));
        Assert.Equal(["* 1 EXPUNGE", "g2 OK EXPUNGE completed"], await wire.CommandAsync("g2", "EXPUNGE"));
        Assert.Equal(["* STATUS \"INBOX\" (MESSAGES 0)", "g3 OK STATUS completed"], await wire.CommandAsync("g3", "STATUS INBOX (MESSAGES)"));

        var examine = await wire.CommandAsync("h1", "EXAMINE Archive");
        Assert.Equal("h1 OK [READ-ONLY] EXAMINE completed", examine[^1]);
        Assert.Equal("h2 NO [READ-ONLY] Mailbox is read-only", (await wire.CommandAsync("h2", "STORE 1 +FLAGS (\\Seen)"))[^1]);
        Assert.Equal(["h3 OK CLOSE completed"], await wire.CommandAsync("h3", "CLOSE"));
        Assert.Equal("h4 BAD FETCH is not allowed without a selected mailbox", (await wire.CommandAsync("h4", "FETCH 1 FLAGS"))[^1]);
    }

    [Fact]
    public async Task Bad_input_gets_bad_and_the_session_goes_on()
    {
        await using var wire = await SignedInAsync();
        Assert.Equal("a1 BAD Unknown command FROBNICATE", (await wire.CommandAsync("a1", "FROBNICATE"))[^1]);
        Assert.Equal("* BAD Missing tag or command", (await wire.CommandAsync("*", "\u0001\u0002garbage"))[^1]);
        Assert.Equal("a2 BAD UID NOOP is not a command", (await wire.CommandAsync("a2", "UID NOOP"))[^1]);
        Assert.Equal("a3 BAD Unterminated quoted string", (await wire.CommandAsync("a3", "SELECT \"INBOX"))[^1]);
        await wire.SendAsync("a4 NOOP " + new string('x', 70_000) + "\r\n");
        Assert.Equal("* BAD Command line too long", await wire.ReadLineAsync());
        await wire.SendAsync("a5 APPEND INBOX {999999999}\r\n");
        Assert.Equal("a5 NO [TOOBIG] Literal too large (the limit is 52428800 octets)", await wire.ReadLineAsync());
        Assert.Equal(["a6 OK NOOP completed"], await wire.CommandAsync("a6", "NOOP"));

        // Every prefix of a real command: each gets an answer, and the session still serves.
        const string command = "UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100>)";
        await wire.CommandAsync("p0", "SELECT INBOX");
        for (var length = 1; length <= command.Length; length++)
        {
            var answer = await wire.CommandAsync("p" + length, command[..length]);
            Assert.Matches($"^p{length} (OK|BAD|NO) ", answer[^1]);
        }
        Assert.Equal(["z1 OK NOOP completed"], await wire.CommandAsync("z1", "NOOP"));
    }

    [Fact]
    public async Task A_non_synchronizing_literal_over_the_limit_ends_the_session()
    {
        await using var wire = await SignedInAsync();
        await wire.SendAsync("a1 APPEND INBOX {999999999+}\r\n");
        Assert.Equal("* BYE [TOOBIG] Literal too large; closing", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
        await using var other = await SignedInAsync();
        Assert.Equal(["b1 OK NOOP completed"], await other.CommandAsync("b1", "NOOP"));
    }

    [Fact]
    public async Task Check_unselect_uid_expunge_and_idle()
    {
        await using var wire = await SignedInAsync();
        for (var i = 1; i <= 3; i++)
        {
            await wire.CommandAsync("p" + i, $"APPEND INBOX (\\Deleted) {{12+}}\r\nSubject: {i}\r\n");
        }
        Assert.Equal("a0 BAD CHECK needs a selected mailbox", (await wire.CommandAsync("a0", "CHECK"))[^1]);
        await wire.CommandAsync("a1", "SELECT INBOX");
        Assert.Equal(["a2 OK CHECK completed"], await wire.CommandAsync("a2", "CHECK"));
        // UID EXPUNGE removes only the named UIDs among those marked \Deleted (RFC 4315).
        Assert.Equal(["* 2 EXPUNGE", "a3 OK EXPUNGE completed"], await wire.CommandAsync("a3", "UID EXPUNGE 2"));
        Assert.Equal(["* SEARCH 1 3", "a4 OK UID SEARCH completed"], await wire.CommandAsync("a4", "UID SEARCH ALL"));
        // UNSELECT leaves \Deleted messages alone, unlike CLOSE.
        Assert.Equal(["a5 OK UNSELECT completed"], await wire.CommandAsync("a5", "UNSELECT"));
        Assert.Equal(["* STATUS \"INBOX\" (MESSAGES 2)", "a6 OK STATUS completed"], await wire.CommandAsync("a6", "STATUS INBOX (MESSAGES)"));

        await wire.CommandAsync("b1", "SELECT INBOX");
        await wire.SendAsync("b2 IDLE\r\n");
        Assert.Equal("+ idling", await wire.ReadLineAsync());
        await using (var other = await SignedInAsync())
        {
            await other.CommandAsync("c1", "APPEND INBOX {12+}\r\nSubject: 4\r\n");
        }
        Assert.Equal("* 3 EXISTS", await wire.ReadLineAsync());
        Assert.Equal("* 1 RECENT", await wire.ReadLineAsync());
        await wire.SendAsync("DONE\r\n");
        Assert.Equal("b2 OK IDLE terminated", await wire.ReadLineAsync());
        await wire.SendAsync("b3 IDLE\r\n");
        Assert.Equal("+ idling", await wire.ReadLineAsync());
        await wire.SendAsync("NOT-DONE\r\n");
        Assert.Equal("b3 BAD Expected DONE", await wire.ReadLineAsync());
        Assert.Equal(["b4 OK NOOP completed"], await wire.CommandAsync("b4", "NOOP"));
    }

    [Fact]
    public async Task Condstore_modification_sequences_and_saved_search_results()
    {
        await using var wire = await SignedInAsync();
        for (var i = 1; i <= 3; i++)
        {
            await wire.CommandAsync("p" + i, $"APPEND INBOX {{12+}}\r\nSubject: {i}\r\n");
        }
        Assert.Equal(["* STATUS \"INBOX\" (HIGHESTMODSEQ 4)", "a0 OK STATUS completed"], await wire.CommandAsync("a0", "STATUS INBOX (HIGHESTMODSEQ)"));
        var select = await wire.CommandAsync("a1", "SELECT INBOX (CONDSTORE)");
        Assert.Contains("* OK [HIGHESTMODSEQ 4] Highest", select);
        Assert.Equal(["* 2 FETCH (UID 2 MODSEQ (3))", "a2 OK UID FETCH completed"], await wire.CommandAsync("a2", "UID FETCH 2 (UID MODSEQ)"));
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) MODSEQ (5))", "a3 OK STORE completed"], await wire.CommandAsync("a3", "STORE 1 +FLAGS (\\Flagged)"));
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) MODSEQ (5))", "a4 OK UID FETCH completed"], await wire.CommandAsync("a4", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4)"));
        // UNCHANGEDSINCE: message 1 changed after modseq 4, so it is left alone and named in MODIFIED.
        Assert.Equal(["* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ (6))", "a5 OK [MODIFIED 1] Conditional STORE failed for some messages"],
            await wire.CommandAsync("a5", "STORE 1:2 (UNCHANGEDSINCE 4) +FLAGS (\\Seen)"));
        Assert.Equal(["* SEARCH 1 2 (MODSEQ 6)", "a6 OK SEARCH completed"], await wire.CommandAsync("a6", "SEARCH MODSEQ 5"));
        // SEARCHRES: SAVE keeps the result for "$" (RFC 5182).
        Assert.Equal(["a7 OK SEARCH completed"], await wire.CommandAsync("a7", "SEARCH RETURN (SAVE) FLAGGED"));
        Assert.Equal(["* 1 FETCH (UID 1)", "a8 OK FETCH completed"], await wire.CommandAsync("a8", "FETCH $ (UID)"));
    }

    [Fact]
    public async Task Too_many_bad_commands_in_a_row_end_with_bye()
    {
        await using var host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=3");
        await using var wire = await ImapWire.ConnectAsync(host.ImapPort);
        Assert.Equal("a1 BAD Unknown command X", (await wire.CommandAsync("a1", "X"))[^1]);
        Assert.Equal(["a2 OK NOOP completed"], await wire.CommandAsync("a2", "NOOP"));
        Assert.Equal("a3 BAD Unknown command X", (await wire.CommandAsync("a3", "X"))[^1]);
        Assert.Equal("a4 BAD Unknown command X", (await wire.CommandAsync("a4", "X"))[^1]);
        await wire.SendAsync("a5 NOOP " + new string('x', 70_000) + "\r\n");
        Assert.Equal("* BAD Command line too long", await wire.ReadLineAsync());
        Assert.Equal("* BYE Too many invalid commands", await wire.ReadLineAsync());
        Assert.True(await wire.IsClosedAsync());
    }

    [Fact]
    public async Task Connections_per_address_are_limited_and_released()
    {
        await using var host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxConnectionsPerAddress=2");
        await using var first = await ImapWire.ConnectAsync(host.ImapPort);
        await using (var second = await ImapWire.ConnectAsync(host.ImapPort))
        {
            await using var third = await ImapWire.ConnectAsync(host.ImapPort);
            Assert.Equal("* BYE [UNAVAILABLE] Too many connections from your address", third.Greeting);
            Assert.True(await third.IsClosedAsync());
            Assert.Equal(["x1 OK LOGOUT completed"], (await second.CommandAsync("x1", "LOGOUT")).Skip(1));
        }
        await Eventually.HoldsAsync(async () =>
        {
            await using var again = await ImapWire.ConnectAsync(host.ImapPort);
            return again.Greeting.StartsWith("* OK", StringComparison.Ordinal);
        }, "a closed connection frees its place");
    }

    [Fact]
    public async Task Quota_root_and_quota()
    {
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("dave@example.com", Password, "Dave", QuotaBytes: 10 * 1024 * 1024));
        await using var wire = await SignedInAsync("dave@example.com");
        await wire.CommandAsync("a0", "APPEND INBOX {2048+}\r\n" + new string('x', 2048));
        Assert.Equal(["* QUOTAROOT \"INBOX\" \"\"", "* QUOTA \"\" (STORAGE 2 10240)", "a1 OK GETQUOTAROOT completed"], await wire.CommandAsync("a1", "GETQUOTAROOT INBOX"));
        Assert.Equal("a2 NO [NOPERM] Only administrators set quotas", (await wire.CommandAsync("a2", "SETQUOTA \"\" (STORAGE 1)"))[^1]);
        Assert.Equal("a3 NO [NONEXISTENT] No such quota root", (await wire.CommandAsync("a3", "GETQUOTA \"bob@example.com\""))[^1]);

        // An administrator reads and sets another user's quota; the change is the console's, audited.
        await using var admin = await ImapWire.ConnectAsync(_imap);
        await admin.CommandAsync("b0", "STARTTLS");
        await admin.StartTlsAsync();
        await admin.CommandAsync("b1", $"LOGIN admin@example.com {TestServices.AdminPassword}");
        Assert.Equal(["* QUOTA \"dave@example.com\" (STORAGE 2 20480)", "b2 OK SETQUOTA completed"], await admin.CommandAsync("b2", "SETQUOTA dave@example.com (STORAGE 20480)"));
        Assert.Equal(20L * 1024 * 1024, (await _host.Get<UserService>().FindAsync("dave@example.com"))!.QuotaBytes);
        Assert.Equal(["* QUOTA \"\" (STORAGE 2 20480)", "a4 OK GETQUOTA completed"], await wire.CommandAsync("a4", "GETQUOTA \"\""));
        Assert.Equal("b3 NO [CANNOT] Unsupported resource MESSAGE", (await admin.CommandAsync("b3", "SETQUOTA dave@example.com (MESSAGE 10)"))[^1]);
    }
}
