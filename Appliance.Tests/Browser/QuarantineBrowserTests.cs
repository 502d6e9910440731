using System.Net;
using System.Text;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>Held mail in the browser: its recipient sees and releases their own; an administrator sees everyone's.</summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class QuarantineBrowserTests(BrowserFixture browser)
{
    private const string Password = "Str0ng-Passw0rd";

    private static async Task HoldAsync(RunningHost host, string subject, params string[] recipients)
    {
        var resolved = new List<ResolvedRecipient>();
        foreach (var address in recipients)
        {
            resolved.Add((await host.Get<SubmissionPolicy>().CheckRecipientAsync(address, false, default)).Recipient!);
        }
        var verdict = new Verdict();
        verdict.Add("SA_GTUBE", 1000, "Generic Test for Unsolicited Bulk Email", "spamd");
        var envelope = new Envelope("spammer@elsewhere.example", resolved, new TraceInfo("elsewhere.example", IPAddress.Loopback, null, "ESMTP", null),
            new Inspection(verdict, Disposition.Quarantine, ""));
        var message = Encoding.ASCII.GetBytes($"From: spammer@elsewhere.example\r\nSubject: {subject}\r\n\r\nbuy now\r\n");
        await host.Get<DeliveryAgent>().AcceptAsync(envelope, () => new MemoryStream(message));
    }

    private static async Task SignInAsync(IPage page, string address, string password)
    {
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync(address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForCircuitAsync();
    }

    [Fact]
    public async Task A_user_releases_held_spam_into_the_inbox_and_the_administrator_sees_what_is_left()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", Password, "Bob"));
        await HoldAsync(host, "Cheap watches", "bob@example.com");
        await HoldAsync(host, "For the boss", "admin@example.com");
        var root = host.BaseAddress.ToString().TrimEnd('/');

        var page = await browser.NewPageAsync();
        await page.GotoAsync(root + "/preferences/quarantine");
        await SignInAsync(page, "bob@example.com", Password);
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "Cheap watches", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "For the boss", Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByText("Spam, score 1000")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "preferences-quarantine");
        await page.AssertAccessibleAsync("the held mail page");

        await page.GetByRole(AriaRole.Button, new() { Name = "Release \"Cheap watches\" to the inbox" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("\"Cheap watches\" was released to the inbox.");
        await Expect(page.GetByText("Nothing is held.")).ToBeVisibleAsync();
        Assert.Single(await host.Get<MailStore>().MessagesAsync("bob@example.com"));

        var admin = await browser.NewPageAsync();
        await admin.GotoAsync(root + "/admin/quarantine");
        await SignInAsync(admin, "admin@example.com", TestServices.AdminPassword);
        await Expect(admin.GetByRole(AriaRole.Gridcell, new() { Name = "For the boss", Exact = true })).ToBeVisibleAsync();
        await Expect(admin.GetByRole(AriaRole.Gridcell, new() { Name = "admin@example.com", Exact = true })).ToBeVisibleAsync();
        await Expect(admin.GetByRole(AriaRole.Gridcell, new() { Name = "Cheap watches", Exact = true })).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(admin, "admin-quarantine");
    }
}
