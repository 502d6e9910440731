using System.Globalization;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>RFC 4314 ACL: one user shares a folder, another sees and uses it with exactly the rights granted.</summary>
public sealed class ImapAclTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync();
        foreach (var user in new[] { "bob", "carol", "dave" })
        {
            await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser($"{user}@example.com", Password));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string user) => ImapWire.SignedInAsync(_host.ImapPort, $"{user}@example.com", Password);

    [Fact]
    public async Task Rights_granted_are_the_rights_a_second_user_has()
    {
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        const string shared = "\"Other Users/bob@example.com/Projects\"";
        await bob.CommandAsync("b1", "CREATE Projects");
        Assert.StartsWith("b2 OK", (await bob.CommandAsync("b2", "APPEND Projects {21+}\r\nSubject: plan\r\n\r\nplan"))[^1], StringComparison.Ordinal);

        // Nothing shared yet: the folder does not exist for carol, and she may not look at bob's ACL.
        Assert.Equal(["c1 OK LIST completed"], await carol.CommandAsync("c1", "LIST \"Other Users/\" *"));
        Assert.Equal("c2 NO [NONEXISTENT] No such mailbox", (await carol.CommandAsync("c2", $"SELECT {shared}"))[^1]);
        Assert.Equal("c3 NO [NONEXISTENT] No such mailbox", (await carol.CommandAsync("c3", $"GETACL {shared}"))[^1]);

        Assert.Equal(["b3 OK SETACL completed"], await bob.CommandAsync("b3", "SETACL Projects carol@example.com lr"));
        Assert.Equal(["* ACL \"Projects\" \"bob@example.com\" lrswipkxtea \"carol@example.com\" lr", "b4 OK GETACL completed"], await bob.CommandAsync("b4", "GETACL Projects"));
        Assert.Equal("b5 NO [CANNOT] The owner's rights cannot be changed", (await bob.CommandAsync("b5", "SETACL Projects bob@example.com l"))[^1]);
        Assert.Equal("b6 NO [NONEXISTENT] No such user", (await bob.CommandAsync("b6", "SETACL Projects nobody@example.com l"))[^1]);
        Assert.Equal("b7 BAD Unknown right in lrz", (await bob.CommandAsync("b7", "SETACL Projects carol@example.com lrz"))[^1]);

        // "Other Users/*" matches what is below the namespace, not the namespace itself.
        Assert.Equal(["* LIST (\\Noselect \\HasChildren) \"/\" \"Other Users/bob@example.com\"",
            $"* LIST (\\HasNoChildren) \"/\" {shared}", "c4 OK LIST completed"], await carol.CommandAsync("c4", "LIST \"\" \"Other Users/*\""));
        Assert.Equal(["* LIST (\\Noselect \\HasChildren) \"/\" \"Other Users\"", "c4b OK LIST completed"], await carol.CommandAsync("c4b", "LIST \"\" \"Other%\""));
        Assert.Equal([$"* MYRIGHTS {shared} lr", "c5 OK MYRIGHTS completed"], await carol.CommandAsync("c5", $"MYRIGHTS {shared}"));
        Assert.Equal("c6 NO [NOPERM] You lack the 'a' right on this mailbox", (await carol.CommandAsync("c6", $"GETACL {shared}"))[^1]);
        var select = await carol.CommandAsync("c7", $"SELECT {shared}");
        Assert.Contains("* 1 EXISTS", select);
        Assert.Equal("c7 OK [READ-ONLY] SELECT completed", select[^1]);
        Assert.Contains("Subject: plan", (await carol.CommandAsync("c8", "FETCH 1 BODY[]"))[0], StringComparison.Ordinal);
        Assert.Equal("c9 NO [READ-ONLY] Mailbox is read-only", (await carol.CommandAsync("c9", "STORE 1 +FLAGS (\\Flagged)"))[^1]);
        Assert.Equal("c10 NO [NOPERM] You lack the 'i' right on this mailbox", (await carol.CommandAsync("c10", $"APPEND {shared} {{3+}}\r\nabc"))[^1]);
        Assert.Equal("c11 NO [NOPERM] Folders of other users are created, renamed and deleted by their owners", (await carol.CommandAsync("c11", $"DELETE {shared}"))[^1]);

        // More rights: she may now add messages and mark them seen, but still not delete.
        Assert.Equal(["b8 OK SETACL completed"], await bob.CommandAsync("b8", "SETACL Projects carol@example.com +is"));
        Assert.StartsWith("c12 OK [APPENDUID", (await carol.CommandAsync("c12", $"APPEND {shared} {{24+}}\r\nSubject: reply\r\n\r\nagreed"))[^1], StringComparison.Ordinal);
        select = await carol.CommandAsync("c13", $"SELECT {shared}");
        Assert.Equal("c13 OK [READ-WRITE] SELECT completed", select[^1]);
        Assert.Contains("* OK [PERMANENTFLAGS (\\Seen)] Flags permitted", select);
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen \\Recent))", "c14 OK STORE completed"], await carol.CommandAsync("c14", "STORE 1 +FLAGS (\\Seen)"));
        Assert.Equal("c15 NO [NOPERM] You lack the 't' right to change \\Deleted", (await carol.CommandAsync("c15", "STORE 1 +FLAGS (\\Deleted)"))[^1]);
        Assert.Equal("c16 NO [NOPERM] You lack the 'e' right on this mailbox", (await carol.CommandAsync("c16", "EXPUNGE"))[^1]);

        // Bob sees her message, but not her \Seen: that is hers alone (per-user \Seen, on by default for shared folders).
        var bobsView = await bob.CommandAsync("b9", "SELECT Projects");
        Assert.Contains("* 2 EXISTS", bobsView);
        Assert.DoesNotContain("\\Seen", (await bob.CommandAsync("b10", "FETCH 1 FLAGS"))[0], StringComparison.Ordinal);

        // A change by bob reaches carol's open session.
        await bob.CommandAsync("b11", "STORE 2 +FLAGS (\\Flagged)");
        Assert.Contains(await carol.CommandAsync("c17", "NOOP"), l => l.StartsWith("* 2 FETCH (UID 2 FLAGS (\\Flagged", StringComparison.Ordinal));

        // Dave got nothing, and "anyone" opens it to every user.
        await using var dave = await SignedInAsync("dave");
        Assert.Equal("d1 NO [NONEXISTENT] No such mailbox", (await dave.CommandAsync("d1", $"STATUS {shared} (MESSAGES)"))[^1]);
        await bob.CommandAsync("b12", "SETACL Projects anyone lr");
        Assert.Equal([$"* STATUS {shared} (MESSAGES 2)", "d2 OK STATUS completed"], await dave.CommandAsync("d2", $"STATUS {shared} (MESSAGES)"));

        // Revoked: gone again.
        Assert.Equal(["b13 OK DELETEACL completed"], await bob.CommandAsync("b13", "DELETEACL Projects carol@example.com"));
        Assert.Equal(["b14 OK DELETEACL completed"], await bob.CommandAsync("b14", "DELETEACL Projects anyone"));
        Assert.Equal("c18 NO [NONEXISTENT] No such mailbox", (await carol.CommandAsync("c18", $"STATUS {shared} (MESSAGES)"))[^1]);
    }

    [Fact]
    public async Task Administrators_make_public_folders_that_others_use_as_the_acl_says()
    {
        await using var admin = await ImapWire.ConnectAsync(_host.ImapPort);
        await admin.CommandAsync("t0", "STARTTLS");
        await admin.StartTlsAsync();
        await admin.CommandAsync("t1", $"LOGIN admin@example.com {TestServices.AdminPassword}");
        await using var bob = await SignedInAsync("bob");

        Assert.Contains("((\"Shared Folders/\" \"/\"))", (await bob.CommandAsync("b0", "NAMESPACE"))[0], StringComparison.Ordinal);
        Assert.Equal("b1 NO [NOPERM] Only administrators create public folders", (await bob.CommandAsync("b1", "CREATE \"Shared Folders/Mine\""))[^1]);
        Assert.Matches(@"^a1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await admin.CommandAsync("a1", "CREATE \"Shared Folders/News\"")));
        Assert.Equal("a2 NO [ALREADYEXISTS] Mailbox already exists", (await admin.CommandAsync("a2", "CREATE \"Shared Folders/News\""))[^1]);
        Assert.StartsWith("a3 OK [APPENDUID", (await admin.CommandAsync("a3", "APPEND \"Shared Folders/News\" {26+}\r\nSubject: canteen\r\n\r\nclosed"))[^1], StringComparison.Ordinal);

        // Not granted yet: bob sees nothing of it.
        Assert.Equal(["b2 OK LIST completed"], await bob.CommandAsync("b2", "LIST \"\" \"Shared*\""));
        Assert.Equal(["a4 OK SETACL completed"], await admin.CommandAsync("a4", "SETACL \"Shared Folders/News\" anyone lrs"));
        Assert.Equal(["* ACL \"Shared Folders/News\" \"anyone\" lrs", "a5 OK GETACL completed"], await admin.CommandAsync("a5", "GETACL \"Shared Folders/News\""));
        Assert.Equal(["* LIST (\\Noselect \\HasChildren) \"/\" \"Shared Folders\"", "* LIST (\\HasNoChildren) \"/\" \"Shared Folders/News\"", "b3 OK LIST completed"],
            await bob.CommandAsync("b3", "LIST \"\" \"Shared*\""));
        var select = await bob.CommandAsync("b4", "SELECT \"Shared Folders/News\"");
        Assert.Contains("* 1 EXISTS", select);
        Assert.Equal("b4 OK [READ-WRITE] SELECT completed", select[^1]);
        Assert.Contains("closed", (await bob.CommandAsync("b5", "FETCH 1 BODY[TEXT]"))[0], StringComparison.Ordinal);
        Assert.Equal("b6 NO [NOPERM] You lack the 'i' right on this mailbox", (await bob.CommandAsync("b6", "APPEND \"Shared Folders/News\" {3+}\r\nabc"))[^1]);
        Assert.Equal("b7 NO [NOPERM] You lack the 'x' right on this mailbox", (await bob.CommandAsync("b7", "DELETE \"Shared Folders/News\""))[^1]);
        Assert.Equal([$"* MYRIGHTS \"Shared Folders/News\" lrs", "b8 OK MYRIGHTS completed"], await bob.CommandAsync("b8", "MYRIGHTS \"Shared Folders/News\""));

        Assert.Equal(["a6 OK DELETE completed"], await admin.CommandAsync("a6", "DELETE \"Shared Folders/News\""));
        Assert.Equal("b9 NO [NONEXISTENT] No such mailbox", (await bob.CommandAsync("b9", "STATUS \"Shared Folders/News\" (MESSAGES)"))[^1]);
    }

    [Fact]
    public async Task Imaplib_grants_and_the_grantee_reads_through_imaplib()
    {
        var port = _host.ImapPort.ToString(CultureInfo.InvariantCulture);
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import imaplib, ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def login(user):
                m = imaplib.IMAP4('127.0.0.1', {{port}}, timeout=20)
                m.starttls(ctx)
                m.login(user + '@example.com', '{{Password}}')
                return m
            bob = login('bob')
            assert 'ACL' in bob.capabilities, bob.capabilities
            assert bob.create('Team')[0] == 'OK'
            assert bob.append('Team', None, None, b'Subject: minutes\r\n\r\nminutes of the meeting\r\n')[0] == 'OK'
            typ, data = bob.setacl('Team', 'carol@example.com', 'lrs')
            assert typ == 'OK', (typ, data)
            typ, data = bob.getacl('Team')
            assert typ == 'OK' and b'"carol@example.com" lrs' in data[0], data
            carol = login('carol')
            typ, data = carol.myrights('"Other Users/bob@example.com/Team"')
            assert typ == 'OK' and data[0].endswith(b' lrs'), data
            typ, data = carol.select('"Other Users/bob@example.com/Team"')
            assert typ == 'OK' and data == [b'1'], (typ, data)
            typ, data = carol.fetch('1', '(BODY[TEXT])')
            assert typ == 'OK' and data[0][1] == b'minutes of the meeting\r\n', data
            typ, data = carol.fetch('1', '(FLAGS)')
            assert b'\\Seen' in data[0], data
            typ, data = carol.getacl('"Other Users/bob@example.com/Team"')
            assert typ == 'NO' and b'NOPERM' in data[0], (typ, data)
            print('ok')
            """], timeoutSeconds: 60);
        Assert.True(code == 0, $"python failed ({code}): {error}\n{output}");
        Assert.Contains("ok", output, StringComparison.Ordinal);
    }
}
