using Appliance.Web.Components.Account;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Web.Components.Account;

/// <summary>
/// The sign-in page: a plain form post (only an HTTP response can set the cookie) with labelled fields, the
/// antiforgery token, the return address, and the refusal the endpoint sent back in the query string.
/// </summary>
public sealed class LoginTests : ComponentTestContext
{
    private IRenderedComponent<Login> RenderAt(string query = "")
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/account/login" + query);
        return Render<Login>();
    }

    [Fact]
    public void The_form_posts_to_the_sign_in_endpoint_with_the_antiforgery_token()
    {
        var page = RenderAt();

        var form = page.Find("form");
        Assert.Equal(("post", "/account/login"), (form.GetAttribute("method"), form.GetAttribute("action")));
        Assert.Equal(AntiforgeryToken, form.QuerySelector("input[type=hidden][name=__RequestVerificationToken]")?.GetAttribute("value"));
        Assert.Equal("Sign in", page.Find("h1").TextContent);
        Assert.Equal("Sign in", form.QuerySelector("button[type=submit]")!.TextContent);
    }

    [Fact]
    public void Address_and_password_are_labelled_required_fields_a_password_manager_recognises()
    {
        var page = RenderAt();

        var address = page.Find("input[name=Address]");
        var password = page.Find("input[name=Password]");
        Assert.Equal("Mail address", page.Find($"label[for={address.Id}]").TextContent);
        Assert.Equal("Password", page.Find($"label[for={password.Id}]").TextContent);
        Assert.Equal(("email", "username"), (address.GetAttribute("type"), address.GetAttribute("autocomplete")));
        Assert.Equal(("password", "current-password"), (password.GetAttribute("type"), password.GetAttribute("autocomplete")));
        Assert.True(address.HasAttribute("required") && password.HasAttribute("required"));
    }

    [Fact]
    public void The_logo_above_the_form_comes_from_the_assets_folder_by_its_fingerprinted_address()
    {
        AddAsset("assets/logo.hpeqrbsxoq.svg", label: "assets/logo.svg");
        var page = RenderAt();

        var logo = page.Find("section img.login-logo");
        Assert.Equal(("assets/logo.hpeqrbsxoq.svg", "Appliance"), (logo.GetAttribute("src"), logo.GetAttribute("alt")));
    }

    [Fact]
    public void Without_an_error_no_alert_is_shown()
    {
        var page = RenderAt();

        Assert.Empty(page.FindAll("[role=alert]"));
    }

    [Theory]
    [InlineData("failed", "Wrong mail address or password.")]
    [InlineData("locked", "Too many failed attempts: this account is locked for a while. Try again later.")]
    [InlineData("disabled", "This account is disabled. Ask an administrator.")]
    [InlineData("anything-else", "Wrong mail address or password.")]
    public void The_refusal_from_the_endpoint_is_shown_as_an_alert(string code, string text)
    {
        var page = RenderAt("?error=" + code);

        Assert.Equal(text, page.Find("[role=alert]").TextContent);
    }

    [Fact]
    public void A_failed_attempt_keeps_the_address_and_the_return_url_but_never_a_password()
    {
        var page = RenderAt("?error=failed&address=alice%40example.com&returnUrl=%2Fmail%3Ffolder%3DSent");

        Assert.Equal("alice@example.com", page.Find("input[name=Address]").GetAttribute("value"));
        Assert.Equal("/mail?folder=Sent", page.Find("input[type=hidden][name=ReturnUrl]").GetAttribute("value"));
        Assert.False(page.Find("input[name=Password]").HasAttribute("value"));
    }

    [Fact]
    public void The_page_speaks_the_users_language()
    {
        UseCulture("fr");
        var page = RenderAt("?error=locked");

        Assert.Equal("Connexion", page.Find("h1").TextContent);
        Assert.Equal("Adresse e-mail", page.Find("label[for=login-address]").TextContent);
        Assert.DoesNotContain("Too many", page.Find("[role=alert]").TextContent, StringComparison.Ordinal);
    }
}
