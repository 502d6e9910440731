using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Filtering.Bayes;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>
/// A message the door filed into Junk, in the webmail: "Why is this in Junk?" lists each check with its points and
/// reason, and "Not spam" puts it back in the inbox and teaches the user's classifier.
/// </summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class JunkBrowserTests(BrowserFixture browser)
{
    private const string Password = "Str0ng-Passw0rd";

    [Fact]
    public async Task Why_is_this_in_Junk_lists_the_symbols_and_Not_spam_moves_it_to_the_inbox_and_trains_the_classifier()
    {
        // A threshold below every real score: whatever arrives is spam, judged by the real chain (SPF, DKIM, DMARC).
        await using var host = await RunningHost.StartWithSmtpAsync("--Appliance:Filtering:JunkScore=-5");
        var bob = await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=30)
            s.sendmail('anna@elsewhere.example', ['bob@example.com'], 'From: Anna <anna@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: Board meeting agenda\r\n\r\nThe agenda is attached.\r\n')
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
        Assert.Single(await host.Get<MailStore>().MessagesAsync("bob@example.com", "Junk"));

        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/mail?folder=Junk");
        await page.Locator("#login-address").FillAsync("bob@example.com");
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-password").PressAsync("Enter");
        await page.WaitForURLAsync(new Regex("/mail"));
        await page.WaitForCircuitAsync();
        await page.GotoAsync(root + "/mail?folder=Junk");
        await page.WaitForCircuitAsync();
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Board meeting agenda" }).Locator("button.row-open").ClickAsync();

        var why = page.Locator("details.spam-why");
        await Expect(why.Locator("summary")).ToHaveTextAsync("Why is this in Junk?");
        var table = why.GetByRole(AriaRole.Table, new() { Name = "Why is this in Junk?" });
        await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = "SPF_NONE" })).ToContainTextAsync("Whether the sender's domain allows the server that sent it (SPF).");
        await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = "DMARC_NONE" })).ToBeVisibleAsync();
        await Expect(why).ToContainTextAsync("makes a message spam");
        await Screenshots.SaveAsync(page, "webmail-why-junk");
        await page.AssertAccessibleAsync("the Junk explanation");

        await why.GetByRole(AriaRole.Button, new() { Name = "Not spam", Exact = true }).ClickAsync();

        await Eventually.HoldsAsync(async () => (await host.Get<MailStore>().MessagesAsync("bob@example.com")).Count == 1, "the message is back in the inbox");
        Assert.Empty(await host.Get<MailStore>().MessagesAsync("bob@example.com", "Junk"));
        await Eventually.HoldsAsync(async () => (await host.Get<BayesClassifier>().StatsAsync(bob.Id, default)).Ham == 1, "the classifier learned it as not spam");
    }

    [Fact]
    public async Task The_admin_message_log_shows_each_messages_checks_with_their_points_and_reasons()
    {
        await using var host = await RunningHost.StartWithSmtpAsync("--Appliance:Filtering:JunkScore=-5");
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=30)
            s.sendmail('anna@elsewhere.example', ['bob@example.com'], 'From: Anna <anna@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: Quarterly figures\r\n\r\nSee the figures.\r\n')
            s.quit()
            """]);
        Assert.True(code == 0, error + output);

        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/admin/log");
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync("admin@example.com");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(TestServices.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForCircuitAsync();
        await page.GetByLabel("Address or text").FillAsync("bob@example.com");
        var checks = page.Locator("details.log-checks").First;
        await checks.Locator("summary").ClickAsync();
        var table = checks.GetByRole(AriaRole.Table);
        await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = "SPF_NONE" })).ToContainTextAsync("Whether the sender's domain allows the server that sent it (SPF).");
        await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = "DMARC_NONE" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync("the message log's breakdown");
    }
}
