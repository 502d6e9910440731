using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>
/// The web client in Chromium against the real host: mail arrives over SMTP and is read, written, replied to,
/// searched, moved and shared in the browser, and what was sent is checked over IMAP with Python's imaplib.
/// </summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed partial class WebmailBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        // Drafts save every two seconds here, so the autosave test need not wait ten; a sent message is held one
        // second for undo (WebmailUndoSendBrowserTests holds it longer).
        _host = await RunningHost.StartWithImapAsync("--Appliance:Webmail:DraftAutosaveSeconds=2", "--Appliance:Webmail:UndoSendSeconds=1");
        var users = _host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("alice@example.com", Password, "Alice Martin"));
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob Keller"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Root => _host.BaseAddress.ToString().TrimEnd('/');

    private async Task<IPage> SignInAsync(string address, string locale = "en-US")
    {
        var page = await browser.NewPageAsync(locale);
        await page.GotoAsync(Root + "/mail");
        await page.Locator("#login-address").FillAsync(address);
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-password").PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/mail"));
        await page.WaitForCircuitAsync();
        return page;
    }

    /// <summary>Runs a Python script (smtplib, imaplib) against the host; the script asserts, this checks it passed.</summary>
    private async Task<string> PythonAsync(string script)
    {
        var preamble = $$"""
            import imaplib, smtplib, ssl, email, email.policy, time
            HOST = '127.0.0.1'; IMAP = {{_host.ImapPort}}; SMTP = {{_host.SmtpPort}}; SUBMISSION = {{_host.SubmissionPort}}
            PASSWORD = '{{Password}}'
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def ok(result):
                typ, data = result
                assert typ == 'OK', result
                return data
            def imap(user):
                m = imaplib.IMAP4(HOST, IMAP); m.starttls(ssl_context=ctx); ok(m.login(user, PASSWORD)); return m
            def submit(user, msg):
                s = smtplib.SMTP(HOST, SUBMISSION, timeout=20); s.starttls(context=ctx); s.login(user, PASSWORD)
                assert s.send_message(msg) == {}; s.quit()

            """;
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", preamble + script]);
        Assert.True(code == 0, error + output);
        return output;
    }

    private static ILocator Row(IPage page, string subject) =>
        page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });

    /// <summary>The row's own button, the one that opens the message (the others are its hover actions).</summary>
    private static ILocator Opener(IPage page, string subject) => Row(page, subject).Locator("button.row-open");

    /// <summary>
    /// Ticks a row's box and waits for the page to show it ticked: the box is a Radzen checkbox, whose state comes back
    /// from the server, too late for Playwright's CheckAsync, which looks right after its click.
    /// </summary>
    private static async Task TickAsync(ILocator row)
    {
        var box = row.GetByRole(AriaRole.Checkbox);
        await box.ClickAsync();
        await Expect(box).ToBeCheckedAsync();
    }

    /// <summary>An address field as the user sees it: its chips, then what is being typed.</summary>
    internal static Task<string> FieldTextAsync(IPage page, string id) =>
        page.EvaluateAsync<string>("""
            id => {
                const input = document.getElementById(id);
                const chips = [...input.closest('.recipient-field').querySelectorAll('.chip-text')].map(c => c.textContent);
                return chips.concat(input.value ? [input.value] : []).join(', ');
            }
            """, id);

    /// <summary>Asks until the answer is <paramref name="expected"/> or 20 seconds pass; returns the last answer.</summary>
    internal static async Task<string> EventuallyAsync(Func<Task<string>> ask, string expected)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        var last = await ask();
        while (last != expected && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
            last = await ask();
        }
        return last;
    }

    [Fact]
    public async Task Read_reply_with_attachment_compose_search_move_and_share_end_to_end()
    {
        // Bob writes to Alice over SMTP submission.
        await PythonAsync("""
            msg = email.message.EmailMessage()
            msg['From'] = 'Bob Keller <bob@example.com>'; msg['To'] = 'alice@example.com'
            msg['Subject'] = 'Quarterly figures'; msg['Message-ID'] = '<figures-1@example.com>'
            msg.set_content('The quarterly figures are attached to the next mail. Blue pelican.')
            submit('bob@example.com', msg)
            """);

        var alice = await SignInAsync("alice@example.com");
        // The folder tree: special folders, the inbox with its unread count.
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Inbox, 1 unread" })).ToBeVisibleAsync();
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Sent", Exact = true })).ToBeVisibleAsync();
        await Opener(alice, "Quarterly figures").ClickAsync();
        var frame = alice.FrameLocator("iframe.message-frame");
        await Expect(frame.GetByText("Blue pelican")).ToBeVisibleAsync();
        await Expect(alice.Locator(".reading-headers .from")).ToContainTextAsync("bob@example.com");
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Inbox", Exact = true })).ToBeVisibleAsync();
        await alice.AssertAccessibleAsync("the reading pane");
        await Screenshots.SaveAsync(alice, "webmail-reading");

        // Reply, with a file attached.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Reply", Exact = true }).ClickAsync();
        await alice.Locator(".compose[data-ready='true']").WaitForAsync();
        await Expect(alice.GetByLabel("To", new() { Exact = true })).ToHaveValueAsync(new Regex("bob@example.com"));
        await Expect(alice.GetByLabel("Subject", new() { Exact = true })).ToHaveValueAsync("Re: Quarterly figures");
        var body = alice.Locator(".rz-html-editor-content");
        await body.ClickAsync();
        await alice.Keyboard.PressAsync("Control+Home");
        await alice.Keyboard.TypeAsync("Thanks, the budget sheet is attached.");
        await alice.GetByLabel("Attach files").SetInputFilesAsync(new FilePayload
        {
            Name = "budget.csv",
            MimeType = "text/csv",
            Buffer = "line,amount\nrent,1200\n"u8.ToArray(),
        });
        await Expect(alice.GetByRole(AriaRole.List, new() { Name = "Attachments" })).ToContainTextAsync("budget.csv");
        await alice.AssertAccessibleAsync("compose");
        await Screenshots.SaveAsync(alice, "webmail-compose");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await alice.Locator(".mail[data-ready='true']").WaitForAsync();
        await Expect(alice.GetByText("Your message was sent.")).ToBeVisibleAsync();

        // Bob finds the reply over IMAP: threaded, with the attachment and a plain-text alternative.
        await PythonAsync("""
            m = imap('bob@example.com'); ok(m.select('INBOX'))
            uids = ok(m.uid('SEARCH', None, 'SUBJECT', '"Re: Quarterly figures"'))[0].split()
            assert len(uids) == 1, uids
            raw = ok(m.uid('FETCH', uids[0], '(BODY.PEEK[])'))[0][1]
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            assert msg['In-Reply-To'] == '<figures-1@example.com>', msg['In-Reply-To']
            assert '<figures-1@example.com>' in msg['References'], msg['References']
            assert 'Alice Martin' in msg['From'] and 'alice@example.com' in msg['From'], msg['From']
            assert msg['Bcc'] is None
            plain = msg.get_body(('plain',)).get_content(); html = msg.get_body(('html',)).get_content()
            assert 'the budget sheet is attached' in plain and '<' not in plain.split('\n')[0], plain
            assert 'the budget sheet is attached' in html, html
            names = [p.get_filename() for p in msg.iter_attachments()]
            assert names == ['budget.csv'], names
            assert [p for p in msg.iter_attachments()][0].get_content() == 'line,amount\nrent,1200\n'
            m.logout()
            """);

        // A new message, the address completed from the directory.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Compose", Exact = true }).ClickAsync();
        await alice.Locator(".compose[data-ready='true']").WaitForAsync();
        await alice.GetByLabel("To", new() { Exact = true }).PressSequentiallyAsync("bob");
        var suggestion = alice.GetByRole(AriaRole.Option, new() { Name = "Bob Keller <bob@example.com>" });
        await Expect(suggestion).ToBeVisibleAsync();
        await suggestion.ClickAsync();
        // The pick is a chip, with its own remove button; the field is empty for the next address.
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Remove Bob Keller <bob@example.com>" })).ToBeVisibleAsync();
        await Expect(alice.GetByLabel("To", new() { Exact = true })).ToHaveValueAsync("");
        await alice.GetByLabel("Subject", new() { Exact = true }).FillAsync("Lunch on Friday");
        await alice.Locator(".rz-html-editor-content").ClickAsync();
        await alice.Keyboard.TypeAsync("Shall we try the new place near the station?");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(alice.GetByText("Your message was sent.")).ToBeVisibleAsync();
        await PythonAsync("""
            m = imap('bob@example.com'); ok(m.select('INBOX'))
            uids = ok(m.uid('SEARCH', None, 'SUBJECT', '"Lunch on Friday"'))[0].split()
            assert len(uids) == 1, uids
            raw = ok(m.uid('FETCH', uids[0], '(BODY.PEEK[])'))[0][1]
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            assert 'bob@example.com' in msg['To'], msg['To']
            assert 'near the station' in msg.get_body(('plain',)).get_content()
            m.logout()
            # Alice's copy is in her Sent folder, read.
            a = imap('alice@example.com'); ok(a.select('Sent'))
            found = ok(a.uid('SEARCH', None, 'SEEN', 'SUBJECT', '"Lunch on Friday"'))[0].split()
            assert len(found) == 1, found
            a.logout()
            """);

        // Search: by a word of the body, in this folder.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await alice.GetByLabel("Search mail").FillAsync("pelican");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(alice.GetByText("1 message(s) found")).ToBeVisibleAsync();
        await Expect(Row(alice, "Quarterly figures")).ToBeVisibleAsync();
        await alice.GetByLabel("Search mail").FillAsync("no-such-word-anywhere");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(alice.GetByText("0 message(s) found")).ToBeVisibleAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Clear search" }).ClickAsync();

        // A new folder; the message moved there with the menu.
        await alice.GetByText("New folder", new() { Exact = true }).ClickAsync();
        await alice.GetByLabel("Folder name").FillAsync("Projects");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Create folder" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Projects", Exact = true })).ToBeVisibleAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Inbox", Exact = true }).ClickAsync();
        await TickAsync(Row(alice, "Quarterly figures"));
        await alice.GetByRole(AriaRole.Toolbar, new() { Name = "Message actions" }).GetByRole(AriaRole.Button, new() { Name = "Move to…" }).ClickAsync();
        await alice.GetByRole(AriaRole.Menuitem, new() { Name = "Projects" }).ClickAsync();
        await Expect(Row(alice, "Quarterly figures")).ToHaveCountAsync(0);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Projects", Exact = true }).ClickAsync();
        await Expect(Row(alice, "Quarterly figures")).ToBeVisibleAsync();

        // Share Projects with Bob, read only.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await alice.GetByLabel("User", new() { Exact = true }).FillAsync("bob@example.com");
        await alice.GetByRole(AriaRole.Radiogroup, new() { Name = "Rights" }).GetByRole(AriaRole.Radio, new() { Name = "Read", Exact = true }).ClickAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Share folder" }).ClickAsync();
        await Expect(alice.GetByText("\"Projects\" is shared with bob@example.com.")).ToBeVisibleAsync();
        // Per-user \Seen is on by default; the owner may have her readers share one read state, and back.
        var privateSeen = alice.GetByLabel("Each reader keeps their own read and unread state");
        await Expect(privateSeen).ToBeCheckedAsync();
        // Its input is hidden for screen readers' sake; a person clicks the switch drawn around it.
        var switchDrawn = privateSeen.Locator("xpath=..");
        await switchDrawn.ClickAsync();
        await Expect(privateSeen).Not.ToBeCheckedAsync();
        await Expect(alice.GetByText("Readers of Projects now share one read state.")).ToBeVisibleAsync();
        await switchDrawn.ClickAsync();
        await Expect(privateSeen).ToBeCheckedAsync();
        await Expect(alice.GetByText("Each reader now keeps their own read state in Projects.")).ToBeVisibleAsync();
        await alice.ScreenshotForDocsAsync("webmail-folder-sharing");

        var bob = await SignInAsync("bob@example.com");
        await Expect(bob.GetByText("Other users")).ToBeVisibleAsync();
        // Alice has read "Quarterly figures"; for Bob it is unread, as his reading will be his own (per-user \Seen).
        await bob.GetByRole(AriaRole.Button, new() { Name = "Projects, 1 unread", Exact = true }).ClickAsync();
        // His own INBOX holds "Re: Quarterly figures": wait until the list is the shared folder's.
        await Expect(bob.Locator("li[data-folder='Other Users/alice@example.com/Projects'][aria-selected='true']")).ToBeVisibleAsync();
        await Expect(bob.GetByRole(AriaRole.Row)).ToHaveCountAsync(1);
        await Opener(bob, "Quarterly figures").ClickAsync();
        await Expect(bob.FrameLocator("iframe.message-frame").GetByText("Blue pelican")).ToBeVisibleAsync();
        await Expect(bob.GetByRole(AriaRole.Button, new() { Name = "Projects", Exact = true })).ToBeVisibleAsync();
        // Read only: Bob cannot delete Alice's message.
        await bob.GetByRole(AriaRole.Toolbar, new() { Name = "Actions on this message" }).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(bob.GetByText("You do not have the right to do that")).ToBeVisibleAsync();
        await bob.ScreenshotForDocsAsync("webmail-shared-folder");
        // And over IMAP the same folder is there for him under Other Users.
        await PythonAsync("""
            m = imap('bob@example.com')
            ok(m.select('"Other Users/alice@example.com/Projects"', readonly=True))
            assert len(ok(m.uid('SEARCH', None, 'ALL'))[0].split()) == 1
            m.logout()
            """);
    }

    [Fact]
    public async Task New_mail_and_flags_set_elsewhere_appear_without_a_reload_and_delete_goes_to_trash()
    {
        var alice = await SignInAsync("alice@example.com");
        await Expect(alice.GetByText("No messages here.")).ToBeVisibleAsync();
        await PythonAsync("""
            s = smtplib.SMTP(HOST, SMTP, timeout=20)
            s.sendmail('carol@elsewhere.example', ['alice@example.com'], b'From: Carol <carol@elsewhere.example>\r\nTo: alice@example.com\r\nSubject: Arrived while watching\r\n\r\nHello.\r\n')
            s.quit()
            """);
        await Expect(Row(alice, "Arrived while watching")).ToBeVisibleAsync();
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Inbox, 1 unread" })).ToBeVisibleAsync();
        await Expect(Row(alice, "Arrived while watching").GetByRole(AriaRole.Img, new() { Name = "Flagged" })).ToHaveCountAsync(0);

        // Another client (IMAP) flags it and reads it: the list follows.
        await PythonAsync("""
            m = imap('alice@example.com'); ok(m.select('INBOX'))
            ok(m.uid('STORE', '1', '+FLAGS', r'(\Flagged \Seen)')); m.logout()
            """);
        await Expect(Row(alice, "Arrived while watching").GetByRole(AriaRole.Img, new() { Name = "Flagged" })).ToBeVisibleAsync();
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Inbox", Exact = true })).ToBeVisibleAsync();

        // Delete moves to Trash; deleting there removes it for good.
        await TickAsync(Row(alice, "Arrived while watching"));
        await alice.GetByRole(AriaRole.Toolbar, new() { Name = "Message actions" }).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(Row(alice, "Arrived while watching")).ToHaveCountAsync(0);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Trash", Exact = true }).ClickAsync();
        await TickAsync(Row(alice, "Arrived while watching"));
        await alice.GetByRole(AriaRole.Toolbar, new() { Name = "Message actions" }).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(Row(alice, "Arrived while watching")).ToHaveCountAsync(0);
        await PythonAsync("""
            m = imap('alice@example.com')
            for box in ('INBOX', 'Trash'):
                ok(m.select(box)); assert ok(m.uid('SEARCH', None, 'ALL')) == [b''], box
            m.logout()
            """);
    }

    /// <summary>
    /// The hostile-mail set delivered over SMTP and opened in the real reading pane: no dialog, nothing
    /// touches the page, and no request leaves for anywhere but the appliance itself.
    /// </summary>
    [Fact]
    public async Task Hostile_mail_opened_in_the_reading_pane_runs_nothing_and_requests_nothing_outside()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "TestData", "HostileHtml");
        var files = Directory.GetFiles(directory, "*.html").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 20, "the hostile-mail set is missing");
        await PythonAsync($$"""
            import glob, os
            s = smtplib.SMTP(HOST, SMTP, timeout=20)
            for path in sorted(glob.glob({{System.Text.Json.JsonSerializer.Serialize(Path.Combine(directory, "*.html"))}})):
                msg = email.message.EmailMessage()
                msg['From'] = 'mallory@elsewhere.example'; msg['To'] = 'alice@example.com'
                msg['Subject'] = 'hostile ' + os.path.basename(path)
                msg.set_content(open(path, encoding='utf-8').read(), subtype='html')
                s.send_message(msg)
            s.quit()
            """);
        var alice = await SignInAsync("alice@example.com");
        // Tall enough that the virtualized list has every row of the set in the page.
        await alice.SetViewportSizeAsync(1400, 2400);
        var dialogs = new List<string>();
        var outside = new List<string>();
        alice.Dialog += async (_, dialog) =>
        {
            dialogs.Add($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
        await alice.Context.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url.StartsWith(Root + "/", StringComparison.Ordinal))
            {
                await route.ContinueAsync();
                return;
            }
            outside.Add(route.Request.Url);
            await route.AbortAsync();
        });
        await alice.EvaluateAsync("() => { window.pwned = false; }");
        foreach (var file in files)
        {
            var subject = "hostile " + Path.GetFileName(file);
            var row = Row(alice, subject);
            await row.ScrollIntoViewIfNeededAsync();
            await row.Locator("button.row-open").ClickAsync();
            await Expect(alice.Locator(".reading-subject")).ToHaveTextAsync(subject);
            // Time for what a message might try later: meta refresh, lazy images, timers.
            await alice.WaitForTimeoutAsync(300);
            Assert.True(await alice.FrameLocator("iframe.message-frame").Locator("body").CountAsync() == 1, $"{subject}: the message did not render");
            Assert.False(await alice.EvaluateAsync<bool>("() => window.pwned !== false"), $"{subject}: the page was touched");
            Assert.True(dialogs.Count == 0, $"{subject}: dialogs opened: {string.Join("; ", dialogs)}");
            Assert.True(outside.Count == 0, $"{subject}: requests left the appliance: {string.Join(", ", outside)}");
        }
        Assert.Equal(new Uri(Root + "/mail").AbsolutePath, new Uri(alice.Url).AbsolutePath);
    }

    [Fact]
    public async Task Attachments_download_as_files_only_for_those_who_may_read_them()
    {
        await PythonAsync("""
            msg = email.message.EmailMessage()
            msg['From'] = 'carol@elsewhere.example'; msg['To'] = 'alice@example.com'; msg['Subject'] = 'Two files'
            msg.set_content('See attached.')
            msg.add_attachment(b'<script>alert(1)</script>', maintype='text', subtype='html', filename='page.html')
            msg.add_attachment(bytes(range(256)), maintype='application', subtype='octet-stream', filename='data.bin')
            s = smtplib.SMTP(HOST, SMTP, timeout=20); s.send_message(msg); s.quit()
            """);
        var alice = await SignInAsync("alice@example.com");
        await Opener(alice, "Two files").ClickAsync();
        var attachments = alice.GetByRole(AriaRole.List, new() { Name = "Attachments" });
        await Expect(attachments.GetByRole(AriaRole.Link)).ToHaveCountAsync(2);
        var html = Root + await attachments.GetByRole(AriaRole.Link, new() { Name = "page.html" }).GetAttributeAsync("href");
        var binary = Root + await attachments.GetByRole(AriaRole.Link, new() { Name = "data.bin" }).GetAttributeAsync("href");

        var download = await alice.APIRequest.GetAsync(binary);
        Assert.Equal(200, download.Status);
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), await download.BodyAsync());
        Assert.StartsWith("attachment", download.Headers["content-disposition"], StringComparison.Ordinal);
        // An HTML attachment is a file to save, never a page of this site.
        var page = await alice.APIRequest.GetAsync(html);
        Assert.Equal(200, page.Status);
        Assert.Equal("application/octet-stream", page.Headers["content-type"]);
        Assert.Contains("sandbox", page.Headers["content-security-policy"], StringComparison.Ordinal);

        // Bob, signed in but not shared with, gets nothing; nor does someone signed out.
        var bob = await SignInAsync("bob@example.com");
        Assert.Equal(404, (await bob.APIRequest.GetAsync(binary)).Status);
        var stranger = await browser.NewPageAsync();
        var anonymous = await stranger.APIRequest.GetAsync(binary, new() { MaxRedirects = 0 });
        Assert.Equal(302, anonymous.Status);
        Assert.Contains("/account/login", anonymous.Headers["location"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_drag_onto_a_folder_conversations_group_and_the_client_speaks_french()
    {
        await PythonAsync("""
            s = smtplib.SMTP(HOST, SMTP, timeout=20)
            def send(subject, mid, refs=None):
                headers = f'From: Carol <carol@elsewhere.example>\r\nTo: alice@example.com\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n'
                if refs: headers += f'In-Reply-To: {refs}\r\nReferences: {refs}\r\n'
                s.sendmail('carol@elsewhere.example', ['alice@example.com'], (headers + '\r\nbody\r\n').encode())
            send('Budget 2027', '<b1@x>')
            send('Re: Budget 2027', '<b2@x>', '<b1@x>')
            send('Holiday rota', '<h1@x>')
            s.quit()
            """);
        var alice = await SignInAsync("alice@example.com", "fr-FR");
        // French: the special folders and the buttons in the user's language.
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Écrire", Exact = true })).ToBeVisibleAsync();
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Corbeille", Exact = true })).ToBeVisibleAsync();
        await Expect(alice.GetByRole(AriaRole.Button, new() { Name = "Envoyés", Exact = true })).ToBeVisibleAsync();

        // Conversations: the reply and its original are one row of two.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Conversations" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);
        await Expect(Row(alice, "Budget 2027").GetByLabel("2 messages dans cette conversation")).ToBeVisibleAsync();
        await Opener(alice, "Budget 2027").ClickAsync();
        await Expect(alice.GetByRole(AriaRole.List, new() { Name = "Conversation" })).ToBeVisibleAsync();
        await alice.ScreenshotForDocsAsync("webmail-conversations-fr");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Conversations" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Row)).ToHaveCountAsync(3);

        // Drag a message onto Archive.
        await Opener(alice, "Holiday rota").DragToAsync(alice.Locator("li[data-folder='Archive']"));
        await Expect(Row(alice, "Holiday rota")).ToHaveCountAsync(0);
        await alice.GetByRole(AriaRole.Button, new() { Name = "Archives" }).ClickAsync();
        await Expect(Row(alice, "Holiday rota")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_draft_saves_itself_while_typing_and_resumes_with_what_was_typed()
    {
        var alice = await SignInAsync("alice@example.com");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Compose", Exact = true }).ClickAsync();
        await alice.Locator(".compose[data-ready='true']").WaitForAsync();
        await alice.GetByLabel("To", new() { Exact = true }).FillAsync("bob@example.com, carol@");
        await alice.GetByLabel("Subject", new() { Exact = true }).FillAsync("Half written");
        await alice.Locator(".rz-html-editor-content").ClickAsync();
        await alice.Keyboard.TypeAsync("Not finished yet");
        // Nobody pressed Save: the timer did.
        await Expect(alice.GetByText(new Regex("^Draft saved at"))).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await PythonAsync("""
            m = imap('alice@example.com'); ok(m.select('Drafts'))
            deadline = time.time() + 10
            while True:
                ok(m.noop())
                uids = ok(m.uid('SEARCH', None, 'DRAFT', 'SUBJECT', '"Half written"'))[0].split()
                raw = ok(m.uid('FETCH', uids[0], '(BODY.PEEK[])'))[0][1] if len(uids) == 1 else b''
                if b'Not finished yet' in raw or time.time() > deadline: break
                time.sleep(0.3)
            # One draft, replaced at each save, holding what was typed last.
            assert len(uids) == 1, uids
            assert b'Not finished yet' in raw, raw
            m.logout()
            """);

        // Sending to the half-typed address is refused, with the reason; the draft stays.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(alice.GetByText(new Regex("Not a valid address: carol@"))).ToBeVisibleAsync();

        // Leave, find it in Drafts, and carry on where it was left.
        await alice.GotoAsync(Root + "/mail?folder=Drafts");
        await alice.Locator(".mail[data-ready='true']").WaitForAsync();
        await Opener(alice, "Half written").ClickAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Edit draft" }).ClickAsync();
        await alice.Locator(".compose[data-ready='true']").WaitForAsync();
        await Expect(alice.GetByLabel("Subject", new() { Exact = true })).ToHaveValueAsync("Half written");
        Assert.Equal("bob@example.com, carol@", await EventuallyAsync(() => FieldTextAsync(alice, "compose-to"), "bob@example.com, carol@"));
        await Expect(alice.Locator(".rz-html-editor-content")).ToContainTextAsync("Not finished yet");
        // The half-typed address is a chip marked invalid (or still being typed): take it out.
        var carol = alice.GetByRole(AriaRole.Button, new() { Name = "Remove carol@" });
        if (await carol.CountAsync() == 1) await carol.ClickAsync();
        else await alice.GetByLabel("To", new() { Exact = true }).FillAsync("");
        Assert.Equal("bob@example.com", await EventuallyAsync(() => FieldTextAsync(alice, "compose-to"), "bob@example.com"));
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(alice.GetByText("Your message was sent.")).ToBeVisibleAsync();
        await PythonAsync("""
            m = imap('alice@example.com'); ok(m.select('Drafts'))
            assert ok(m.uid('SEARCH', None, 'ALL')) == [b''], 'the draft is gone once sent'
            m.logout()
            b = imap('bob@example.com'); ok(b.select('INBOX'))
            assert len(ok(b.uid('SEARCH', None, 'SUBJECT', '"Half written"'))[0].split()) == 1
            b.logout()
            """);
    }
}
