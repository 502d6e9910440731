using Appliance.Accounts;
using Appliance.Dns;
using Appliance.Filtering.Dkim;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>An administrator gives a domain an Ed25519 key, publishes part of what the page asks for, and the check says what is still missing.</summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class DomainAuthenticationBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Admin_generates_an_ed25519_key_sees_its_record_and_the_check_finds_dmarc_missing()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        // Partly published: MX and SPF as the page shows them; DKIM once the key exists; no DMARC.
        host.Dns!.Add(DnsResourceRecord.Create("example.com", new MxData(10, "mail.example.com")),
            DnsResourceRecord.Create("example.com", TxtData.FromText([DomainRecords.Spf])));
        var root = host.BaseAddress.ToString().TrimEnd('/');
        var page = await browser.NewPageAsync();
        await page.GotoAsync(root + "/admin/domains");
        await ShellBrowserTests.SignInAsync(page, "admin@example.com", TestServices.AdminPassword);
        await page.WaitForCircuitAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "DNS records for example.com" }).ClickAsync();
        await Expect(page.GetByText("No keys yet: mail from this domain leaves unsigned.")).ToBeVisibleAsync();

        await page.GetByLabel("Algorithm").SelectOptionAsync("Ed25519");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate key" }).ClickAsync();

        var key = Assert.Single(host.Get<DkimKeyStore>().ActiveKeys("example.com"));
        Assert.Equal(DkimKeyAlgorithm.Ed25519, key.Algorithm);
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Key {key.Selector} generated. Publish its record below.");
        await Expect(page.Locator("table.dkim-keys")).ToContainTextAsync(key.Selector);
        await Expect(page.Locator("table.dkim-keys")).ToContainTextAsync("Active");
        var record = page.Locator("table.auth-records tr", new() { HasText = key.RecordName });
        await Expect(record).ToContainTextAsync($"\"v=DKIM1; k=ed25519; p={key.PublicKey}\"");
        await Expect(page.Locator("table.auth-records")).ToContainTextAsync("\"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.com\"");

        host.Dns.Add(DnsResourceRecord.Create(key.RecordName, TxtData.FromText([key.TxtRecord])));
        await page.GetByRole(AriaRole.Button, new() { Name = "Check records" }).ClickAsync();

        var check = page.GetByRole(AriaRole.Table, new() { Name = "Record check" });
        await Expect(check.Locator("tr.record-mx")).ToContainTextAsync("Right: published as expected.");
        await Expect(check.Locator("tr.record-spf")).ToContainTextAsync("Right: published as expected.");
        await Expect(check.Locator("tr.record-dkim")).ToContainTextAsync("Right: published as expected.");
        await Expect(check.Locator("tr.record-dmarc")).ToContainTextAsync("Missing: not published.");
        await page.AssertAccessibleAsync("the domain page's DKIM section");
        await page.Locator("#dkim-title").ScrollIntoViewIfNeededAsync();
        await Screenshots.SaveAsync(page, "admin-domains-dkim");

        var audit = await host.Get<AuditLog>().ListAsync(null, 0, 20);
        Assert.Contains(audit.Items, e => e.Action == "domain.dkim.generate" && e.Target == "example.com" && e.Detail == key.Selector && e.Actor == "admin@example.com");
    }

    [Fact]
    public async Task A_plain_user_is_refused_by_the_service_whatever_the_page()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        var service = host.Get<DomainAuthentication>();

        await Assert.ThrowsAsync<ForbiddenException>(() => service.GenerateAsync(new Actor("bob@example.com", false), "example.com", DkimKeyAlgorithm.Rsa));
        // A demoted administrator's old session is refused too: the database decides, not the cookie.
        await Assert.ThrowsAsync<ForbiddenException>(() => service.RotateAsync(new Actor("ghost@example.com", true), "example.com"));
        Assert.Empty(host.Get<DkimKeyStore>().Keys("example.com"));
    }
}
