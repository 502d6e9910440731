using System.Text;
using Appliance.Accounts;
using Appliance.Filtering.Scanning;
using Appliance.Tests.Filtering.Scanning;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Appliance.Tests.Filtering.Uce.UceDns;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>
/// The protection console in the browser: a DNSBL zone set on /admin/protection refuses a listed client with the zone
/// named, and /admin/scanners sets rspamd and shows each scanner's health.
/// </summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class ScannersBrowserTests(BrowserFixture browser, PrivateRspamdFixture rspamd) : IClassFixture<PrivateRspamdFixture>
{
    private static async Task SignInAsync(IPage page, string address, string password)
    {
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync(address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForCircuitAsync();
    }

    /// <summary>Radzen's check box: a hidden input under a box that takes the click, as a person's.</summary>
    private static ILocator CheckBox(IPage page, string name) => page.Locator($".rz-chkbox:has(input[name='{name}']) .rz-chkbox-box");

    [Fact]
    public async Task An_administrator_sets_a_DNSBL_zone_and_a_listed_client_is_refused_with_the_zone_named()
    {
        // Loopback is trusted by default (local tools); here the test's client on 127.0.0.1 stands for one from outside.
        await using var host = await RunningHost.StartWithSmtpAsync("--Appliance:Uce:TrustLoopback=false",
            "--Appliance:Dns:TimeoutMilliseconds=2000", "--Appliance:Dns:Attempts=1");
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob"));
        // RFC 5782 §5: a list answers 127.0.0.2 for a listed address; the client is 127.0.0.1, reversed under the zone.
        host.Dns!.Add(A("1.0.0.127.bl.browser.test", "127.0.0.2"));
        // The sender's domain must be able to receive mail, or the sender check refuses it first.
        host.Dns.Add(A("elsewhere.example", "192.0.2.1"));
        Assert.Equal("sent", await DoorMail.SendHelloAsync(host));

        var page = await browser.NewPageAsync();
        await page.GotoAsync(host.BaseAddress + "admin/protection");
        await SignInAsync(page, "admin@example.com", TestServices.AdminPassword);
        await page.GetByLabel("Block lists (DNSBL), one zone a line").FillAsync("bl.browser.test 127.0.0.2-127.0.0.11");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The protection settings are saved; new connections use them.");

        Assert.Equal("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.browser.test", await DoorMail.SendHelloAsync(host));
    }

    [Fact]
    public async Task An_administrator_turns_rspamd_on_tests_each_scanner_and_saves()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        var nothing = FreePort.Get();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(host.BaseAddress + "admin/scanners");
        await SignInAsync(page, "admin@example.com", TestServices.AdminPassword);
        await Expect(page.GetByTestId("rspamd-health")).ToHaveTextAsync("Off");

        await CheckBox(page, "rspamd-enabled").ClickAsync();
        await page.GetByLabel("URL of rspamd's worker").FillAsync(rspamd.Rspamd.Url);
        await page.Locator("#rspamd-test").ClickAsync();
        await Expect(page.GetByTestId("rspamd-health")).ToContainTextAsync($"Up at {rspamd.Rspamd.Url}: rspamd/");

        await CheckBox(page, "clamav-enabled").ClickAsync();
        var clamPort = page.Locator("input[name='clamav-port']");
        await clamPort.FillAsync(nothing.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await clamPort.BlurAsync();
        await page.Locator("#clamav-test").ClickAsync();
        await Expect(page.GetByTestId("clamav-health")).ToContainTextAsync($"Down at 127.0.0.1:{nothing}");

        await CheckBox(page, "clamav-enabled").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "saved" })).ToHaveTextAsync("The scanner settings are saved; the next message uses them.");
        var saved = (await host.Get<ScannerSettingsStore>().GetAsync()).Settings;
        Assert.True(saved.Rspamd.Enabled);
        Assert.Equal(rspamd.Rspamd.Url, saved.Rspamd.Url);
        Assert.False(saved.ClamAv.Enabled);

        await page.ReloadAsync();
        await page.WaitForCircuitAsync();
        await Expect(page.GetByTestId("rspamd-health")).ToContainTextAsync("Up at");
        await Screenshots.SaveAsync(page, "admin-scanners");
        await page.AssertAccessibleAsync("the scanners page");
    }
}
