using Appliance.Accounts;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Components.Admin;
using Bunit;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Web.Components.Admin;

/// <summary>
/// The admin grids over real services on a temporary store: a populated page, the friendly empty state, the
/// "no matches" state for a search, and the alert a failing store turns into (the page lives on).
/// </summary>
public sealed class AdminGridTests : ComponentTestContext, IAsyncLifetime
{
    private static readonly Actor Admin = new("admin@example.com", true);
    private TestServices _services = null!;

    public async Task InitializeAsync()
    {
        _services = await TestServices.CreateAsync();
        Services.AddSingleton(_services.Get<UserService>());
        Services.AddSingleton(_services.Get<DomainService>());
        Services.AddSingleton(_services.Get<AliasService>());
        Services.AddSingleton(_services.Get<GroupService>());
        Services.AddSingleton(_services.Get<AuditLog>());
        Services.AddSingleton(_services.Get<PasswordPolicy>());
        var auth = AddAuthorization();
        auth.SetAuthorized("admin@example.com");
        auth.SetRoles("admin");
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    async Task IAsyncLifetime.DisposeAsync() => await _services.DisposeAsync();

    private static string[] Cells(IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> page, int column) =>
        [.. page.FindAll("table tbody tr.rz-data-row").Select(r => r.QuerySelectorAll("td")[column].TextContent.Trim())];

    [Fact]
    public async Task Users_grid_shows_a_page_of_users_with_labelled_actions()
    {
        await _services.SetUpAsync();
        await _services.Get<UserService>().AddAsync(Admin, new NewUser("bob@example.com", "Str0ng-Passw0rd", "Bob Builder", 2L << 30));

        var page = Render<Users>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tr.rz-data-row").Count));
        var bob = page.FindAll("tr.rz-data-row").Single(r => r.TextContent.Contains("bob@example.com", StringComparison.Ordinal));
        Assert.Contains("Bob Builder", bob.TextContent, StringComparison.Ordinal);
        Assert.Contains("2 GiB", bob.TextContent, StringComparison.Ordinal);
        Assert.NotNull(bob.QuerySelector("button[aria-label='Remove bob@example.com'][title='Remove bob@example.com']"));
        Assert.NotNull(bob.QuerySelector("button[aria-label='Edit bob@example.com']"));
        Assert.Empty(page.FindAll(".empty-state"));
        Assert.Empty(page.FindAll("[role=alert]"));
    }

    [Fact]
    public async Task Users_search_that_matches_nobody_says_so_and_names_the_search()
    {
        await _services.SetUpAsync();
        var page = Render<Users>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("tr.rz-data-row")));

        page.Find("#user-search").Input("nobody-like-this");

        page.WaitForAssertion(() => Assert.Equal("no-match", page.Find(".empty-state").GetAttribute("data-empty")));
        Assert.Contains("Nothing matches “nobody-like-this”.", page.Find(".empty-state").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("tr.rz-data-row"));
    }

    [Fact]
    public void Domains_grid_on_an_empty_store_shows_the_empty_state_with_a_hint()
    {
        var page = Render<Domains>();

        page.WaitForAssertion(() => Assert.Equal("none", page.Find(".empty-state").GetAttribute("data-empty")));
        var empty = page.Find(".empty-state");
        Assert.Contains("No domains yet.", empty.TextContent, StringComparison.Ordinal);
        Assert.Contains("example.com", empty.QuerySelector(".hint")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("true", empty.QuerySelector(".empty-state-icon")!.GetAttribute("aria-hidden"));
        Assert.Equal("Domain", page.Find("label[for=domain-name]").TextContent.Trim());
    }

    [Fact]
    public void Aliases_and_groups_grids_have_their_own_empty_texts()
    {
        var aliases = Render<Aliases>();
        aliases.WaitForAssertion(() => Assert.Contains("No aliases yet.", aliases.Find(".empty-state").TextContent, StringComparison.Ordinal));
        var groups = Render<Groups>();
        groups.WaitForAssertion(() => Assert.Contains("No groups yet.", groups.Find(".empty-state").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_store_that_fails_turns_into_an_alert_and_retry_loads_again_once_it_is_back()
    {
        await _services.SetUpAsync();
        await RenameAsync("users", "users_away");

        var page = Render<Users>();

        page.WaitForAssertion(() => Assert.Contains("The list could not be loaded", page.Find("[role=alert]").TextContent, StringComparison.Ordinal));
        Assert.Equal("error", page.Find(".empty-state").GetAttribute("data-empty"));
        Assert.Empty(page.FindAll("tr.rz-data-row"));

        await RenameAsync("users_away", "users");
        page.Find("[data-testid=grid-error] button").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("tr.rz-data-row")));
        Assert.Empty(page.FindAll("[role=alert]"));
    }

    [Fact]
    public async Task Audit_grid_fails_the_same_way()
    {
        await _services.SetUpAsync();
        await RenameAsync("audit_log", "audit_away");

        var page = Render<Audit>();

        page.WaitForAssertion(() => Assert.Contains("The list could not be loaded", page.Find("[role=alert]").TextContent, StringComparison.Ordinal));
    }

    private async Task RenameAsync(string from, string to)
    {
        await using var connection = await _services.Get<Database>().OpenAsync();
        await connection.ExecuteAsync($"ALTER TABLE {from} RENAME TO {to}");
    }
}
