using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>
/// "Undo send" against the real host, with a hold of six seconds: Undo takes the message back into the form (and
/// Drafts) and it never arrives; a send not undone arrives, with the user's signature, even when the tab is closed
/// during the hold. What arrives, and what does not, is checked over IMAP with Python's imaplib.
/// </summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class WebmailUndoSendBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private const int HoldSeconds = 6;
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartWithImapAsync($"--Appliance:Webmail:UndoSendSeconds={HoldSeconds}");
        var users = _host.Get<UserService>();
        await users.AddAsync(Actor.CommandLine, new NewUser("alice@example.com", Password, "Alice Martin"));
        await users.AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob Keller"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Root => _host.BaseAddress.ToString().TrimEnd('/');

    private async Task<IPage> SignInAsync()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Root + "/mail");
        await page.Locator("#login-address").FillAsync("alice@example.com");
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-password").PressAsync("Enter");
        await page.Locator(".mail[data-ready='true']").WaitForAsync();
        return page;
    }

    private static async Task WriteAsync(IPage page, string subject, string body)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Compose", Exact = true }).ClickAsync();
        await page.Locator(".compose[data-ready='true']").WaitForAsync();
        await page.GetByLabel("To", new() { Exact = true }).FillAsync("bob@example.com");
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync(subject);
        await page.Locator(".rz-html-editor-content").ClickAsync();
        await page.Keyboard.PressAsync("Control+Home");
        await page.Keyboard.TypeAsync(body);
    }

    /// <summary>
    /// How many messages with this subject Bob has once <paramref name="seconds"/> have passed, asking all along: it
    /// returns early when one arrives, so a test that expects none has watched for the whole time.
    /// </summary>
    private async Task<int> ArrivedAsync(string subject, int seconds)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import imaplib, ssl, time
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}); m.starttls(ssl_context=ctx); m.login('bob@example.com', '{{Password}}')
            m.select('INBOX')
            deadline = time.time() + {{seconds}}
            while True:
                found = m.uid('SEARCH', None, 'SUBJECT', '"{{subject}}"')[1][0].split()
                if found or time.time() > deadline: break
                time.sleep(0.3); m.noop()
            print(len(found))
            m.logout()
            """]);
        Assert.True(code == 0, error + output);
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Undo_takes_the_message_back_before_it_goes_and_a_send_not_undone_arrives()
    {
        var alice = await SignInAsync();
        await WriteAsync(alice, "Wrong recipient", "This was not meant for Bob.");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        var notice = alice.GetByRole(AriaRole.Status).Filter(new() { HasText = "Sending…" });
        await Expect(notice).ToBeVisibleAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Undo", Exact = true }).ClickAsync();

        // Back in the form, as it was, and in Drafts.
        await alice.Locator(".compose[data-ready='true']").WaitForAsync();
        await Expect(alice.GetByText("Sending was undone")).ToBeVisibleAsync();
        await Expect(alice.GetByLabel("Subject", new() { Exact = true })).ToHaveValueAsync("Wrong recipient");
        await Expect(alice.Locator(".rz-html-editor-content")).ToContainTextAsync("not meant for Bob");
        // Never sent: watched for longer than the hold.
        Assert.Equal(0, await ArrivedAsync("Wrong recipient", HoldSeconds + 4));

        // Sent again and left alone, it goes when the hold is over.
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Status).Filter(new() { HasText = "Sending…" })).ToBeVisibleAsync();
        await Expect(alice.GetByText("Your message was sent.")).ToBeVisibleAsync(new() { Timeout = (HoldSeconds + 20) * 1000 });
        Assert.Equal(1, await ArrivedAsync("Wrong recipient", 20));
    }

    [Fact]
    public async Task A_held_message_is_sent_when_its_time_is_up_though_the_tab_was_closed_and_carries_the_signature()
    {
        var alice = await SignInAsync();
        await alice.GotoAsync(Root + "/preferences/signature");
        await alice.Locator(".signature-page[data-ready='true']").WaitForAsync();
        await alice.GetByLabel("Signature added to the messages you write").FillAsync("Alice Martin\nExample Corp, Accounts");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Save signature" }).ClickAsync();
        await Expect(alice.GetByText("Signature saved.")).ToBeVisibleAsync();

        await alice.GotoAsync(Root + "/mail");
        await alice.Locator(".mail[data-ready='true']").WaitForAsync();
        await WriteAsync(alice, "Closed tab", "Sent and the tab closed.");
        await Expect(alice.Locator(".rz-html-editor-content .signature")).ToContainTextAsync("Example Corp, Accounts");
        await alice.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.Status).Filter(new() { HasText = "Sending…" })).ToBeVisibleAsync();
        await alice.Context.CloseAsync();

        Assert.Equal(1, await ArrivedAsync("Closed tab", HoldSeconds + 20));
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import imaplib, ssl, email, email.policy
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}); m.starttls(ssl_context=ctx); m.login('bob@example.com', '{{Password}}')
            m.select('INBOX')
            uid = m.uid('SEARCH', None, 'SUBJECT', '"Closed tab"')[1][0].split()[0]
            msg = email.message_from_bytes(m.uid('FETCH', uid, '(BODY.PEEK[])')[1][0][1], policy=email.policy.default)
            plain = msg.get_body(('plain',)).get_content()
            assert 'Sent and the tab closed.' in plain, plain
            text = plain.replace('\r\n', '\n')
            assert 'Alice Martin\nExample Corp, Accounts' in text and text.index('--') < text.index('Example Corp'), plain
            m.logout()
            a = imaplib.IMAP4('127.0.0.1', {{_host.ImapPort}}); a.starttls(ssl_context=ctx); a.login('alice@example.com', '{{Password}}')
            a.select('Drafts')
            assert a.uid('SEARCH', None, 'ALL')[1] == [b''], 'the draft saved for the hold is gone once sent'
            a.logout()
            """]);
        Assert.True(code == 0, error + output);
    }
}
