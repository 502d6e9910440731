using Appliance.Filtering.Junk;
using Appliance.Filtering.Uce;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Components.Admin;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Web.Components.Admin;

/// <summary>The Protection page over the real settings store: zones and lists saved as the SMTP door reads them, a bad entry refused, the rule test box.</summary>
public sealed class ProtectionPageTests : ComponentTestContext, IAsyncLifetime
{
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync(new Dictionary<string, string?> { ["Appliance:Dns:Servers:0"] = "127.0.0.1:9" }, configure: s =>
        {
            s.AddUce();
            s.AddOptions<JunkOptions>();
            s.AddSingleton<JunkSettingsStore>();
        });
        Services.AddSingleton(_services.Get<UceSettingsStore>());
        // The page's card of per-domain spam actions.
        Services.AddSingleton(_services.Get<JunkSettingsStore>());
        Services.AddSingleton(_services.Get<Appliance.Accounts.DomainService>());
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new Appliance.Filtering.FilteringOptions()));
        Services.AddSingleton(_services.Get<UceGuard>());
        var auth = AddAuthorization();
        auth.SetAuthorized("admin@example.com");
        auth.SetRoles("admin");
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    async Task IAsyncLifetime.DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task Zones_and_lists_typed_in_are_saved_for_the_SMTP_door()
    {
        var page = Render<Protection>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.admin-page").GetAttribute("data-ready")));

        page.Find("#uce-dnsbl").Change("zen.spamhaus.org 127.0.0.2-127.0.0.11\nbl.example tag 2.5");
        page.Find("#uce-allow").Change("192.0.2.0/24\n partner.example ");
        page.Find("form").Submit();

        page.WaitForAssertion(() => Assert.Contains("The protection settings are saved", page.Markup, StringComparison.Ordinal));
        var saved = await _services.Get<UceSettingsStore>().GetServerAsync();
        Assert.Equal(["zen.spamhaus.org", "bl.example"], saved.DnsblZones.Select(z => z.Zone));
        Assert.Equal(["127.0.0.2-127.0.0.11"], saved.DnsblZones[0].Codes);
        Assert.Equal((UceAction.Tag, 2.5), (saved.DnsblZones[1].Action, saved.DnsblZones[1].Points));
        Assert.Equal(["192.0.2.0/24", "partner.example"], saved.Allow);
        Assert.Equal("zen.spamhaus.org 127.0.0.2-127.0.0.11 reject 5\nbl.example tag 2.5", UceSettingsText.FormatZones(saved.DnsblZones));
    }

    [Fact]
    public async Task A_bad_entry_is_refused_with_its_reason_and_nothing_is_saved()
    {
        var page = Render<Protection>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.admin-page").GetAttribute("data-ready")));

        page.Find("#uce-deny").Change("192.0.2.1/24");
        page.Find("form").Submit();

        page.WaitForAssertion(() => Assert.Contains("Nothing was saved: Deny:0", page.Find("[role=alert]").TextContent, StringComparison.Ordinal));
        Assert.Empty((await _services.Get<UceSettingsStore>().GetServerAsync()).Deny);
    }

    [Fact]
    public void The_test_box_says_where_a_rule_matched()
    {
        var page = Render<Protection>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.admin-page").GetAttribute("data-ready")));

        page.Find("#uce-pattern").Change("v[i1]agra");
        page.Find("#uce-message").Change("From: a@b.example\nSubject: Cheap V1agra\n\nhello");
        page.FindAll("button").Single(b => b.TextContent.Contains("Test", StringComparison.Ordinal) && !b.TextContent.Contains("Save", StringComparison.Ordinal)).Click();

        page.WaitForAssertion(() => Assert.Equal("Matched in header Subject: \"V1agra\"", page.Find("[data-testid=uce-test-result]").TextContent.Trim()));
    }
}
