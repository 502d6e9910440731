using System.Reflection;
using Appliance.Web.Components.Preferences;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace Appliance.Tests.Web.Components.Preferences;

/// <summary>The Preferences overview lists each preference page that exists, with an icon, a name and what it is for.</summary>
public sealed class PreferencesIndexTests : ComponentTestContext
{
    [Fact]
    public void The_overview_links_every_preference_page_that_exists_and_no_other()
    {
        var routes = typeof(PreferencePages).Assembly.GetTypes().SelectMany(t => t.GetCustomAttributes<RouteAttribute>()).Select(r => r.Template).ToHashSet();

        var page = Render<Appliance.Web.Components.Preferences.Index>();

        var links = page.FindAll("ul.preference-pages a");
        Assert.Equal(PreferencePages.All.Where(p => routes.Contains(p.Href)).Select(p => p.Href), links.Select(a => a.GetAttribute("href")!));
        var password = Assert.Single(links, a => a.GetAttribute("href") == "/preferences/password");
        Assert.Equal("My password", password.QuerySelector("strong")!.TextContent);
        Assert.Equal("true", password.QuerySelector("i.rzi")!.GetAttribute("aria-hidden"));
        Assert.Equal("Preferences", page.Find("h1").TextContent);
    }
}
