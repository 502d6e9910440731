using Appliance.Filtering.Sieve;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Components.Admin;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Web.Components.Admin;

/// <summary>The global filters page over the real script store: both scripts saved as delivery reads them, a mistake shown with its line and nothing saved.</summary>
public sealed class FiltersPageTests : ComponentTestContext, IAsyncLifetime
{
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync(configure: s => s.AddSieveScripts());
        Services.AddSingleton(_services.Get<SieveScripts>());
        var auth = AddAuthorization();
        auth.SetAuthorized("admin@example.com");
        auth.SetRoles("admin");
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    async Task IAsyncLifetime.DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task Both_scripts_are_saved_shown_again_and_an_emptied_box_removes_its_script()
    {
        var scripts = _services.Get<SieveScripts>();
        await scripts.PutGlobalAsync(SieveGlobalScript.After, "keep;");
        var page = Render<Filters>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.admin-page").GetAttribute("data-ready")));
        Assert.Equal("keep;", page.Find("#filters-after").GetAttribute("value") ?? page.Find("#filters-after").TextContent);

        page.Find("#filters-before").Change("require \"fileinto\";\nif header :contains \"Subject\" \"[ads]\" { fileinto \"Junk\"; }\n");
        page.Find("#filters-after").Change("");
        page.Find("form").Submit();

        page.WaitForAssertion(() => Assert.Contains("The global filters were saved", page.Markup, StringComparison.Ordinal));
        Assert.Contains("fileinto \"Junk\"", await scripts.GlobalAsync(SieveGlobalScript.Before), StringComparison.Ordinal);
        Assert.Null(await scripts.GlobalAsync(SieveGlobalScript.After));
    }

    [Fact]
    public async Task A_script_with_a_mistake_shows_its_line_and_nothing_is_saved()
    {
        var page = Render<Filters>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.admin-page").GetAttribute("data-ready")));

        page.Find("#filters-before").Change("keep;");
        page.Find("#filters-after").Change("keep;\nfileinto \"Junk\";\n");
        page.Find("form").Submit();

        page.WaitForAssertion(() => Assert.StartsWith("Line 2, column", page.Find("[data-testid=filters-after-error]").TextContent.Trim(), StringComparison.Ordinal));
        Assert.Contains("Nothing was saved", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=filters-before-error]"));
        Assert.Null(await _services.Get<SieveScripts>().GlobalAsync(SieveGlobalScript.Before));
        Assert.Null(await _services.Get<SieveScripts>().GlobalAsync(SieveGlobalScript.After));
    }
}
