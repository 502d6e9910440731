using System.Globalization;
using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Mail;
using Dapper;

namespace Appliance.Tests.Imap;

/// <summary>
/// Per-user \Seen (migration 15): in a folder shared with others, and in a public folder, each reader's reading is their
/// own. The owner keeps the message's own \Seen. FETCH, STORE, SEARCH, STATUS, SELECT, CONDSTORE and COPY all agree.
/// </summary>
public sealed partial class ImapPrivateSeenTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private const string Shared = "\"Other Users/bob@example.com/Projects\"";
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

    private Task<ImapWire> SignedInAsync(string user, string password = Password) => ImapWire.SignedInAsync(_host.ImapPort, $"{user}@example.com", password);

    /// <summary>Responses without \Recent, which depends on which session saw a message first.</summary>
    private static List<string> Plain(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Replace(" \\Recent", "", StringComparison.Ordinal).Replace("(\\Recent)", "()", StringComparison.Ordinal).Replace("(\\Recent ", "(", StringComparison.Ordinal))];

    [GeneratedRegex(@"HIGHESTMODSEQ (\d+)")]
    private static partial Regex HighestModseq();

    private static long HighestOf(IEnumerable<string> lines) =>
        long.Parse(lines.Select(l => HighestModseq().Match(l)).First(m => m.Success).Groups[1].Value, CultureInfo.InvariantCulture);

    /// <summary>Bob's "Projects" with two messages, shared with carol (read, \Seen, flags, \Deleted) and dave (read, \Seen).</summary>
    private static async Task ShareProjectsAsync(ImapWire bob)
    {
        Assert.Matches(@"^b1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await bob.CommandAsync("b1", "CREATE Projects")));
        Assert.StartsWith("b2 OK", (await bob.CommandAsync("b2", "APPEND Projects {21+}\r\nSubject: plan\r\n\r\nplan"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("b3 OK", (await bob.CommandAsync("b3", "APPEND Projects {23+}\r\nSubject: budget\r\n\r\nsums"))[^1], StringComparison.Ordinal);
        Assert.Equal(["b4 OK SETACL completed"], await bob.CommandAsync("b4", "SETACL Projects carol@example.com lrswt"));
        Assert.Equal(["b5 OK SETACL completed"], await bob.CommandAsync("b5", "SETACL Projects dave@example.com lrs"));
    }

    [Fact]
    public async Task One_readers_reading_of_a_shared_folder_is_not_anothers_nor_the_owners()
    {
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        await using var dave = await SignedInAsync("dave");
        await ShareProjectsAsync(bob);

        Assert.Contains("* OK [UNSEEN 1] First unseen", await carol.CommandAsync("c1", $"SELECT {Shared}"));
        Assert.Contains("* OK [UNSEEN 1] First unseen", await dave.CommandAsync("d1", $"SELECT {Shared}"));
        // Reading without PEEK marks it \Seen for carol (RFC 3501 §6.4.5), and only for her.
        var read = await carol.CommandAsync("c2", "FETCH 1 (BODY[TEXT] FLAGS)");
        Assert.Contains("\\Seen", read[0], StringComparison.Ordinal);
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen))", "* 2 FETCH (FLAGS ())", "c3 OK FETCH completed"], Plain(await carol.CommandAsync("c3", "FETCH 1:2 FLAGS")));
        Assert.Equal(["* SEARCH 1", "c4 OK SEARCH completed"], await carol.CommandAsync("c4", "SEARCH SEEN"));
        Assert.Equal(["* SEARCH 2", "c5 OK SEARCH completed"], await carol.CommandAsync("c5", "SEARCH UNSEEN"));

        // Dave's open session hears nothing of it, and still sees both unseen.
        Assert.Equal(["d2 OK NOOP completed"], await dave.CommandAsync("d2", "NOOP"));
        Assert.Equal(["* SEARCH 1 2", "d3 OK SEARCH completed"], await dave.CommandAsync("d3", "SEARCH UNSEEN"));
        Assert.Equal(["* SEARCH", "d4 OK SEARCH completed"], await dave.CommandAsync("d4", "SEARCH SEEN"));
        Assert.Equal([$"* STATUS {Shared} (UNSEEN 1 MESSAGES 2)", "c6 OK STATUS completed"], await carol.CommandAsync("c6", $"STATUS {Shared} (UNSEEN MESSAGES)"));
        await using var dave2 = await SignedInAsync("dave");
        Assert.Equal([$"* STATUS {Shared} (UNSEEN 2)", "e1 OK STATUS completed"], await dave2.CommandAsync("e1", $"STATUS {Shared} (UNSEEN)"));
        // The owner's \Seen is the message's own: carol's reading is not his.
        Assert.Equal(["* STATUS \"Projects\" (UNSEEN 2)", "b6 OK STATUS completed"], await bob.CommandAsync("b6", "STATUS Projects (UNSEEN)"));

        // The owner reads message 2: his, not his readers'.
        await bob.CommandAsync("b7", "SELECT Projects");
        Assert.Contains("FLAGS (\\Seen", (await bob.CommandAsync("b8", "STORE 2 +FLAGS (\\Seen)"))[0], StringComparison.Ordinal);
        Assert.Equal([$"* STATUS {Shared} (UNSEEN 1)", "c7 OK STATUS completed"], await carol.CommandAsync("c7", $"STATUS {Shared} (UNSEEN)"));
        Assert.Equal([$"* STATUS {Shared} (UNSEEN 2)", "e2 OK STATUS completed"], await dave2.CommandAsync("e2", $"STATUS {Shared} (UNSEEN)"));

        // Every other flag stays shared: carol's \Flagged reaches dave, her \Seen still does not.
        await carol.CommandAsync("c8", "STORE 1 +FLAGS.SILENT (\\Flagged)");
        Assert.Contains(await dave.CommandAsync("d5", "NOOP"), l => l.StartsWith("* 1 FETCH (UID 1 FLAGS (\\Flagged", StringComparison.Ordinal) && !l.Contains("\\Seen", StringComparison.Ordinal));
        Assert.Contains("* 1 FETCH (UID 1 FLAGS (\\Flagged))", await bob.CommandAsync("b9", "NOOP"));

        // Replacing all flags keeps the owner's \Seen on the message and sets carol's own.
        Assert.Equal(["c9 OK STORE completed"], await carol.CommandAsync("c9", "STORE 2 FLAGS.SILENT (\\Seen)"));
        await bob.CommandAsync("b9b", "NOOP");
        await dave.CommandAsync("d5b", "NOOP");
        Assert.Equal(["* 2 FETCH (FLAGS (\\Seen))", "b10 OK FETCH completed"], await bob.CommandAsync("b10", "FETCH 2 FLAGS"));
        Assert.Equal(["* 2 FETCH (FLAGS ())", "d6 OK FETCH completed"], await dave.CommandAsync("d6", "FETCH 2 FLAGS"));

        // Unsetting is hers too.
        await carol.CommandAsync("c10", "STORE 1 -FLAGS.SILENT (\\Seen)");
        Assert.Equal([$"* STATUS {Shared} (UNSEEN 1)", "c11 OK STATUS completed"], await carol.CommandAsync("c11", $"STATUS {Shared} (UNSEEN)"));
    }

    [Fact]
    public async Task A_private_seen_change_takes_a_modseq_its_readers_clients_see_and_others_do_not()
    {
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        await using var carolPhone = await SignedInAsync("carol");
        await using var dave = await SignedInAsync("dave");
        await ShareProjectsAsync(bob);

        var before = HighestOf(await carolPhone.CommandAsync("p1", $"SELECT {Shared} (CONDSTORE)"));
        await dave.CommandAsync("d1", $"SELECT {Shared} (CONDSTORE)");
        var stored = await carol.CommandAsync("c1", $"SELECT {Shared} (CONDSTORE)");
        var store = await carol.CommandAsync("c2", "STORE 1 +FLAGS (\\Seen)");
        var modseq = long.Parse(Regex.Match(store[0], @"MODSEQ \((\d+)\)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(modseq > before, $"{modseq} > {before}");

        // Her other client hears of it at once, with the new mod-sequence; dave's does not.
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ ({modseq}))"),
            Plain(await carolPhone.CommandAsync("p2", "NOOP")));
        Assert.Equal(["d2 OK NOOP completed"], await dave.CommandAsync("d2", "NOOP"));

        // CHANGEDSINCE and SEARCH MODSEQ (RFC 7162 §3.1.5: at or above): carol's change is a change for carol only.
        var since = before.ToString(CultureInfo.InvariantCulture);
        Assert.Equal([string.Create(CultureInfo.InvariantCulture, $"* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ ({modseq}))"), "p3 OK UID FETCH completed"],
            Plain(await carolPhone.CommandAsync("p3", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {since})")));
        Assert.Equal(["d3 OK UID FETCH completed"], await dave.CommandAsync("d3", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {since})"));
        Assert.Equal(["* SEARCH 1 (MODSEQ " + modseq.ToString(CultureInfo.InvariantCulture) + ")", "p4 OK SEARCH completed"],
            await carolPhone.CommandAsync("p4", $"SEARCH MODSEQ {before + 1}"));
        Assert.Equal(["* SEARCH", "d4 OK SEARCH completed"], await dave.CommandAsync("d4", $"SEARCH MODSEQ {before + 1}"));

        // UNCHANGEDSINCE compares with the mod-sequence the reader sees.
        Assert.Equal("c3 OK [MODIFIED 1] Conditional STORE failed for some messages",
            (await carol.CommandAsync("c3", $"STORE 1 (UNCHANGEDSINCE {since}) -FLAGS.SILENT (\\Seen)"))[^1]);
        Assert.Equal(["d5 OK STORE completed"], (await dave.CommandAsync("d5", $"STORE 1 (UNCHANGEDSINCE {since}) +FLAGS.SILENT (\\Seen)")).Where(l => !l.StartsWith("* ", StringComparison.Ordinal)));

        // A QRESYNC resync from before: carol hears of her message, dave of his.
        await using var carolLater = await SignedInAsync("carol");
        await carolLater.CommandAsync("q0", "ENABLE QRESYNC");
        var validity = Regex.Match(string.Join('\n', stored), @"UIDVALIDITY (\d+)").Groups[1].Value;
        var resync = await carolLater.CommandAsync("q1", $"SELECT {Shared} (QRESYNC ({validity} {since}))");
        Assert.Contains(resync, l => l.StartsWith("* 1 FETCH (UID 1 FLAGS (\\Seen", StringComparison.Ordinal));
        Assert.DoesNotContain(resync, l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_copy_out_of_a_shared_folder_takes_the_copiers_seen_and_expunge_forgets_the_readers_rows()
    {
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        await using var dave = await SignedInAsync("dave");
        await ShareProjectsAsync(bob);
        await bob.CommandAsync("b6", "SELECT Projects");
        await bob.CommandAsync("b7", "STORE 1:2 +FLAGS.SILENT (\\Seen)");

        await carol.CommandAsync("c1", $"SELECT {Shared}");
        await carol.CommandAsync("c2", "STORE 1 +FLAGS.SILENT (\\Seen)");
        Assert.StartsWith("c3 OK [COPYUID", (await carol.CommandAsync("c3", "COPY 1:2 INBOX"))[^1], StringComparison.Ordinal);
        await carol.CommandAsync("c4", "SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen))", "* 2 FETCH (FLAGS ())", "c5 OK FETCH completed"],
            Plain(await carol.CommandAsync("c5", "FETCH 1:2 FLAGS")));

        // APPEND with \Seen by a reader is the reader's \Seen; the owner gets it unseen.
        Assert.StartsWith("d0 OK", (await dave.CommandAsync("d0", $"SELECT {Shared}"))[^1], StringComparison.Ordinal);
        var database = _host.Get<Database>();
        async Task<long> PrivateRows()
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM private_seen");
        }
        Assert.Equal(1, await PrivateRows());
        await dave.CommandAsync("d1", "STORE 2 +FLAGS.SILENT (\\Seen)");
        Assert.Equal(2, await PrivateRows());

        // Expunging message 1 takes its readers' rows with it.
        await bob.CommandAsync("b8", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await bob.CommandAsync("b9", "EXPUNGE");
        Assert.Equal(1, await PrivateRows());
        // Deleting the folder takes the rest.
        await bob.CommandAsync("b10", "SELECT INBOX");
        Assert.Equal(["b11 OK DELETE completed"], await bob.CommandAsync("b11", "DELETE Projects"));
        Assert.Equal(0, await PrivateRows());
    }

    [Fact]
    public async Task In_a_public_folder_every_reader_has_their_own_seen()
    {
        await using var admin = await SignedInAsync("admin", TestServices.AdminPassword);
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        const string news = "\"Shared Folders/News\"";
        Assert.Matches(@"^a1 OK \[MAILBOXID \(M[0-9]+-[0-9]+\)\] CREATE completed$", Assert.Single(await admin.CommandAsync("a1", $"CREATE {news}")));
        Assert.StartsWith("a2 OK", (await admin.CommandAsync("a2", $"APPEND {news} (\\Seen) {{26+}}\r\nSubject: canteen\r\n\r\nclosed"))[^1], StringComparison.Ordinal);
        Assert.Equal(["a3 OK SETACL completed"], await admin.CommandAsync("a3", $"SETACL {news} anyone lrs"));

        // The administrator's \Seen at APPEND is the administrator's own.
        Assert.Equal([$"* STATUS {news} (UNSEEN 0)", "a4 OK STATUS completed"], await admin.CommandAsync("a4", $"STATUS {news} (UNSEEN)"));
        Assert.Equal([$"* STATUS {news} (UNSEEN 1)", "b1 OK STATUS completed"], await bob.CommandAsync("b1", $"STATUS {news} (UNSEEN)"));
        Assert.Contains("* OK [UNSEEN 1] First unseen", await bob.CommandAsync("b2", $"SELECT {news}"));
        await bob.CommandAsync("b3", "FETCH 1 BODY[]");
        Assert.Equal([$"* STATUS {news} (UNSEEN 0)", "b4 OK STATUS completed"], await bob.CommandAsync("b4", $"STATUS {news} (UNSEEN)"));
        Assert.Equal([$"* STATUS {news} (UNSEEN 1)", "c1 OK STATUS completed"], await carol.CommandAsync("c1", $"STATUS {news} (UNSEEN)"));
        var select = await carol.CommandAsync("c2", $"SELECT {news}");
        Assert.Contains("* OK [UNSEEN 1] First unseen", select);
        Assert.Equal(["* SEARCH 1", "c3 OK SEARCH completed"], await carol.CommandAsync("c3", "SEARCH UNSEEN"));
    }

    [Fact]
    public async Task The_owner_turns_per_user_seen_off_in_the_webmail_and_readers_share_the_messages_seen_again()
    {
        await using var bob = await SignedInAsync("bob");
        await using var carol = await SignedInAsync("carol");
        await ShareProjectsAsync(bob);
        var mail = _host.Get<MailService>();
        var owner = (await mail.UserAsync("bob@example.com"))!;
        var reader = (await mail.UserAsync("carol@example.com"))!;
        Assert.True(await mail.PrivateSeenAsync(owner, "Projects"));
        // Only whoever holds 'a' on the folder decides.
        var refused = await Assert.ThrowsAsync<MailActionException>(() => mail.SetPrivateSeenAsync(reader, "Other Users/bob@example.com/Projects", false));
        Assert.Equal("Mail.Error.NoRight", refused.Key);

        await mail.SetPrivateSeenAsync(owner, "Projects", false);
        Assert.False(await mail.PrivateSeenAsync(owner, "Projects"));
        await carol.CommandAsync("c1", $"SELECT {Shared}");
        await carol.CommandAsync("c2", "STORE 1 +FLAGS.SILENT (\\Seen)");
        Assert.Equal(["* STATUS \"Projects\" (UNSEEN 1)", "b6 OK STATUS completed"], await bob.CommandAsync("b6", "STATUS Projects (UNSEEN)"));

        // On again: carol's reading is hers again; what she read while it was off was the message's own \\Seen, and stays bob's.
        await mail.SetPrivateSeenAsync(owner, "Projects", true);
        await carol.CommandAsync("c3", $"SELECT {Shared}");
        await carol.CommandAsync("c4", "STORE 2 +FLAGS.SILENT (\\Seen)");
        Assert.Equal(["* STATUS \"Projects\" (UNSEEN 1)", "b7 OK STATUS completed"], await bob.CommandAsync("b7", "STATUS Projects (UNSEEN)"));
        Assert.Equal([$"* STATUS {Shared} (UNSEEN 1)", "c5 OK STATUS completed"], await carol.CommandAsync("c5", $"STATUS {Shared} (UNSEEN)"));
    }
}
