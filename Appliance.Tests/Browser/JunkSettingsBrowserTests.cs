using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Filtering.Bayes;
using Appliance.Filtering.Junk;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>
/// "Not spam: always allow this sender" and "Spam: block this sender" in the reading pane, with real spamd and GTUBE:
/// each moves the message, trains the classifier and puts the sender on the user's list, which the next message meets
/// and the explanation names; the Junk settings page shows and edits the same lists.
/// </summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class JunkSettingsBrowserTests(BrowserFixture browser)
{
    private const string Password = "Str0ng-Passw0rd";

    private static async Task SendGtubeAsync(RunningHost host, string subject)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=120)
            s.sendmail('anna@elsewhere.example', ['bob@example.com'], 'From: Anna <anna@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: {{subject}}\r\n\r\n{{PrivateSpamd.Gtube}}\r\n')
            s.quit()
            """], timeoutSeconds: 180);
        Assert.True(code == 0, error + output);
    }

    private static async Task OpenAsync(IPage page, string root, string folder, string subject)
    {
        await page.GotoAsync(root + "/mail?folder=" + folder);
        await page.WaitForCircuitAsync();
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject }).Locator("button.row-open").ClickAsync();
    }

    [Fact]
    public async Task Not_spam_always_allow_moves_to_the_inbox_trains_and_lets_the_next_Gtube_in_and_block_sends_it_back_to_Junk()
    {
        await using var spamd = await PrivateSpamd.StartAsync();
        await using var host = await RunningHost.StartWithSmtpAsync(
            "--Appliance:Filtering:SpamAssassin:Enabled=true", $"--Appliance:Filtering:SpamAssassin:Port={spamd.Port}");
        var bob = await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        var store = host.Get<MailStore>();
        var bayes = host.Get<BayesClassifier>();
        await SendGtubeAsync(host, "Cheap watches");
        Assert.Single(await store.MessagesAsync("bob@example.com", "Junk"));

        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/mail?folder=Junk");
        await page.Locator("#login-address").FillAsync("bob@example.com");
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-password").PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/mail"));
        await page.WaitForCircuitAsync();
        await OpenAsync(page, root, "Junk", "Cheap watches");

        await page.Locator("details.spam-why").GetByRole(AriaRole.Button, new() { Name = "Not spam: always allow this sender" }).ClickAsync();

        await Eventually.HoldsAsync(async () => (await store.MessagesAsync("bob@example.com")).Count == 1, "the message is back in the inbox");
        Assert.Empty(await store.MessagesAsync("bob@example.com", "Junk"));
        await Eventually.HoldsAsync(async () => (await bayes.StatsAsync(bob.Id, default)).Ham == 1, "the classifier learned it as not spam");
        var allowed = Assert.Single((await host.Get<JunkSettingsStore>().GetUserAsync(bob.Id)).Senders);
        Assert.Equal(("anna@elsewhere.example", SenderListKind.Allow), (allowed.Entry, allowed.Kind));

        // The sender is allowed: the next GTUBE from them reaches the inbox, and "why not in Junk?" says so.
        await SendGtubeAsync(host, "More cheap watches");
        Assert.Equal(2, (await store.MessagesAsync("bob@example.com")).Count);
        Assert.Empty(await store.MessagesAsync("bob@example.com", "Junk"));
        await OpenAsync(page, root, "INBOX", "More cheap watches");
        var why = page.Locator("details.spam-why");
        await Expect(why.Locator("summary")).ToHaveTextAsync("Why is this not in Junk?");
        await why.Locator("summary").ClickAsync();
        await Expect(why.GetByRole(AriaRole.Row).Filter(new() { HasText = "USER_ALLOW" })).ToContainTextAsync("You always allow this sender (your allow list).");
        await Expect(why.GetByRole(AriaRole.Row).Filter(new() { HasText = "SA_GTUBE" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Spam: block this sender" }).ClickAsync();

        await Eventually.HoldsAsync(async () => (await store.MessagesAsync("bob@example.com", "Junk")).Count == 1, "the message is in Junk");
        await Eventually.HoldsAsync(async () => (await bayes.StatsAsync(bob.Id, default)).Spam == 1, "the classifier learned it as spam");
        var blocked = Assert.Single((await host.Get<JunkSettingsStore>().GetUserAsync(bob.Id)).Senders);
        Assert.Equal(SenderListKind.Block, blocked.Kind);
        await OpenAsync(page, root, "Junk", "More cheap watches");
        await Expect(page.Locator("details.spam-why").GetByRole(AriaRole.Row).Filter(new() { HasText = "USER_ALLOW" })).ToBeVisibleAsync();

        // The next one meets the block list, and its explanation names it.
        await SendGtubeAsync(host, "Even more cheap watches");
        Assert.Equal(2, (await store.MessagesAsync("bob@example.com", "Junk")).Count);
        await OpenAsync(page, root, "Junk", "Even more cheap watches");
        await Expect(page.Locator("details.spam-why").GetByRole(AriaRole.Row).Filter(new() { HasText = "USER_BLOCK" })).ToContainTextAsync("You block this sender (your block list).");
    }

    [Fact]
    public async Task The_Junk_settings_page_saves_a_threshold_and_an_action_and_edits_the_lists()
    {
        await using var host = await RunningHost.StartWithSmtpAsync();
        var bob = await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/preferences/junk");
        await page.Locator("#login-address").FillAsync("bob@example.com");
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-password").PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/preferences/junk"));
        await Expect(page.Locator("section.junk-page[data-ready=true]")).ToBeVisibleAsync();

        await page.GetByLabel("Spam from this score").FillAsync("3.5");
        await page.GetByText("Hold it in the quarantine").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByText("Your junk settings are saved.")).ToBeVisibleAsync();
        var saved = await host.Get<JunkSettingsStore>().GetUserAsync(bob.Id);
        Assert.Equal((3.5, Appliance.Filtering.SpamAction.Quarantine), (saved.JunkScore, saved.Action));

        await page.Locator("#allow-list-entry").FillAsync("Friends.Example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
        await Expect(page.Locator("ul.allow-list")).ToContainTextAsync("@friends.example");
        await page.Locator("#block-list-entry").FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Block", Exact = true }).ClickAsync();
        await Expect(page.GetByText("is not a mail address or @domain")).ToBeVisibleAsync();
        await page.Locator("#block-list-entry").FillAsync("spam@shop.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Block", Exact = true }).ClickAsync();
        await Expect(page.Locator("ul.block-list")).ToContainTextAsync("spam@shop.example");
        await Screenshots.SaveAsync(page, "preferences-junk");
        await page.AssertAccessibleAsync("the Junk settings page");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove @friends.example" }).ClickAsync();
        await Expect(page.Locator("ul.allow-list")).Not.ToContainTextAsync("@friends.example");
        Assert.Equal("spam@shop.example", Assert.Single((await host.Get<JunkSettingsStore>().GetUserAsync(bob.Id)).Senders).Entry);
    }
}
