using Appliance.Web.Components.Layout;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace Appliance.Tests.Web.Components.Layout;

/// <summary>The console's frame: the logo leads home, the navigation is for signed-in people, admins see more.</summary>
public sealed class MainLayoutTests : ComponentTestContext
{
    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(p => p.Add(c => c.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id=page>page</p>"))));

    [Fact]
    public void The_header_shows_the_reversed_logo_linking_home()
    {
        AddAuthorization().SetNotAuthorized();
        AddAsset("assets/logo-reversed.o4eqxa5vfc.svg", label: "assets/logo-reversed.svg");

        var layout = RenderLayout();

        var brand = layout.Find("header a.brand");
        Assert.Equal("/", brand.GetAttribute("href"));
        var logo = brand.QuerySelector("img")!;
        Assert.Equal(("assets/logo-reversed.o4eqxa5vfc.svg", "Appliance"), (logo.GetAttribute("src"), logo.GetAttribute("alt")));
        Assert.Equal("page", layout.Find("main #page").TextContent);
    }

    [Fact]
    public void Signed_out_there_is_no_navigation_and_no_sign_out()
    {
        AddAuthorization().SetNotAuthorized();

        var layout = RenderLayout();

        Assert.Empty(layout.FindAll("nav.app-nav"));
        Assert.Empty(layout.FindAll("form[action='/account/logout']"));
        Assert.Single(layout.FindAll("nav.languages"));
    }

    [Fact]
    public void A_user_sees_mail_and_password_but_no_admin_pages_an_admin_sees_those_too()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice@example.com");
        auth.SetRoles("user");
        var user = RenderLayout();
        Assert.Equal(["/mail", "/preferences/password"], user.FindAll("nav.app-nav a").Select(a => a.GetAttribute("href")));
        Assert.Equal("alice@example.com", user.Find(".who").TextContent);
        Assert.Single(user.FindAll("form[method=post][action='/account/logout']"));

        auth.SetRoles("admin");
        var admin = RenderLayout();
        Assert.Contains("/admin/users", admin.FindAll("nav.app-nav a").Select(a => a.GetAttribute("href")));
    }
}
