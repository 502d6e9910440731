using System.Globalization;
using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Imap;

/// <summary>
/// NOTIFY (RFC 5465) against the running host: one session changes, the other hears it, between commands, in IDLE and
/// before a tagged answer. STATUS for mailboxes not selected, EXISTS/FETCH/EXPUNGE for the selected one, LIST for names
/// and subscriptions, METADATA for annotations, BADEVENT, and NOTIFICATIONOVERFLOW past the bound.
/// </summary>
public sealed partial class ImapNotifyTests : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync("--Appliance:Imap:MaxBadCommands=1000", "--Appliance:Imap:MaxQueuedNotifications=8");
        foreach (var user in new[] { "status", "bad", "selected", "delayed", "names", "notes", "carol", "overflow", "idle", "python" })
        {
            await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser($"{user}@example.com", Password));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<ImapWire> SignedInAsync(string user, string password = Password) => ImapWire.SignedInAsync(_host.ImapPort, user, password);

    private Task<ImapWire> SignedInAsync(string name, bool local) => SignedInAsync(local ? $"{name}@example.com" : name);

    private static async Task AppendAsync(ImapWire wire, string mailbox, string subject = "hello")
    {
        var message = $"Subject: {subject}\r\n\r\nbody\r\n";
        Assert.StartsWith("p OK", (await wire.CommandAsync("p", $"APPEND {mailbox} {{{message.Length}+}}\r\n{message}"))[^1], StringComparison.Ordinal);
    }

    [GeneratedRegex(@"UIDVALIDITY (\d+)")]
    private static partial Regex Validity();

    [Fact]
    public async Task Another_sessions_append_and_expunge_are_told_as_status_between_commands()
    {
        await using var listener = await SignedInAsync("status", local: true);
        await using var changer = await SignedInAsync("status", local: true);
        Assert.Contains(" NOTIFY ", (await listener.CommandAsync("a0", "CAPABILITY"))[0], StringComparison.Ordinal);

        // STATUS at once for every watched mailbox (§3), in name order.
        var set = await listener.CommandAsync("a1", "NOTIFY SET STATUS (personal (MessageNew MessageExpunge))");
        Assert.Equal("a1 OK NOTIFY completed", set[^1]);
        Assert.Equal(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], set[..^1].Select(l => Regex.Match(l, "^\\* STATUS \"([^\"]+)\" \\(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \\d+\\)$").Groups[1].Value));
        var validity = Validity().Match(set.First(l => l.Contains("\"INBOX\"", StringComparison.Ordinal))).Groups[1].Value;

        // The listener sends nothing: the STATUS comes by itself.
        await AppendAsync(changer, "INBOX");
        Assert.Equal($"* STATUS \"INBOX\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY {validity})", await listener.ReadLineAsync());

        // FlagChange was not asked for: a flag change leaves the answer as it was, and nothing is said.
        await changer.CommandAsync("c1", "SELECT INBOX");
        await changer.CommandAsync("c2", "STORE 1 +FLAGS (\\Seen)");
        Assert.Equal(["a2 OK NOOP completed"], await listener.CommandAsync("a2", "NOOP"));
        await changer.CommandAsync("c3", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await changer.CommandAsync("c4", "EXPUNGE");
        Assert.Equal($"* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 2 UIDVALIDITY {validity})", await listener.ReadLineAsync());

        // With CONDSTORE on, HIGHESTMODSEQ comes along (RFC 5465 §5.3); with FlagChange, UNSEEN.
        await listener.CommandAsync("a3", "ENABLE CONDSTORE");
        Assert.Equal("a4 OK NOTIFY completed", (await listener.CommandAsync("a4", "NOTIFY SET (inboxes (MessageNew MessageExpunge FlagChange))"))[^1]);
        await AppendAsync(changer, "INBOX");
        Assert.Matches($"^\\* STATUS \"INBOX\" \\(MESSAGES 1 UIDNEXT 3 UIDVALIDITY {validity} UNSEEN 1 HIGHESTMODSEQ \\d+\\)$", await listener.ReadLineAsync());
        await changer.CommandAsync("c5", "STORE 1 +FLAGS (\\Seen)");
        Assert.Matches($"^\\* STATUS \"INBOX\" \\(MESSAGES 1 UIDNEXT 3 UIDVALIDITY {validity} UNSEEN 0 HIGHESTMODSEQ \\d+\\)$", await listener.ReadLineAsync());
        // Sent is not an inbox.
        await AppendAsync(changer, "Sent");
        Assert.Equal(["a5 OK NOOP completed"], await listener.CommandAsync("a5", "NOOP"));

        // NOTIFY NONE: silence again.
        Assert.Equal(["a6 OK NOTIFY completed"], await listener.CommandAsync("a6", "NOTIFY NONE"));
        await AppendAsync(changer, "INBOX");
        Assert.Equal(["a7 OK NOOP completed"], await listener.CommandAsync("a7", "NOOP"));
    }

    [Fact]
    public async Task The_selected_mailbox_hears_new_messages_with_their_fetch_items_flags_and_expunges_as_they_happen()
    {
        await using var listener = await SignedInAsync("selected", local: true);
        await using var changer = await SignedInAsync("selected", local: true);
        await listener.CommandAsync("a1", "SELECT INBOX");
        Assert.Equal(["a2 OK NOTIFY completed"], await listener.CommandAsync("a2",
            "NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge))"));

        await AppendAsync(changer, "INBOX", "first");
        Assert.Equal("* 1 EXISTS", await listener.ReadLineAsync());
        Assert.Equal("* 1 RECENT", await listener.ReadLineAsync());
        Assert.Equal("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: first\r\n\r\n)", await listener.ReadLineAsync());

        await changer.CommandAsync("c1", "SELECT INBOX");
        await changer.CommandAsync("c2", "STORE 1 +FLAGS.SILENT (\\Flagged)");
        Assert.StartsWith("* 1 FETCH (UID 1 FLAGS (\\Flagged", await listener.ReadLineAsync(), StringComparison.Ordinal);
        // The fetch items did not read the body without PEEK: nothing set \Seen.
        Assert.DoesNotContain("\\Seen", (await changer.CommandAsync("c3", "FETCH 1 FLAGS"))[0], StringComparison.Ordinal);

        // "selected": the EXPUNGE is sent between commands, not kept for the next one.
        await changer.CommandAsync("c4", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        Assert.Matches(@"^\* 1 FETCH \(UID 1 FLAGS \(.*\\Deleted.*\)\)$", await listener.ReadLineAsync());
        await changer.CommandAsync("c5", "EXPUNGE");
        Assert.Equal("* 1 EXPUNGE", await listener.ReadLineAsync());
        // The selected mailbox is not told again as STATUS, though "personal" covers it too.
        Assert.Equal(["a3 OK NOOP completed"], await listener.CommandAsync("a3", "NOOP"));
    }

    [Fact]
    public async Task Selected_delayed_keeps_expunge_for_a_command_that_may_carry_it()
    {
        await using var listener = await SignedInAsync("delayed", local: true);
        await using var changer = await SignedInAsync("delayed", local: true);
        await AppendAsync(changer, "INBOX");
        await listener.CommandAsync("a1", "SELECT INBOX");
        await listener.CommandAsync("a2", "NOTIFY SET (selected-delayed (MessageNew MessageExpunge))");
        await AppendAsync(changer, "INBOX");
        Assert.Equal("* 2 EXISTS", await listener.ReadLineAsync());
        Assert.Equal("* 2 RECENT", await listener.ReadLineAsync());
        await changer.CommandAsync("c1", "SELECT INBOX");
        await changer.CommandAsync("c2", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await changer.CommandAsync("c3", "EXPUNGE");
        // FETCH by sequence number may not carry EXPUNGE (RFC 3501 §7.4.1); NOOP does.
        var fetch = await listener.CommandAsync("a3", "FETCH 1 UID");
        Assert.DoesNotContain(fetch, l => l.EndsWith("EXPUNGE", StringComparison.Ordinal));
        Assert.Contains("* 1 EXPUNGE", await listener.CommandAsync("a4", "NOOP"));
    }

    [Fact]
    public async Task Folders_created_renamed_deleted_and_subscribed_are_told_as_list()
    {
        await using var listener = await SignedInAsync("names", local: true);
        await using var changer = await SignedInAsync("names", local: true);
        await listener.CommandAsync("a1", "NOTIFY SET (personal (MailboxName SubscriptionChange))");

        await changer.CommandAsync("c1", "CREATE Projects");
        Assert.Equal("* LIST (\\Subscribed) \"/\" \"Projects\"", await listener.ReadLineAsync());
        await changer.CommandAsync("c2", "RENAME Projects Plans");
        Assert.Equal("* LIST (\\Subscribed) \"/\" \"Plans\" (\"OLDNAME\" (\"Projects\"))", await listener.ReadLineAsync());
        await changer.CommandAsync("c3", "UNSUBSCRIBE Plans");
        Assert.Equal("* LIST () \"/\" \"Plans\"", await listener.ReadLineAsync());
        await changer.CommandAsync("c4", "SUBSCRIBE Plans");
        Assert.Equal("* LIST (\\Subscribed) \"/\" \"Plans\"", await listener.ReadLineAsync());
        await changer.CommandAsync("c5", "DELETE Plans");
        Assert.Equal("* LIST (\\NonExistent) \"/\" \"Plans\"", await listener.ReadLineAsync());

        // Only names: messages were not asked for.
        await AppendAsync(changer, "INBOX");
        Assert.Equal(["a2 OK NOOP completed"], await listener.CommandAsync("a2", "NOOP"));
        // A new folder in a watched subtree is watched for messages from then on.
        await listener.CommandAsync("a3", "NOTIFY SET (subtree Work (MessageNew MessageExpunge MailboxName))");
        await changer.CommandAsync("c6", "CREATE Work/Reports");
        Assert.Equal("* LIST () \"/\" \"Work\"", await listener.ReadLineAsync());
        Assert.Equal("* LIST () \"/\" \"Work/Reports\"", await listener.ReadLineAsync());
        await AppendAsync(changer, "Work/Reports");
        Assert.Matches("^\\* STATUS \"Work/Reports\" \\(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \\d+\\)$", await listener.ReadLineAsync());
    }

    [Fact]
    public async Task Metadata_changes_are_told_by_entry_name_to_those_who_may_see_them()
    {
        await using var listener = await SignedInAsync("notes", local: true);
        await using var changer = await SignedInAsync("notes", local: true);
        await using var carol = await SignedInAsync("carol", local: true);
        await using var admin = await SignedInAsync("admin@example.com", TestServices.AdminPassword);
        await listener.CommandAsync("a1", "NOTIFY SET (personal (MailboxMetadataChange ServerMetadataChange)) (subtree \"Other Users\" (MailboxMetadataChange))");

        await changer.CommandAsync("c1", "SETMETADATA INBOX (/shared/comment \"team\" /private/comment \"mine\")");
        Assert.Equal("* METADATA \"INBOX\" /shared/comment /private/comment", await listener.ReadLineAsync());
        await admin.CommandAsync("m1", "SETMETADATA \"\" (/shared/comment \"maintenance on Sunday\")");
        Assert.Equal("* METADATA \"\" /shared/comment", await listener.ReadLineAsync());
        // Another user's private entries are theirs alone, on the server and on a folder shared with both.
        await carol.CommandAsync("d1", "SETMETADATA \"\" (/private/vendor/x/theme \"dark\")");
        await carol.CommandAsync("d2", "CREATE Shared");
        await carol.CommandAsync("d3", "SETACL Shared notes@example.com lrw");
        await listener.CommandAsync("a2", "NOTIFY SET (personal (MailboxMetadataChange ServerMetadataChange)) (subtree \"Other Users\" (MailboxMetadataChange))");
        await carol.CommandAsync("d4", "SETMETADATA Shared (/private/comment \"carol's\")");
        Assert.Equal(["a3 OK NOOP completed"], await listener.CommandAsync("a3", "NOOP"));
        await carol.CommandAsync("d5", "SETMETADATA Shared (/shared/comment \"for both\")");
        Assert.Equal("* METADATA \"Other Users/carol@example.com/Shared\" /shared/comment", await listener.ReadLineAsync());
        await admin.CommandAsync("m2", "SETMETADATA \"\" (/shared/comment NIL)");
        Assert.Equal("* METADATA \"\" /shared/comment", await listener.ReadLineAsync());

        // With 'l' alone the folder's entries are not the listener's to read, so their changes are not told.
        await carol.CommandAsync("d6", "SETACL Shared notes@example.com l");
        await listener.CommandAsync("a4", "NOTIFY SET (subtree \"Other Users\" (MailboxMetadataChange MessageNew MessageExpunge))");
        await carol.CommandAsync("d7", "SETMETADATA Shared (/shared/comment \"hidden\")");
        await AppendAsync(carol, "Shared");
        Assert.Equal(["a5 OK NOOP completed"], await listener.CommandAsync("a5", "NOOP"));
    }

    [Fact]
    public async Task Idle_hears_notify_events_too()
    {
        await using var listener = await SignedInAsync("idle", local: true);
        await using var changer = await SignedInAsync("idle", local: true);
        await listener.CommandAsync("a1", "NOTIFY SET (personal (MessageNew MessageExpunge))");
        await listener.SendAsync("a2 IDLE\r\n");
        Assert.Equal("+ idling", await listener.ReadLineAsync());
        await AppendAsync(changer, "Sent");
        Assert.Matches("^\\* STATUS \"Sent\" \\(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \\d+\\)$", await listener.ReadLineAsync());
        await listener.SendAsync("DONE\r\n");
        Assert.Equal(["a2 OK IDLE terminated"], await listener.UntilTaggedAsync("a2"));
    }

    [Fact]
    public async Task Unknown_and_annotation_events_are_badevent_and_leave_the_earlier_notify_in_force()
    {
        await using var listener = await SignedInAsync("bad", local: true);
        await using var changer = await SignedInAsync("bad", local: true);
        await listener.CommandAsync("a0", "NOTIFY SET (inboxes (MessageNew MessageExpunge))");
        const string badEvent = "NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)] Some of these events cannot be reported";
        Assert.Equal([$"a1 {badEvent}"], await listener.CommandAsync("a1", "NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))"));
        Assert.Equal([$"a2 {badEvent}"], await listener.CommandAsync("a2", "NOTIFY SET (personal (Weather))"));
        Assert.Equal(["a3 BAD MessageNew and MessageExpunge go together"], await listener.CommandAsync("a3", "NOTIFY SET (personal (MessageNew))"));
        await AppendAsync(changer, "INBOX", "still heard");
        Assert.StartsWith("* STATUS \"INBOX\" (MESSAGES ", await listener.ReadLineAsync(), StringComparison.Ordinal);
        await listener.CommandAsync("a4", "NOTIFY NONE");
    }

    [Fact]
    public async Task Past_the_bound_the_session_says_notificationoverflow_and_notify_is_off()
    {
        await using var listener = await SignedInAsync("overflow", local: true);
        await using var changer = await SignedInAsync("overflow", local: true);
        await listener.CommandAsync("a1", "NOTIFY SET (personal (MailboxMetadataChange))");
        // Inside a command (waiting for its literal) nothing is delivered, so the changes pile up.
        await listener.SendAsync("a2 APPEND Drafts {5}\r\n");
        Assert.Equal("+ Ready for literal data", await listener.ReadLineAsync());
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal([$"c{i} OK SETMETADATA completed"], await changer.CommandAsync($"c{i}", $"SETMETADATA INBOX (/private/vendor/x/{i} \"{i}\")"));
        }
        await listener.SendAsync("hello\r\n");
        var append = await listener.UntilTaggedAsync("a2");
        Assert.Equal("* OK [NOTIFICATIONOVERFLOW] Too many changes to report; NOTIFY is off", append[0]);
        Assert.StartsWith("a2 OK [APPENDUID", append[^1], StringComparison.Ordinal);
        await changer.CommandAsync("c9", "SETMETADATA INBOX (/private/vendor/x/9 NIL)");
        Assert.Equal(["a3 OK NOOP completed"], await listener.CommandAsync("a3", "NOOP"));
        // Set again, it works again.
        await listener.CommandAsync("a4", "NOTIFY SET (personal (MailboxMetadataChange))");
        await changer.CommandAsync("c10", "SETMETADATA INBOX (/private/vendor/x/8 NIL)");
        Assert.Equal("* METADATA \"INBOX\" /private/vendor/x/8", await listener.ReadLineAsync());
    }

    [Fact]
    public async Task Imaplib_hears_another_connections_append_after_notify_set_status()
    {
        var port = _host.ImapPort.ToString(CultureInfo.InvariantCulture);
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import imaplib, ssl, time
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            imaplib.Commands['NOTIFY'] = ('AUTH', 'SELECTED')
            def login():
                m = imaplib.IMAP4('127.0.0.1', {{port}}, timeout=20)
                m.starttls(ctx)
                m.login('python@example.com', '{{Password}}')
                return m
            listener, changer = login(), login()
            assert 'NOTIFY' in listener.capabilities, listener.capabilities
            typ, data = listener._simple_command('NOTIFY', 'SET', 'STATUS', '(inboxes (MessageNew MessageExpunge))')
            assert typ == 'OK', (typ, data)
            typ, data = listener.response('STATUS')
            assert data[0].startswith(b'"INBOX" (MESSAGES 0 UIDNEXT 1 '), data
            assert changer.append('INBOX', None, None, b'Subject: news\r\n\r\nnews\r\n')[0] == 'OK'
            # The STATUS arrives by itself; imaplib files it while reading NOOP's answer.
            typ, data = listener.noop()
            typ, data = listener.response('STATUS')
            assert data[-1].startswith(b'"INBOX" (MESSAGES 1 UIDNEXT 2 '), data
            typ, data = listener._simple_command('NOTIFY', 'SET', '(personal (Weather))')
            assert typ == 'NO' and b'[BADEVENT' in data[0], (typ, data)
            listener.logout(); changer.logout()
            print('ok')
            """]);
        Assert.True(code == 0, output + error);
        Assert.Equal("ok", output.Trim());
    }
}
