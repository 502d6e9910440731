using System.Text;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Mail;

namespace Appliance.Tests.Web;

/// <summary>
/// The web client's service against a running host: every action is checked against the user's rights
/// on the server side, drafts keep what was typed, and the reading pane's document is built safely.
/// </summary>
public sealed class MailServiceTests : IAsyncLifetime
{
    private RunningHost _host = null!;
    private MailService _mail = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithSmtpAsync();
        var users = _host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("alice@example.com", "Str0ng-Passw0rd", "Alice Martin"));
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob Keller"));
        _mail = _host.Get<MailService>();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<MailUser> UserAsync(string address) => (await _mail.UserAsync(address))!;

    private async Task<(long MailboxId, long Uid)> PutAsync(MailUser owner, string folder, string message, string flags = "")
    {
        var mailbox = await _mail.FolderAsync(owner, folder);
        var uid = await _host.Get<MailboxWriter>().AppendMessageAsync(mailbox.State.Id, owner.Id, 0, Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")), flags, CancellationToken.None);
        return (mailbox.State.Id, uid);
    }

    private static async Task<string> RefusedAsync(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<MailActionException>(action);
        return e.Key;
    }

    [Fact]
    public async Task Completion_offers_directory_users_by_name_and_address()
    {
        var alice = await UserAsync("alice@example.com");
        Assert.Contains("Bob Keller <bob@example.com>", await _mail.SuggestAsync(alice, "bob"));
        Assert.Contains("Bob Keller <bob@example.com>", await _mail.SuggestAsync(alice, "kel"));
        Assert.Empty(await _mail.SuggestAsync(alice, "zz"));
    }

    [Fact]
    public async Task Another_users_folder_is_invisible_until_shared_and_then_only_as_far_as_the_rights_go()
    {
        var alice = await UserAsync("alice@example.com");
        var bob = await UserAsync("bob@example.com");
        var (inbox, uid) = await PutAsync(alice, "INBOX", "From: carol@elsewhere.example\nSubject: private\n\nfor Alice only\n");
        const string shared = "Other Users/alice@example.com/INBOX";

        Assert.Equal("Mail.Error.NoFolder", await RefusedAsync(() => _mail.ReadAsync(bob, shared, uid)));
        Assert.Null(await _mail.PartAsync(bob, inbox, uid, "0"));
        Assert.DoesNotContain(await _mail.FoldersAsync(bob), f => f.MailboxId == inbox);

        await _mail.ShareAsync(alice, "INBOX", "bob@example.com", ShareLevel.Read);
        var node = Assert.Single(await _mail.FoldersAsync(bob), f => f.MailboxId == inbox);
        Assert.Equal((FolderSection.OtherUsers, shared, 1), (node.Section, node.Path, node.Total));
        Assert.Equal("private", (await _mail.ReadAsync(bob, shared, uid)).Subject);
        Assert.NotNull(await _mail.PartAsync(bob, inbox, uid, "0"));
        // Read: he may keep his \Seen, not flag, move or delete her mail.
        Assert.Equal("Mail.Error.NoRight", await RefusedAsync(() => _mail.SetFlagAsync(bob, shared, [uid], MessageFlags.Flagged, true)));
        Assert.Equal("Mail.Error.NoRight", await RefusedAsync(() => _mail.DeleteAsync(bob, shared, [uid])));
        Assert.Equal("Mail.Error.NoRight", await RefusedAsync(() => _mail.MoveAsync(bob, shared, [uid], "INBOX")));
        Assert.Equal("Mail.Error.NoRight", await RefusedAsync(() => _mail.ShareAsync(bob, shared, "bob@example.com", ShareLevel.Full)));

        await _mail.ShareAsync(alice, "INBOX", "bob@example.com", ShareLevel.ReadWrite);
        await _mail.SetFlagAsync(bob, shared, [uid], MessageFlags.Flagged, true);
        Assert.Contains(MessageFlags.Flagged, (await _mail.ReadAsync(alice, "INBOX", uid)).Flags, StringComparison.Ordinal);

        await _mail.ShareAsync(alice, "INBOX", "bob@example.com", ShareLevel.None);
        Assert.Equal("Mail.Error.NoFolder", await RefusedAsync(() => _mail.ReadAsync(bob, shared, uid)));
        Assert.Null(await _mail.PartAsync(bob, inbox, uid, "0"));
    }

    [Fact]
    public async Task Share_levels_are_imap_rights_and_only_existing_other_users_get_them()
    {
        Assert.Equal("lrs", MailService.RightsOf(ShareLevel.Read));
        Assert.Equal("lrswite", MailService.RightsOf(ShareLevel.ReadWrite));
        Assert.Equal(MailStore.AllRights, MailService.RightsOf(ShareLevel.Full));
        foreach (var level in new[] { ShareLevel.Read, ShareLevel.ReadWrite, ShareLevel.Full })
        {
            Assert.Equal(level, MailService.LevelOf(MailService.RightsOf(level)));
        }
        var alice = await UserAsync("alice@example.com");
        Assert.Equal("Mail.Error.NoSuchUser", await RefusedAsync(() => _mail.ShareAsync(alice, "INBOX", "ghost@example.com", ShareLevel.Read)));
        Assert.Equal("Mail.Error.ShareSelf", await RefusedAsync(() => _mail.ShareAsync(alice, "INBOX", "alice@example.com", ShareLevel.Read)));
        await _mail.ShareAsync(alice, "INBOX", "Bob@Example.com", ShareLevel.Full);
        Assert.Equal([new FolderShare("bob@example.com", ShareLevel.Full, MailStore.AllRights)], await _mail.SharesAsync(alice, "INBOX"));
    }

    [Fact]
    public async Task Folders_are_created_renamed_and_deleted_but_not_the_special_ones()
    {
        var alice = await UserAsync("alice@example.com");
        await _mail.CreateFolderAsync(alice, "Projects/2026");
        Assert.Equal("Mail.Error.FolderExists", await RefusedAsync(() => _mail.CreateFolderAsync(alice, "Projects")));
        Assert.Equal("Mail.Error.FolderName", await RefusedAsync(() => _mail.CreateFolderAsync(alice, "Other Users/x")));
        await _mail.RenameFolderAsync(alice, "Projects/2026", "Projects/Archive 2026");
        Assert.Equal("Mail.Error.FolderHasChildren", await RefusedAsync(() => _mail.DeleteFolderAsync(alice, "Projects")));
        await _mail.DeleteFolderAsync(alice, "Projects/Archive 2026");
        Assert.Equal("Mail.Error.CannotDelete", await RefusedAsync(() => _mail.DeleteFolderAsync(alice, "Trash")));
        Assert.Equal("Mail.Error.CannotDelete", await RefusedAsync(() => _mail.DeleteFolderAsync(alice, "INBOX")));
        Assert.Equal("Mail.Error.CannotRename", await RefusedAsync(() => _mail.RenameFolderAsync(alice, "Sent", "Sent mail")));
        var names = (await _mail.FoldersAsync(alice)).Select(f => f.Path).ToList();
        // INBOX first, then the special folders, then the user's own.
        Assert.Equal("INBOX", names[0]);
        Assert.Equal("Projects", names[^1]);
        Assert.True(names.IndexOf("Drafts") < names.IndexOf("Projects") && names.IndexOf("Trash") < names.IndexOf("Projects"));
    }

    [Fact]
    public async Task Delete_goes_to_trash_and_from_trash_for_good_and_junk_goes_to_junk()
    {
        var alice = await UserAsync("alice@example.com");
        var (_, first) = await PutAsync(alice, "INBOX", "Subject: one\n\n1\n");
        var (_, second) = await PutAsync(alice, "INBOX", "Subject: two\n\n2\n");
        await _mail.DeleteAsync(alice, "INBOX", [first]);
        await _mail.JunkAsync(alice, "INBOX", [second]);
        var counts = (await _mail.FoldersAsync(alice)).ToDictionary(f => f.Path, f => f.Total);
        Assert.Equal((0, 1, 1), (counts["INBOX"], counts["Trash"], counts["Junk"]));
        var trashed = Assert.Single(await _mail.PageAsync(alice, "Trash", MessageSort.Date, true, 0, 10));
        await _mail.DeleteAsync(alice, "Trash", [trashed.Uid]);
        Assert.Equal(0, (await _mail.FoldersAsync(alice)).Single(f => f.Path == "Trash").Total);
    }

    [Fact]
    public async Task A_draft_with_a_half_typed_address_is_saved_replaced_and_resumed_as_typed()
    {
        var alice = await UserAsync("alice@example.com");
        var model = new ComposeModel { To = "bob@example.com, carol@", Subject = "Plans", Html = "<p>Draft <b>text</b></p>" };
        model.DraftUid = await _mail.SaveDraftAsync(alice, model);
        model.Subject = "Plans for Friday";
        model.DraftUid = await _mail.SaveDraftAsync(alice, model);
        var draft = Assert.Single(await _mail.PageAsync(alice, "Drafts", MessageSort.Date, true, 0, 10));
        Assert.Equal(model.DraftUid, draft.Uid);
        Assert.True(MessageFlags.Has(draft.Flags, MessageFlags.Draft));
        var resumed = await _mail.StartAsync(alice, "draft", "Drafts", draft.Uid);
        Assert.Equal(("bob@example.com, carol@", "Plans for Friday", draft.Uid), (resumed.To, resumed.Subject, resumed.DraftUid));
        Assert.Contains("<b>text</b>", resumed.Html, StringComparison.Ordinal);

        // Sending it with the half-typed address is refused, and the draft stays.
        Assert.Equal("Mail.Error.InvalidAddress", await RefusedAsync(() => _mail.SendAsync(alice, resumed, null)));
        resumed.To = "bob@example.com";
        await _mail.SendAsync(alice, resumed, null);
        Assert.Empty(await _mail.PageAsync(alice, "Drafts", MessageSort.Date, true, 0, 10));
        var bob = await UserAsync("bob@example.com");
        Assert.Equal("Plans for Friday", Assert.Single(await _mail.PageAsync(bob, "INBOX", MessageSort.Date, true, 0, 10)).Summary.Subject);
    }

    [Fact]
    public async Task A_refused_recipient_sends_nothing_and_says_why()
    {
        var alice = await UserAsync("alice@example.com");
        var model = new ComposeModel { To = "bob@example.com, nobody@example.com", Subject = "x", Html = "<p>x</p>" };
        var e = await Assert.ThrowsAsync<MailActionException>(() => _mail.SendAsync(alice, model, null));
        Assert.Equal("Mail.Error.Refused", e.Key);
        Assert.Contains("nobody@example.com: 550 5.1.1", (string)e.Arguments[0], StringComparison.Ordinal);
        Assert.Equal("Mail.Error.NoRecipients", await RefusedAsync(() => _mail.SendAsync(alice, new ComposeModel { Subject = "x" }, null)));
        var bob = await UserAsync("bob@example.com");
        Assert.Empty(await _mail.PageAsync(bob, "INBOX", MessageSort.Date, true, 0, 10));
        Assert.Empty(await _mail.PageAsync(alice, "Sent", MessageSort.Date, true, 0, 10));
    }

    [Fact]
    public async Task Remote_images_wait_for_the_reader_per_message_or_always_for_the_sender()
    {
        var alice = await UserAsync("alice@example.com");
        var (_, uid) = await PutAsync(alice, "INBOX", """
            From: News <news@shop.example>
            Subject: offers
            Content-Type: text/html; charset=utf-8

            <p>Hello</p><img src="https://tracker.example/pixel.png?id=42">
            """);
        var blocked = await _mail.ReadAsync(alice, "INBOX", uid);
        Assert.Equal(1, blocked.BlockedRemoteImages);
        Assert.DoesNotContain("tracker.example", blocked.FrameDocument, StringComparison.Ordinal);
        var once = await _mail.ReadAsync(alice, "INBOX", uid, allowRemoteImages: true);
        Assert.Contains("https://tracker.example/pixel.png", once.FrameDocument, StringComparison.Ordinal);
        Assert.DoesNotContain("tracker.example", (await _mail.ReadAsync(alice, "INBOX", uid)).FrameDocument, StringComparison.Ordinal);
        await _mail.TrustSenderAsync(alice, "news@shop.example");
        Assert.Contains("https://tracker.example/pixel.png", (await _mail.ReadAsync(alice, "INBOX", uid)).FrameDocument, StringComparison.Ordinal);
        // Bob trusted nobody: his copy of the same mail stays blocked.
        var bob = await UserAsync("bob@example.com");
        var (_, his) = await PutAsync(bob, "INBOX", "From: news@shop.example\nSubject: offers\nContent-Type: text/html\n\n<img src=\"https://tracker.example/p.png\">\n");
        Assert.Equal(1, (await _mail.ReadAsync(bob, "INBOX", his)).BlockedRemoteImages);
    }

    [Fact]
    public async Task Inline_images_attachments_and_an_attached_message_are_offered_as_such()
    {
        var alice = await UserAsync("alice@example.com");
        var (mailbox, uid) = await PutAsync(alice, "INBOX", """
            From: bob@example.com
            Subject: outer
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="m"

            --m
            Content-Type: multipart/related; boundary="r"

            --r
            Content-Type: text/html; charset=utf-8

            <p>Logo: <img src="cid:logo@x"></p>
            --r
            Content-Type: image/png
            Content-ID: <logo@x>
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --r--
            --m
            Content-Type: text/html; name="page.html"
            Content-Disposition: attachment; filename="page.html"

            <script>alert(1)</script>
            --m
            Content-Type: message/rfc822

            From: carol@elsewhere.example
            Subject: inner

            the attached message
            --m--
            """);
        var view = await _mail.ReadAsync(alice, "INBOX", uid);
        Assert.Contains($"/mail/part/{mailbox}/{uid}/", view.FrameDocument, StringComparison.Ordinal);
        Assert.Equal(["page.html", "inner.eml"], view.Attachments.Select(a => a.FileName));
        var image = await _mail.PartAsync(alice, mailbox, uid, "3");
        Assert.Equal(("image/png", true), (image!.ContentType, image.Inline));
        Assert.Equal(Convert.FromBase64String("iVBORw0KGgo="), image.Content);
        var inner = view.Attachments.Single(a => a.IsMessage);
        var opened = await _mail.ReadAsync(alice, "INBOX", uid, inner.Part);
        Assert.Equal("inner", opened.Subject);
        Assert.Contains("the attached message", opened.FrameDocument, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Public_folders_appear_under_their_own_heading_for_those_the_acl_lets_in()
    {
        var store = _host.Get<MailStore>();
        await store.CreatePublicMailboxAsync("Announcements");
        var alice = await UserAsync("alice@example.com");
        Assert.DoesNotContain(await _mail.FoldersAsync(alice), f => f.Section == FolderSection.Public);
        var folder = (await store.FindPublicMailboxAsync("Announcements"))!;
        await store.SetAclAsync(folder.Id, MailStore.Anyone, "lrs");
        var node = Assert.Single(await _mail.FoldersAsync(alice), f => f.Section == FolderSection.Public);
        Assert.Equal(("Shared Folders/Announcements", "Announcements"), (node.Path, node.DisplayName));
        Assert.Empty(await _mail.PageAsync(alice, node.Path, MessageSort.Date, true, 0, 10));
        // Read only for her: nothing may be moved in.
        var (_, uid) = await PutAsync(alice, "INBOX", "Subject: news\n\nx\n");
        Assert.Equal("Mail.Error.NoRight", await RefusedAsync(() => _mail.MoveAsync(alice, "INBOX", [uid], node.Path)));
    }

    [Fact]
    public async Task A_reader_of_a_shared_folder_reads_for_themself_in_the_list_the_counts_and_the_search()
    {
        var alice = await UserAsync("alice@example.com");
        var bob = await UserAsync("bob@example.com");
        var (inbox, first) = await PutAsync(alice, "INBOX", "Subject: first\n\none\n");
        var (_, second) = await PutAsync(alice, "INBOX", "Subject: second\n\ntwo\n");
        await _mail.ShareAsync(alice, "INBOX", "bob@example.com", ShareLevel.Read);
        const string shared = "Other Users/alice@example.com/INBOX";

        Assert.Equal(2, Assert.Single(await _mail.FoldersAsync(bob), f => f.MailboxId == inbox).Unread);
        await _mail.ReadAsync(bob, shared, first);
        Assert.Equal(1, Assert.Single(await _mail.FoldersAsync(bob), f => f.MailboxId == inbox).Unread);
        Assert.Equal(2, Assert.Single(await _mail.FoldersAsync(alice), f => f.MailboxId == inbox).Unread);
        bool Seen(IEnumerable<ListedMessage> list, long uid) => MessageFlags.Has(list.Single(m => m.Uid == uid).Flags, MessageFlags.Seen);
        var bobs = await _mail.PageAsync(bob, shared, MessageSort.Date, true, 0, 10);
        Assert.True(Seen(bobs, first));
        Assert.False(Seen(bobs, second));
        Assert.False(Seen(await _mail.PageAsync(alice, "INBOX", MessageSort.Date, true, 0, 10), first));
        Assert.Equal(0, Assert.Single(await _mail.ThreadsAsync(bob, shared, 0, 10), t => t.Latest.Uid == first).Unread);
        Assert.Equal(1, Assert.Single(await _mail.ThreadsAsync(alice, "INBOX", 0, 10), t => t.Latest.Uid == first).Unread);
        var found = await _mail.SearchAsync(bob, null, new MessageQuery(Subject: "first"));
        Assert.True(MessageFlags.Has(Assert.Single(found, f => f.Folder.MailboxId == inbox).Message.Flags, MessageFlags.Seen));
        Assert.False(MessageFlags.Has(Assert.Single(await _mail.SearchAsync(alice, "INBOX", new MessageQuery(Subject: "first"))).Message.Flags, MessageFlags.Seen));

        // Marking unread is his too; alice reading her own mail does not read it for him.
        await _mail.SetFlagAsync(bob, shared, [first], MessageFlags.Seen, false);
        await _mail.ReadAsync(alice, "INBOX", second);
        Assert.Equal(2, Assert.Single(await _mail.FoldersAsync(bob), f => f.MailboxId == inbox).Unread);
        Assert.Equal(1, Assert.Single(await _mail.FoldersAsync(alice), f => f.MailboxId == inbox).Unread);
    }

    [Fact]
    public async Task A_shared_folder_is_renamed_in_the_webmail_by_a_user_with_the_right_only()
    {
        var alice = await UserAsync("alice@example.com");
        var bob = await UserAsync("bob@example.com");
        await _mail.CreateFolderAsync(alice, "Projects");
        await _mail.ShareAsync(alice, "Projects", "bob@example.com", ShareLevel.ReadWrite);
        Assert.Equal("Mail.Error.NoRight", await RefusedAsync(() => _mail.RenameFolderAsync(bob, "Other Users/alice@example.com/Projects", "Other Users/alice@example.com/Plans")));
        await _mail.ShareAsync(alice, "Projects", "bob@example.com", ShareLevel.Full);
        await _mail.RenameFolderAsync(bob, "Other Users/alice@example.com/Projects", "Other Users/alice@example.com/Plans");
        Assert.Contains(await _mail.FoldersAsync(alice), f => f.Path == "Plans");
        Assert.Contains(await _mail.FoldersAsync(bob), f => f.Path == "Other Users/alice@example.com/Plans");
        Assert.Equal("Mail.Error.FolderName", await RefusedAsync(() => _mail.RenameFolderAsync(bob, "Other Users/alice@example.com/Plans", "Plans")));
    }
}
