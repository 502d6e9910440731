using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>The mail queue and message log pages, with real mail behind them.</summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class MailConsoleBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Administrator_sees_a_deferred_message_retries_it_and_searches_the_log()
    {
        await using var receiver = new LoopbackSmtpReceiver { RcptReply = _ => "451 4.7.1 greylisted, come back later" };
        await using var host = await RunningHost.StartWithSmtpAsync($"--Appliance:Delivery:Routes:remote.example=127.0.0.1:{receiver.Port}");
        await host.Get<AliasService>().AddAsync(Actor.CommandLine, "partner@example.com", ["someone@remote.example"]);
        var (code, output, error) = await ExternalProgram.RunAsync(ExternalProgram.Python, ["-c", $$"""
            import smtplib
            s = smtplib.SMTP('127.0.0.1', {{host.SmtpPort}}, timeout=20)
            assert s.sendmail('alice@elsewhere.example', ['partner@example.com'], b'Subject: queued\r\n\r\nfor the partner\r\n') == {}
            try:
                s.sendmail('alice@elsewhere.example', ['ghost@example.com'], b'Subject: x\r\n\r\nx\r\n')
            except smtplib.SMTPRecipientsRefused:
                pass
            s.quit()
            """]);
        Assert.True(code == 0, error + output);
        var queue = host.Get<OutboundQueue>();
        await Eventually.HoldsAsync(async () => (await queue.ListAsync(null, 0, 10)).Items.Any(i => i.Attempts == 1), "the first attempt was deferred");

        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/admin/queue");
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync("admin@example.com");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(TestServices.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForCircuitAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "someone@remote.example", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByText("451 4.7.1 greylisted, come back later")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-queue");

        receiver.RcptReply = _ => "250 2.1.5 Ok";
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry someone@remote.example now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Delivery to someone@remote.example will be tried now.");
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Messages.Count == 1), "delivered after the retry");
        await Eventually.HoldsAsync(async () => (await queue.ListAsync(null, 0, 10)).Total == 0, "the delivered recipient left the queue");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(page.GetByText("The queue is empty.")).ToBeVisibleAsync();

        await page.GotoAsync(root + "/admin/log");
        await page.WaitForCircuitAsync();
        var statusFilter = page.Locator(".rz-dropdown").Filter(new() { Has = page.Locator("input[name=log-status]") });
        await statusFilter.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Rejected", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "ghost@example.com", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "someone@remote.example", Exact = true })).ToHaveCountAsync(0);
        await statusFilter.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Any", Exact = true }).ClickAsync();
        await page.GetByLabel("Address or text").FillAsync("remote.example");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "Deferred", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "Delivered", Exact = true })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-message-log");
    }
}
