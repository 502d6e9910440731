using System.Globalization;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// METADATA (RFC 5464) against the running host: server and mailbox entries, /private/ per user and /shared/ for
/// everyone who may read, the rights of §3.4, DEPTH and MAXSIZE, RENAME and DELETE, the limits and their response codes.
/// </summary>
public sealed class ImapMetadataTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000", "--Appliance:Imap:MetadataMaxValueSize=1024",
            "--Appliance:Imap:MetadataMaxEntriesPerMailbox=5", "--Appliance:Imap:MetadataMaxBytesPerUser=4096");
        foreach (var user in new[] { "bob", "carol", "limits", "python" })
        {
            await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser($"{user}@example.com", Password));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string address, string password = Password) => ImapWire.SignedInAsync(_host.ImapPort, address, password);

    [Fact]
    public async Task Private_entries_are_each_users_own_and_shared_ones_follow_the_rights()
    {
        await using var bob = await SignedInAsync("bob@example.com");
        await using var carol = await SignedInAsync("carol@example.com");
        Assert.Contains(" METADATA ", (await bob.CommandAsync("b0", "CAPABILITY"))[0], StringComparison.Ordinal);

        // A missing entry asked for is NIL; names are case-insensitive and answered in lower case.
        Assert.Equal(["* METADATA \"INBOX\" (/private/comment NIL)", "b1 OK GETMETADATA completed"], await bob.CommandAsync("b1", "GETMETADATA INBOX /Private/Comment"));
        Assert.Equal(["b2 OK SETMETADATA completed"], await bob.CommandAsync("b2", "SETMETADATA INBOX (/private/comment \"mine\" /shared/comment {10+}\r\nteam inbox)"));
        Assert.Equal(["* METADATA \"INBOX\" (/private/comment \"mine\" /shared/comment \"team inbox\")", "b3 OK GETMETADATA completed"],
            await bob.CommandAsync("b3", "GETMETADATA INBOX (/shared/comment /private/comment)"));
        // Carol's INBOX is her own: nothing of bob's.
        Assert.Equal(["* METADATA \"INBOX\" (/shared/comment NIL)", "c1 OK GETMETADATA completed"], await carol.CommandAsync("c1", "GETMETADATA INBOX /shared/comment"));

        // A folder shared with carol (lr): she reads bob's shared entry, keeps a private one of her own, and may not set a shared one.
        const string projects = "\"Other Users/bob@example.com/Projects\"";
        await bob.CommandAsync("b4", "CREATE Projects");
        Assert.Equal("c2 NO [NONEXISTENT] No such mailbox", (await carol.CommandAsync("c2", $"GETMETADATA {projects} /shared/comment"))[^1]);
        await bob.CommandAsync("b5", "SETMETADATA Projects (/shared/comment \"plans\" /private/comment \"bob's note\")");
        await bob.CommandAsync("b6", "SETACL Projects carol@example.com lr");
        Assert.Equal([$"* METADATA {projects} (/private/comment NIL /shared/comment \"plans\")", "c3 OK GETMETADATA completed"],
            await carol.CommandAsync("c3", $"GETMETADATA {projects} (/shared/comment /private/comment)"));
        Assert.Equal(["c4 OK SETMETADATA completed"], await carol.CommandAsync("c4", $"SETMETADATA {projects} (/private/comment \"carol's note\")"));
        Assert.Equal("c5 NO [NOPERM] You lack the 'w' right to set shared entries on this mailbox",
            (await carol.CommandAsync("c5", $"SETMETADATA {projects} (/shared/comment \"mine now\")"))[^1]);
        Assert.Equal(["* METADATA \"Projects\" (/private/comment \"bob's note\" /shared/comment \"plans\")", "b7 OK GETMETADATA completed"],
            await bob.CommandAsync("b7", "GETMETADATA Projects (/private/comment /shared/comment)"));
        Assert.Equal([$"* METADATA {projects} (/private/comment \"carol's note\")", "c6 OK GETMETADATA completed"],
            await carol.CommandAsync("c6", $"GETMETADATA {projects} /private/comment"));

        // With 'w' she may change the shared one, and bob sees it.
        await bob.CommandAsync("b8", "SETACL Projects carol@example.com +w");
        Assert.Equal(["c7 OK SETMETADATA completed"], await carol.CommandAsync("c7", $"SETMETADATA {projects} (/shared/comment \"revised plans\")"));
        Assert.Equal(["* METADATA \"Projects\" (/shared/comment \"revised plans\")", "b9 OK GETMETADATA completed"], await bob.CommandAsync("b9", "GETMETADATA Projects /shared/comment"));

        // RFC 5464 §3.3: 'l' and any one of r, s, w, i, p. With 'l' and 'i' (she may only drop messages in) she reads
        // entries and keeps private ones; with 'l' alone the folder is there, its entries are not hers to read or set.
        await bob.CommandAsync("b10", "SETACL Projects carol@example.com li");
        Assert.Equal([$"* METADATA {projects} (/private/comment \"carol's note\" /shared/comment \"revised plans\")", "c8 OK GETMETADATA completed"],
            await carol.CommandAsync("c8", $"GETMETADATA {projects} (/shared/comment /private/comment)"));
        Assert.Equal(["c9 OK SETMETADATA completed"], await carol.CommandAsync("c9", $"SETMETADATA {projects} (/private/comment \"still mine\")"));
        Assert.Equal("c9b NO [NOPERM] You lack the 'w' right to set shared entries on this mailbox",
            (await carol.CommandAsync("c9b", $"SETMETADATA {projects} (/shared/comment NIL)"))[^1]);
        await bob.CommandAsync("b10b", "SETACL Projects carol@example.com l");
        const string noRights = "NO [NOPERM] Annotations need one of the 'r', 's', 'w', 'i' or 'p' rights on this mailbox";
        Assert.Equal($"c9c {noRights}", (await carol.CommandAsync("c9c", $"GETMETADATA {projects} /shared/comment"))[^1]);
        Assert.Equal($"c9d {noRights}", (await carol.CommandAsync("c9d", $"SETMETADATA {projects} (/private/comment NIL)"))[^1]);

        // Entries the server does not keep, and bad names.
        Assert.Equal("b11 NO [CANNOT] /private/colour is not an entry of this server; use /shared/vendor/ or /private/vendor/",
            (await bob.CommandAsync("b11", "SETMETADATA INBOX (/private/colour \"red\")"))[^1]);
        Assert.Equal("b12 NO [CANNOT] /shared/admin is not an entry of this server; use /shared/vendor/ or /private/vendor/",
            (await bob.CommandAsync("b12", "SETMETADATA INBOX (/shared/admin \"mailto:bob@example.com\")"))[^1]);
        Assert.Equal(["b13 BAD Invalid character in entry name"], await bob.CommandAsync("b13", "GETMETADATA INBOX \"/shared/a%\""));
        // A space is allowed in a name (§3.2), and the answer quotes such a name.
        Assert.Equal(["b13b OK SETMETADATA completed"], await bob.CommandAsync("b13b", "SETMETADATA INBOX (\"/private/vendor/x/two words\" \"y\")"));
        Assert.Equal(["* METADATA \"INBOX\" (\"/private/vendor/x/two words\" \"y\")", "b13c OK GETMETADATA completed"],
            await bob.CommandAsync("b13c", "GETMETADATA INBOX \"/private/vendor/x/two words\""));
        Assert.Equal("b14 NO [NONEXISTENT] No such mailbox", (await bob.CommandAsync("b14", "GETMETADATA Nowhere /shared/comment"))[^1]);
        // NIL removes.
        Assert.Equal(["b15 OK SETMETADATA completed"], await bob.CommandAsync("b15", "SETMETADATA INBOX (/private/comment NIL)"));
        Assert.Equal(["* METADATA \"INBOX\" (/private/comment NIL)", "b16 OK GETMETADATA completed"], await bob.CommandAsync("b16", "GETMETADATA INBOX /private/comment"));
        Assert.Equal(["b17 OK SETMETADATA completed"], await bob.CommandAsync("b17", "SETMETADATA INBOX (/private/comment NIL)"));
    }

    [Fact]
    public async Task Depth_and_maxsize_choose_the_entries_and_longentries_names_the_longest_left_out()
    {
        await using var bob = await SignedInAsync("bob@example.com");
        await bob.CommandAsync("a0", "CREATE Depth");
        Assert.Equal(["a1 OK SETMETADATA completed"], await bob.CommandAsync("a1",
            "SETMETADATA Depth (/private/vendor/acme/a \"1\" /private/vendor/acme/a/b \"22\" /private/vendor/acme/c \"4444\" /shared/vendor/acme/d \"333\")"));
        // The root does not exist: below DEPTH only what exists is answered.
        Assert.Equal(["* METADATA \"Depth\" (/private/vendor/acme/a \"1\" /private/vendor/acme/c \"4444\")", "a2 OK GETMETADATA completed"],
            await bob.CommandAsync("a2", "GETMETADATA (DEPTH 1) Depth /private/vendor/acme"));
        Assert.Equal(["* METADATA \"Depth\" (/private/vendor/acme/a \"1\" /private/vendor/acme/a/b \"22\" /private/vendor/acme/c \"4444\" /shared/vendor/acme/d \"333\")", "a3 OK GETMETADATA completed"],
            await bob.CommandAsync("a3", "GETMETADATA (DEPTH infinity) Depth (/private /shared)"));
        Assert.Equal(["* METADATA \"Depth\" (/private/vendor/acme/a \"1\" /private/vendor/acme/a/b \"22\")", "a4 OK [METADATA LONGENTRIES 4] GETMETADATA completed"],
            await bob.CommandAsync("a4", "GETMETADATA (MAXSIZE 2 DEPTH infinity) Depth /private/vendor/acme"));
        Assert.Equal(["a5 OK [METADATA LONGENTRIES 4] GETMETADATA completed"], await bob.CommandAsync("a5", "GETMETADATA (MAXSIZE 0) Depth /private/vendor/acme/c"));

        // Values that are not printable ASCII come back as literals, with a NUL as literal8 (RFC 3516).
        Assert.Equal(["a6 OK SETMETADATA completed"], await bob.CommandAsync("a6", "SETMETADATA Depth (/private/vendor/acme/a ~{3+}\r\nx\0y /private/vendor/acme/c {5+}\r\nä\r\nb)"));
        Assert.Equal(["* METADATA \"Depth\" (/private/vendor/acme/a ~{3}\r\nx\0y /private/vendor/acme/c {5}\r\nä\r\nb)", "a7 OK GETMETADATA completed"],
            await bob.CommandAsync("a7", "GETMETADATA Depth (/private/vendor/acme/a /private/vendor/acme/c)"));
    }

    [Fact]
    public async Task Entries_move_with_rename_and_go_with_delete()
    {
        await using var bob = await SignedInAsync("bob@example.com");
        await bob.CommandAsync("r0", "CREATE Old/Child");
        await bob.CommandAsync("r1", "SETMETADATA Old (/shared/comment \"parent\")");
        await bob.CommandAsync("r2", "SETMETADATA Old/Child (/private/comment \"child\")");
        Assert.Equal(["r3 OK RENAME completed"], await bob.CommandAsync("r3", "RENAME Old New"));
        Assert.Equal(["* METADATA \"New\" (/shared/comment \"parent\")", "r4 OK GETMETADATA completed"], await bob.CommandAsync("r4", "GETMETADATA New /shared/comment"));
        Assert.Equal(["* METADATA \"New/Child\" (/private/comment \"child\")", "r5 OK GETMETADATA completed"], await bob.CommandAsync("r5", "GETMETADATA New/Child /private/comment"));
        await bob.CommandAsync("r6", "CREATE Old");
        Assert.Equal(["* METADATA \"Old\" (/shared/comment NIL)", "r7 OK GETMETADATA completed"], await bob.CommandAsync("r7", "GETMETADATA Old /shared/comment"));

        await bob.CommandAsync("r8", "DELETE New/Child");
        await bob.CommandAsync("r9", "CREATE New/Child");
        Assert.Equal(["* METADATA \"New/Child\" (/private/comment NIL)", "r10 OK GETMETADATA completed"], await bob.CommandAsync("r10", "GETMETADATA New/Child /private/comment"));
    }

    [Fact]
    public async Task Server_entries_are_read_by_everyone_and_shared_ones_set_by_administrators()
    {
        await using var bob = await SignedInAsync("bob@example.com");
        await using var carol = await SignedInAsync("carol@example.com");
        await using var admin = await SignedInAsync("admin@example.com", TestServices.AdminPassword);

        var answer = await bob.CommandAsync("s1", "GETMETADATA \"\" (/shared/admin /shared/comment)");
        Assert.Matches("^\\* METADATA \"\" \\(/shared/admin \"mailto:postmaster@[^\"]+\" /shared/comment NIL\\)$", answer[0]);
        Assert.Equal("s2 NO [NOPERM] Only administrators set the server's shared entries", (await bob.CommandAsync("s2", "SETMETADATA \"\" (/shared/comment \"hello\")"))[^1]);
        Assert.Equal("s3 NO [CANNOT] /private/comment is not an entry of this server; use /shared/vendor/ or /private/vendor/",
            (await bob.CommandAsync("s3", "SETMETADATA \"\" (/private/comment \"hello\")"))[^1]);
        Assert.Equal(["a1 OK SETMETADATA completed"], await admin.CommandAsync("a1", "SETMETADATA \"\" (/shared/comment \"Maintenance on Sunday\" /shared/admin \"mailto:it@example.com\")"));
        Assert.Equal(["* METADATA \"\" (/shared/admin \"mailto:it@example.com\" /shared/comment \"Maintenance on Sunday\")", "c1 OK GETMETADATA completed"],
            await carol.CommandAsync("c1", "GETMETADATA \"\" (/shared/comment /shared/admin)"));

        // A private server entry is the user's own.
        Assert.Equal(["s4 OK SETMETADATA completed"], await bob.CommandAsync("s4", "SETMETADATA \"\" (/private/vendor/client/theme \"dark\")"));
        Assert.Equal(["* METADATA \"\" (/private/vendor/client/theme \"dark\")", "s5 OK GETMETADATA completed"], await bob.CommandAsync("s5", "GETMETADATA (DEPTH infinity) \"\" /private"));
        Assert.Equal(["c2 OK GETMETADATA completed"], await carol.CommandAsync("c2", "GETMETADATA (DEPTH infinity) \"\" /private"));
        Assert.Equal(["a2 OK SETMETADATA completed"], await admin.CommandAsync("a2", "SETMETADATA \"\" (/shared/comment NIL /shared/admin NIL)"));
    }

    [Fact]
    public async Task Limits_answer_maxsize_toomany_and_overquota_and_change_nothing()
    {
        await using var wire = await SignedInAsync("limits@example.com");
        var big = new string('x', 1025);
        Assert.Equal("l1 NO [METADATA MAXSIZE 1024] Value too large", (await wire.CommandAsync("l1", $"SETMETADATA INBOX (/private/comment \"ok\" /shared/comment {{1025+}}\r\n{big})"))[^1]);
        // Nothing of a refused command is kept, not even the entries before the refused one.
        Assert.Equal(["* METADATA \"INBOX\" (/private/comment NIL)", "l2 OK GETMETADATA completed"], await wire.CommandAsync("l2", "GETMETADATA INBOX /private/comment"));

        Assert.Equal(["l3 OK SETMETADATA completed"], await wire.CommandAsync("l3", "SETMETADATA INBOX (/private/vendor/a/1 \"1\" /private/vendor/a/2 \"2\" /private/vendor/a/3 \"3\" /private/vendor/a/4 \"4\")"));
        Assert.Equal("l4 NO [METADATA TOOMANY] At most 5 entries per mailbox",
            (await wire.CommandAsync("l4", "SETMETADATA INBOX (/private/vendor/a/5 \"5\" /shared/vendor/a/6 \"6\")"))[^1]);
        Assert.Equal(["* METADATA \"INBOX\" (/private/vendor/a/1 \"1\" /private/vendor/a/2 \"2\" /private/vendor/a/3 \"3\" /private/vendor/a/4 \"4\")", "l5 OK GETMETADATA completed"],
            await wire.CommandAsync("l5", "GETMETADATA (DEPTH infinity) INBOX (/private /shared)"));
        // Replacing an entry or removing one is always possible at the limit.
        Assert.Equal(["l6 OK SETMETADATA completed"], await wire.CommandAsync("l6", "SETMETADATA INBOX (/private/vendor/a/5 \"5\" /private/vendor/a/1 \"one\")"));
        Assert.Equal(["l7 OK SETMETADATA completed"], await wire.CommandAsync("l7", "SETMETADATA INBOX (/private/vendor/a/5 NIL /private/vendor/a/4 NIL)"));

        // 4096 octets per user over every mailbox: three values of 1024 fit beside the 5 octets left in INBOX, a fourth does not.
        var largest = new string('y', 1024);
        foreach (var (tag, box) in new[] { ("q1", "Drafts"), ("q2", "Sent"), ("q3", "Trash"), ("q4", "Junk") })
        {
            var lines = await wire.CommandAsync(tag, $"SETMETADATA {box} (/private/comment {{1024+}}\r\n{largest})");
            Assert.Equal(tag == "q4" ? $"{tag} NO [OVERQUOTA] Annotations would take more than 4096 octets" : $"{tag} OK SETMETADATA completed", lines[^1]);
        }
        Assert.Equal(["* METADATA \"Junk\" (/private/comment NIL)", "q5 OK GETMETADATA completed"], await wire.CommandAsync("q5", "GETMETADATA Junk /private/comment"));
    }

    [Fact]
    public async Task Imaplib_sets_and_gets_entries_with_its_own_command_framing()
    {
        var port = _host.ImapPort.ToString(CultureInfo.InvariantCulture);
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import imaplib, ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            imaplib.Commands['GETMETADATA'] = ('AUTH', 'SELECTED')
            imaplib.Commands['SETMETADATA'] = ('AUTH', 'SELECTED')
            m = imaplib.IMAP4('127.0.0.1', {{port}}, timeout=20)
            m.starttls(ctx)
            m.login('python@example.com', '{{Password}}')
            assert 'METADATA' in m.capabilities, m.capabilities
            typ, data = m._simple_command('SETMETADATA', 'INBOX', '(/private/comment "from python" /shared/comment "shared note")')
            assert typ == 'OK', (typ, data)
            typ, data = m._simple_command('GETMETADATA', '(DEPTH infinity)', 'INBOX', '(/private /shared)')
            assert typ == 'OK', (typ, data)
            typ, data = m._untagged_response(typ, data, 'METADATA')
            flat = b''.join(part if isinstance(part, bytes) else b''.join(part) for part in data)
            assert b'/private/comment "from python"' in flat, flat
            assert b'/shared/comment "shared note"' in flat, flat
            typ, data = m._simple_command('GETMETADATA', '(MAXSIZE 5)', 'INBOX', '/private/comment')
            assert typ == 'OK' and b'[METADATA LONGENTRIES 11]' in data[0], (typ, data)
            typ, data = m._simple_command('SETMETADATA', 'INBOX', '(/private/comment NIL)')
            assert typ == 'OK', (typ, data)
            typ, data = m._simple_command('GETMETADATA', 'INBOX', '/private/comment')
            typ, data = m._untagged_response(typ, data, 'METADATA')
            # imaplib files the LONGENTRIES response code under METADATA too, before the untagged answer.
            assert data[-1] == b'"INBOX" (/private/comment NIL)', data
            typ, data = m._simple_command('GETMETADATA', 'Nowhere', '/private/comment')
            assert typ == 'NO' and b'[NONEXISTENT]' in data[0], (typ, data)
            m.logout()
            print('ok')
            """]);
        Assert.True(code == 0, output + error);
        Assert.Equal("ok", output.Trim());
    }
}
