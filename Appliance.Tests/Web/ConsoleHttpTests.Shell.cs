using System.Net;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Web;

/// <summary>The shell over plain HTTP: the theme is in the first response, and "/" and "/webmail" lead where people work.</summary>
public partial class ConsoleHttpTests
{
    [Fact]
    public async Task The_theme_cookie_decides_the_stylesheets_in_the_first_response_and_system_links_both_behind_media_queries()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        var cookies = new CookieContainer();
        using var client = Client(host, cookies);

        var system = await client.GetStringAsync("/account/login");
        Assert.Contains("data-theme=\"system\"", system, StringComparison.Ordinal);
        Assert.Matches("<link rel=\"stylesheet\" href=\"[^\"]*css/material(\\.[a-z0-9]+)?\\.css\" media=\"\\(prefers-color-scheme: light\\)\"", system);
        Assert.Matches("<link rel=\"stylesheet\" href=\"[^\"]*css/material-dark(\\.[a-z0-9]+)?\\.css\" media=\"\\(prefers-color-scheme: dark\\)\"", system);
        Assert.Contains("<meta name=\"color-scheme\" content=\"light dark\" />", system, StringComparison.Ordinal);

        var set = await client.GetAsync("/theme/set?mode=dark&returnUrl=%2Faccount%2Flogin");
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        Assert.Equal("/account/login", set.Headers.Location!.OriginalString);
        Assert.Contains(set.Headers.GetValues("Set-Cookie"), c => c.StartsWith("appliance.theme=dark;", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        var dark = await client.GetStringAsync("/account/login");
        Assert.Contains("data-theme=\"dark\"", dark, StringComparison.Ordinal);
        Assert.Matches("<link rel=\"stylesheet\" href=\"[^\"]*css/material-dark(\\.[a-z0-9]+)?\\.css\" />", dark);
        Assert.DoesNotMatch("css/material(\\.[a-z0-9]+)?\\.css", dark);
        Assert.DoesNotContain("prefers-color-scheme", dark, StringComparison.Ordinal);

        // A mode we do not know is the system's; a return address on another site is ignored.
        var odd = await client.GetAsync("/theme/set?mode=neon&returnUrl=%2F%2Fevil.example");
        Assert.Equal("/", odd.Headers.Location!.OriginalString);
        Assert.Contains("data-theme=\"system\"", await client.GetStringAsync("/account/login"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Home_leads_a_user_to_the_Inbox_an_administrator_to_the_dashboard_and_webmail_always_to_the_Inbox()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("erin@example.com", "Str0ng-Passw0rd"));
        using var anonymous = Client(host);
        var signedOut = await anonymous.GetAsync("/webmail");
        Assert.StartsWith("/account/login?ReturnUrl=%2Fwebmail", signedOut.Headers.Location!.PathAndQuery(host), StringComparison.Ordinal);

        using var user = Client(host, await SignInAsync(host, "erin@example.com", "Str0ng-Passw0rd"));
        Assert.Equal("/mail", await LocationAsync(host, user, "/"));
        Assert.Equal("/mail", await LocationAsync(host, user, "/webmail"));

        using var admin = Client(host, await SignInAsync(host, "admin@example.com", TestServices.AdminPassword));
        Assert.Equal("/admin/status", await LocationAsync(host, admin, "/"));
        Assert.Equal("/mail", await LocationAsync(host, admin, "/webmail"));
    }

    private static async Task<string> LocationAsync(RunningHost host, HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.PathAndQuery(host);
    }
}
