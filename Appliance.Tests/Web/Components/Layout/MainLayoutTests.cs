using System.Globalization;
using System.Reflection;
using Appliance.Web;
using Appliance.Web.Components.Layout;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Web.Components.Layout;

/// <summary>
/// The app shell: the top bar, the navigation drawer (the apps for everyone, administration for administrators),
/// the account menu with its language and theme switches.
/// </summary>
public sealed class MainLayoutTests : ComponentTestContext
{
    private IRenderedComponent<MainLayout> RenderLayout(HttpContext? http = null) =>
        Render<MainLayout>(p =>
        {
            p.Add(c => c.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id=page>page</p>")));
            if (http is not null)
            {
                p.AddCascadingValue(http);
            }
        });

    private BunitAuthorizationContext SignedIn(string address, string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(address);
        auth.SetRoles(role);
        return auth;
    }

    private static string[] Hrefs(IRenderedComponent<MainLayout> layout, string selector) =>
        [.. layout.FindAll(selector).Select(a => a.GetAttribute("href") ?? "")];

    [Fact]
    public void The_top_bar_shows_the_reversed_logo_linking_home_and_the_page_sits_in_main()
    {
        AddAuthorization().SetNotAuthorized();
        AddAsset("assets/logo-reversed.o4eqxa5vfc.svg", label: "assets/logo-reversed.svg");

        var layout = RenderLayout();

        var brand = layout.Find("header a.brand");
        Assert.Equal("/", brand.GetAttribute("href"));
        Assert.Equal("Appliance, start page", brand.GetAttribute("aria-label"));
        var logo = brand.QuerySelector("img")!;
        Assert.Equal(("assets/logo-reversed.o4eqxa5vfc.svg", "Appliance"), (logo.GetAttribute("src"), logo.GetAttribute("alt")));
        Assert.Equal("page", layout.Find("main#main #page").TextContent);
        Assert.Equal("#main", layout.Find("a.skip-link").GetAttribute("href"));
    }

    [Fact]
    public void Signed_out_there_is_no_drawer_no_search_and_no_sign_out_only_language_and_theme()
    {
        AddAuthorization().SetNotAuthorized();

        var layout = RenderLayout();

        Assert.Empty(layout.FindAll("nav#shell-nav"));
        Assert.Empty(layout.FindAll("form[role=search]"));
        Assert.Empty(layout.FindAll("form[action='/account/logout']"));
        var button = layout.Find("button.shell-menu-button");
        Assert.Equal(("shell-menu", "Language and theme"), (button.GetAttribute("popovertarget"), button.GetAttribute("aria-label")));
        Assert.Equal(5, layout.FindAll("#shell-menu ul.languages a").Count);
        Assert.Equal(3, layout.FindAll("#shell-menu ul.theme-switch a").Count);
    }

    [Fact]
    public void A_user_sees_the_apps_that_exist_the_search_and_the_account_menu_but_no_administration()
    {
        SignedIn("alice@example.com", WebConsoleExtensions.UserRole);
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/preferences/password");

        var layout = RenderLayout();

        Assert.Equal(["/mail", "/preferences"], Hrefs(layout, "nav#shell-nav a"));
        Assert.Empty(layout.FindAll("#shell-nav-admin"));
        var search = layout.Find("form[role=search]");
        Assert.Equal(("get", "/mail"), (search.GetAttribute("method"), search.GetAttribute("action")));
        Assert.Equal(("q", "Search mail"), (search.QuerySelector("input")!.GetAttribute("name"), search.QuerySelector("input")!.GetAttribute("aria-label")));
        Assert.Equal("Account menu of alice@example.com", layout.Find("button.shell-menu-button").GetAttribute("aria-label"));
        Assert.Equal("alice@example.com", layout.Find("#shell-menu .who").TextContent);
        Assert.Single(layout.FindAll("#shell-menu form[method=post][action='/account/logout'] input[name=__RequestVerificationToken]"));
        Assert.Equal(["/preferences"], Hrefs(layout, "#shell-menu .shell-menu-actions a"));
    }

    [Fact]
    public void In_the_webmail_the_top_bar_leaves_the_search_to_the_webmails_own_box()
    {
        SignedIn("alice@example.com", WebConsoleExtensions.UserRole);
        var navigation = Services.GetRequiredService<BunitNavigationManager>();

        navigation.NavigateTo("/mail?folder=Sent");
        Assert.Empty(RenderLayout().FindAll("form[role=search]"));
        navigation.NavigateTo("/mail/compose");
        Assert.Empty(RenderLayout().FindAll("form[role=search]"));
        navigation.NavigateTo("/mailinglists");
        Assert.Single(RenderLayout().FindAll("form[role=search]"));
    }

    [Fact]
    public void An_administrator_also_sees_the_administration_section_every_entry_with_an_icon_and_a_name()
    {
        SignedIn("admin@example.com", WebConsoleExtensions.AdminRole);

        var layout = RenderLayout();

        Assert.Equal("Administration", layout.Find("#shell-nav-admin").TextContent);
        Assert.Equal(["/admin/status", "/admin/domains", "/admin/users", "/admin/aliases", "/admin/groups", "/admin/queue", "/admin/log", "/admin/quarantine", "/admin/audit", "/admin/protection", "/admin/filters", "/admin/scanners"],
            Hrefs(layout, "ul[aria-labelledby=shell-nav-admin] a"));
        foreach (var link in layout.FindAll("nav#shell-nav a"))
        {
            var icon = link.QuerySelector("i.rzi")!;
            Assert.Equal("true", icon.GetAttribute("aria-hidden"));
            Assert.False(string.IsNullOrWhiteSpace(icon.TextContent));
            Assert.Equal(link.GetAttribute("title"), link.QuerySelector(".shell-nav-text")!.TextContent);
        }
    }

    [Fact]
    public void The_drawer_marks_the_page_that_is_open_and_its_section()
    {
        SignedIn("admin@example.com", WebConsoleExtensions.AdminRole);
        var navigation = Services.GetRequiredService<BunitNavigationManager>();

        navigation.NavigateTo("/admin/users?search=bob");
        var layout = RenderLayout();
        Assert.Equal(["/admin/users"], Hrefs(layout, "nav#shell-nav a[aria-current=page]"));

        navigation.NavigateTo("/mail/compose");
        layout = RenderLayout();
        Assert.Equal(["/mail"], Hrefs(layout, "nav#shell-nav a[aria-current=page]"));

        navigation.NavigateTo("/preferences/password");
        layout = RenderLayout();
        Assert.Equal(["/preferences"], Hrefs(layout, "nav#shell-nav a[aria-current=page]"));
    }

    [Theory]
    [InlineData(null, "system")]
    [InlineData("light", "light")]
    [InlineData("dark", "dark")]
    [InlineData("purple", "system")]
    public void The_theme_switch_offers_light_dark_and_the_system_marks_the_cookie_choice_and_comes_back_here(string? cookie, string current)
    {
        SignedIn("alice@example.com", WebConsoleExtensions.UserRole);
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/mail?folder=Sent");
        var http = new DefaultHttpContext();
        if (cookie is not null)
        {
            http.Request.Headers.Cookie = $"{ThemeChoice.CookieName}={cookie}";
        }

        var layout = RenderLayout(http);

        var links = layout.FindAll("#shell-menu ul.theme-switch a");
        Assert.Equal(["Light", "Dark", "Same as the system"], links.Select(a => a.QuerySelector("span")!.TextContent));
        Assert.Equal(["/theme/set?mode=light&returnUrl=%2Fmail%3Ffolder%3DSent", "/theme/set?mode=dark&returnUrl=%2Fmail%3Ffolder%3DSent", "/theme/set?mode=system&returnUrl=%2Fmail%3Ffolder%3DSent"],
            links.Select(a => a.GetAttribute("href")));
        Assert.All(links, a => Assert.Equal("false", a.GetAttribute("data-enhance-nav")));
        Assert.Equal([current], layout.FindAll("#shell-menu ul.theme-switch a[aria-current=true]").Select(a => a.GetAttribute("data-theme-mode")));
    }

    [Fact]
    public void The_language_switch_lists_the_five_languages_each_in_itself_marks_the_current_one_and_comes_back_here()
    {
        UseCulture("de");
        SignedIn("alice@example.com", WebConsoleExtensions.UserRole);
        Services.GetRequiredService<BunitNavigationManager>().NavigateTo("/admin/users");

        var layout = RenderLayout();

        var links = layout.FindAll("#shell-menu ul.languages a");
        Assert.Equal(["English", "Français", "Deutsch", "Italiano", "Español"], links.Select(a => a.QuerySelector("span")!.TextContent));
        Assert.All(links, a => Assert.Equal(a.GetAttribute("hreflang"), a.GetAttribute("lang")));
        Assert.All(links, a => Assert.Equal($"/culture/set?culture={a.GetAttribute("lang")}&returnUrl=%2Fadmin%2Fusers", a.GetAttribute("href")));
        Assert.Equal(["de"], layout.FindAll("#shell-menu ul.languages a[aria-current=true]").Select(a => a.GetAttribute("lang")));
        // The shell itself speaks the language chosen.
        Assert.Equal("E-Mail", layout.Find("nav#shell-nav a[href='/mail'] .shell-nav-text").TextContent);
        Assert.EndsWith(" Sprache", layout.Find("#shell-menu-language").TextContent.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void On_a_phone_the_drawer_is_a_popover_behind_a_named_menu_button()
    {
        SignedIn("alice@example.com", WebConsoleExtensions.UserRole);

        var layout = RenderLayout();

        var button = layout.Find("button.shell-drawer-button");
        Assert.Equal(("shell-nav", "shell-nav", "false", "Navigation menu"),
            (button.GetAttribute("popovertarget"), button.GetAttribute("aria-controls"), button.GetAttribute("aria-expanded"), button.GetAttribute("aria-label")));
        var drawer = layout.Find("nav#shell-nav");
        Assert.True(drawer.HasAttribute("popover"));
        Assert.Equal("Main menu", drawer.GetAttribute("aria-label"));
    }

    [Fact]
    public void Every_entry_is_shown_exactly_when_its_page_exists_and_is_named_in_all_five_languages()
    {
        var routes = typeof(Appliance.Web.WebConsoleExtensions).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>()).Select(r => r.Template).ToHashSet(StringComparer.OrdinalIgnoreCase);
        // LocalizationTests holds the translations to the English keys; here each entry's key must be one of them.
        var manager = new System.Resources.ResourceManager("Appliance.Resources.Strings", typeof(Appliance.Strings).Assembly);
        foreach (var entry in ShellNavigation.Apps.Concat(ShellNavigation.Administration))
        {
            Assert.True(entry.Available == routes.Contains(entry.Href), $"{entry.Href}: Available is {entry.Available}, but the page {(routes.Contains(entry.Href) ? "exists" : "does not exist")}");
            Assert.False(string.IsNullOrEmpty(manager.GetString(entry.TextKey, CultureInfo.InvariantCulture)), $"{entry.TextKey} is not in the resources");
        }
    }
}
