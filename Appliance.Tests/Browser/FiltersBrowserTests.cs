using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Filtering.Rules;
using Appliance.Filtering.Sieve;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Mail;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>
/// Preferences → Filters in a real browser against the real host: a rule built in the form files the next matching
/// message, sent over SMTP, into its folder; a hand-written script with a syntax error is refused with its line.
/// </summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class FiltersBrowserTests(BrowserFixture browser)
{
    private const string Password = "Str0ng-Passw0rd";

    private static async Task<IPage> SignInAsync(BrowserFixture browser, RunningHost host, string path)
    {
        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + path);
        await page.Locator("#login-address").FillAsync("bob@example.com");
        await page.Locator("#login-password").FillAsync(Password);
        await page.Locator("#login-password").PressAsync("Enter");
        await page.WaitForURLAsync(new Regex(Regex.Escape(path)));
        await page.WaitForCircuitAsync();
        await Expect(page.Locator("section[data-ready='true']")).ToBeVisibleAsync();
        return page;
    }

    private static async Task SendAsync(RunningHost host, string subject)
    {
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=30)
            s.sendmail('anna@elsewhere.example', ['bob@example.com'], 'From: Anna <anna@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: {{subject}}\r\n\r\nSee attached.\r\n')
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
    }

    [Fact]
    public async Task A_rule_built_in_the_form_files_the_next_matching_message_into_its_folder()
    {
        await using var host = await RunningHost.StartWithSmtpAsync();
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        var mail = host.Get<MailService>();
        await mail.CreateFolderAsync((await mail.UserAsync("bob@example.com"))!, "Invoices");

        var page = await SignInAsync(browser, host, "/preferences/filters");
        await Expect(page.Locator(".no-rules")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a rule" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Invoices");
        await Expect(page.GetByLabel("Apply when")).ToHaveValueAsync("all");
        await page.GetByLabel("Condition 1: what").SelectOptionAsync("Subject");
        await page.GetByLabel("Condition 1: comparison").SelectOptionAsync("Contains");
        await page.GetByLabel("Condition 1: value").FillAsync("Invoice");
        await page.GetByLabel("Action 1", new() { Exact = true }).SelectOptionAsync("MoveTo");
        await page.GetByLabel("Action 1: folder").SelectOptionAsync("Invoices");
        await Screenshots.SaveThemesAsync(page, "preferences-filters-rule");
        await page.AssertAccessibleAsync("the rule editor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rule" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your filters are saved and active.");
        var rule = page.Locator("li.rule").First;
        await Expect(rule).ToContainTextAsync("Subject contains “Invoice” → Move to folder Invoices");
        Assert.Equal(UserRules.ScriptName, await host.Get<SieveScripts>().ActiveNameAsync((await mail.UserAsync("bob@example.com"))!.Id));
        await Screenshots.SaveAsync(page, "preferences-filters");
        await page.AssertAccessibleAsync("the Filters page");

        var store = host.Get<MailStore>();
        await SendAsync(host, "Invoice 2026-117");
        await Eventually.HoldsAsync(async () => (await store.MessagesAsync("bob@example.com", "Invoices")).Count == 1, "the invoice is filed into Invoices");
        Assert.Empty(await store.MessagesAsync("bob@example.com"));
        await SendAsync(host, "Lunch on Friday");
        await Eventually.HoldsAsync(async () => (await store.MessagesAsync("bob@example.com")).Count == 1, "the other message lands in INBOX");
        Assert.Single(await store.MessagesAsync("bob@example.com", "Invoices"));

        // Reloaded, the form shows the rule it saved: the model came back from the script.
        await page.ReloadAsync();
        await page.WaitForCircuitAsync();
        await Expect(page.Locator("li.rule").First).ToContainTextAsync("Move to folder Invoices");
    }

    [Fact]
    public async Task A_script_with_a_syntax_error_shows_the_line_and_is_not_saved()
    {
        await using var host = await RunningHost.StartWithSmtpAsync();
        var bob = await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));

        var page = await SignInAsync(browser, host, "/preferences/filters");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit as script" }).ClickAsync();
        var editor = page.GetByLabel("Sieve script");
        await editor.FillAsync("require \"fileinto\";\nif header :contains \"subject\" \"x\" {\n    filein \"Box\";\n}\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save script" }).ClickAsync();

        var error = page.Locator(".script-error");
        await Expect(error).ToContainTextAsync("Line 3: unknown command 'filein'");
        await Expect(error.Locator("mark")).ToHaveTextAsync("    filein \"Box\";");
        await Expect(editor).ToHaveAttributeAsync("aria-invalid", "true");
        await Screenshots.SaveThemesAsync(page, "preferences-filters-script-error");
        var scripts = host.Get<SieveScripts>();
        Assert.Empty(await scripts.ListAsync(bob.Id));
        Assert.Null(await scripts.ActiveNameAsync(bob.Id));

        // Corrected, it is saved and runs, and the form says it no longer owns the script.
        await editor.FillAsync("require \"fileinto\";\nif header :contains \"subject\" \"x\" {\n    fileinto \"Box\";\n}\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save script" }).ClickAsync();
        await Expect(page.Locator(".alert-ok")).ToHaveTextAsync("The script is saved and active.");
        await Expect(page.Locator(".hand-written")).ToContainTextAsync("“appliance”");
        Assert.Equal(UserRules.ScriptName, await scripts.ActiveNameAsync(bob.Id));
        Assert.Contains("fileinto \"Box\"", await scripts.ActiveScriptAsync(bob.Id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forwarding_and_out_of_office_are_saved_into_the_same_active_script()
    {
        await using var host = await RunningHost.StartWithSmtpAsync();
        var bob = await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        var scripts = host.Get<SieveScripts>();

        var page = await SignInAsync(browser, host, "/preferences/forwarding");
        await page.GetByLabel("Forward my mail").CheckAsync();
        await page.GetByLabel("Forward to (one address a line)").FillAsync("carol@example.net\nnot-an-address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("“not-an-address” is not an email address.");
        Assert.Null(await scripts.ActiveNameAsync(bob.Id));
        await page.GetByLabel("Forward to (one address a line)").FillAsync("carol@example.net");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Forwarding is saved.");
        await page.AssertAccessibleAsync("the Forwarding page");

        await page.GetByRole(AriaRole.Link, new() { Name = "Out of office" }).ClickAsync();
        await Expect(page.Locator("section.out-of-office-page[data-ready='true']")).ToBeVisibleAsync();
        await page.GetByLabel("Send an automatic reply").CheckAsync();
        await page.GetByLabel("Subject").FillAsync("Away until January");
        await page.GetByLabel("Message").FillAsync("I am away until the 6th.");
        await page.GetByLabel("First day").FillAsync("2026-12-20");
        await page.GetByLabel("Last day").FillAsync("2027-01-06");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your out-of-office reply is saved.");
        await page.AssertAccessibleAsync("the Out of office page");

        var script = await scripts.ActiveScriptAsync(bob.Id);
        Assert.Equal(UserRules.ScriptName, await scripts.ActiveNameAsync(bob.Id));
        Assert.Contains("redirect :copy \"carol@example.net\";", script, StringComparison.Ordinal);
        Assert.Contains("currentdate :value \"ge\" \"date\" \"2026-12-20\"", script, StringComparison.Ordinal);
        Assert.Contains(":subject \"Away until January\"", script, StringComparison.Ordinal);
        Assert.True(RulesScript.TryRead(script, out var rules));
        Assert.Equal(new DateOnly(2027, 1, 6), rules.OutOfOffice.End);
        Assert.Equal(["carol@example.net"], rules.Forwarding.Addresses);
    }
}
