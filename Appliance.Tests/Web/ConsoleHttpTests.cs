using System.Net;
using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Web;

/// <summary>The console's HTTP behaviour, spoken to over loopback with a plain HTTP client.</summary>
public partial class ConsoleHttpTests
{
    private static HttpClient Client(RunningHost host, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = host.BaseAddress,
        };

    [Fact]
    public async Task Before_setup_every_page_leads_to_the_wizard()
    {
        await using var host = await RunningHost.StartAsync();
        using var client = Client(host);
        foreach (var path in new[] { "/", "/admin/users", "/account/login", "/preferences/password" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/setup", response.Headers.Location!.OriginalString);
        }
        var setup = await client.GetAsync("/setup");
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        Assert.Contains("Set up your mail server", await setup.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_framework/blazor.web.js")).StatusCode);
    }

    [Fact]
    public async Task After_setup_the_wizard_is_gone_for_everyone()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        using var anonymous = Client(host);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/setup")).StatusCode);
        var cookies = await SignInAsync(host, "admin@example.com", TestServices.AdminPassword);
        using var admin = Client(host, cookies);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/setup")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_without_the_antiforgery_token_is_refused()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        using var client = Client(host);
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Address"] = "admin@example.com",
            ["Password"] = TestServices.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("appliance.auth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Anonymous_visitor_is_sent_to_sign_in_and_comes_back_after()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        using var client = Client(host);
        var response = await client.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login?ReturnUrl=%2Fadmin%2Fusers", response.Headers.Location!.PathAndQuery(host), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_user_is_sent_to_access_denied_403_on_every_admin_page_and_administrator_gets_200()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd"));
        using var user = Client(host, await SignInAsync(host, "bob@example.com", "Str0ng-Passw0rd"));
        using var admin = Client(host, await SignInAsync(host, "admin@example.com", TestServices.AdminPassword));
        foreach (var path in new[] { "/admin/domains", "/admin/users", "/admin/aliases", "/admin/groups", "/admin/audit", "/admin/protection", "/admin/filters", "/admin/scanners" })
        {
            var denied = await user.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
            Assert.StartsWith("/account/denied", denied.Headers.Location!.PathAndQuery(host), StringComparison.Ordinal);
            var page = await user.GetAsync(denied.Headers.Location!.PathAndQuery(host));
            Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
            Assert.DoesNotContain("Add domain", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/preferences/password")).StatusCode);
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_session()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("bob@example.com", "Str0ng-Passw0rd"));
        using var user = Client(host, await SignInAsync(host, "bob@example.com", "Str0ng-Passw0rd"));
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/preferences/password")).StatusCode);

        await host.Get<UserService>().UpdateAsync(Actor.CommandLine, "bob@example.com", new UserChanges(Disabled: true));

        var after = await user.GetAsync("/preferences/password");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/account/login", after.Headers.Location!.PathAndQuery(host), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_locked_and_disabled_accounts_get_a_clear_sign_in_message()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        using var client = Client(host);
        var (location, _) = await PostSignInAsync(host, client, "admin@example.com", "wrong password");
        Assert.Contains("error=failed", location, StringComparison.Ordinal);
        var page = await client.GetStringAsync(location);
        Assert.Contains("Wrong mail address or password.", page, StringComparison.Ordinal);
        Assert.Contains("value=\"admin@example.com\"", page, StringComparison.Ordinal);

        for (var i = 0; i < 4; i++)
        {
            (location, _) = await PostSignInAsync(host, client, "admin@example.com", "wrong password");
        }
        Assert.Contains("error=locked", location, StringComparison.Ordinal);
        (location, _) = await PostSignInAsync(host, client, "admin@example.com", TestServices.AdminPassword);
        Assert.Contains("error=locked", location, StringComparison.Ordinal);
        Assert.Contains("locked for a while", await client.GetStringAsync(location), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Return_url_to_another_site_is_ignored()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        using var client = Client(host);
        var (location, _) = await PostSignInAsync(host, client, "admin@example.com", TestServices.AdminPassword, "//evil.example/steal");
        Assert.Equal("/", location);
    }

    [Fact]
    public async Task Language_follows_Accept_Language_and_the_switch_cookie()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        using var client = Client(host);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.AcceptLanguage.ParseAdd("it-IT,it;q=0.9");
        var italian = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"it\"", italian, StringComparison.Ordinal);
        Assert.Contains("Accedi", italian, StringComparison.Ordinal);

        var cookies = new CookieContainer();
        using var switching = Client(host, cookies);
        var set = await switching.GetAsync("/culture/set?culture=es&returnUrl=%2Faccount%2Flogin");
        Assert.Equal("/account/login", set.Headers.Location!.OriginalString);
        var spanish = await switching.GetStringAsync("/account/login");
        Assert.Contains("<html lang=\"es\"", spanish, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_attempts_are_rate_limited_per_client_address()
    {
        await using var host = await RunningHost.StartAsync(true, "--Appliance:Security:SignInsPerMinutePerAddress=3", "--Appliance:Security:LockoutThreshold=100");
        using var client = Client(host);
        for (var i = 0; i < 3; i++)
        {
            await PostSignInAsync(host, client, "admin@example.com", "wrong");
        }
        var form = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(form);
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups["name"].Value] = WebUtility.HtmlDecode(token.Groups["value"].Value),
            ["Address"] = "admin@example.com",
            ["Password"] = TestServices.AdminPassword,
        }));
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
    }

    [Fact]
    public async Task Sign_out_needs_the_antiforgery_token()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        var cookies = await SignInAsync(host, "admin@example.com", TestServices.AdminPassword);
        using var client = Client(host, cookies);
        var forged = await client.PostAsync("/account/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/preferences/password")).StatusCode);
    }

    [Fact]
    public async Task With_RequireHttps_the_console_redirects_to_the_HTTPS_listener()
    {
        var httpsPort = FreePort.Get();
        await using var host = await RunningHost.StartAsync(true, "--Appliance:Security:RequireHttps=true", $"--Appliance:Listeners:Https={httpsPort}");
        using var client = Client(host);
        var response = await client.GetAsync("/account/login?x=1");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"https://127.0.0.1:{httpsPort}/account/login?x=1", response.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        using var https = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert!.MatchesHostname("localhost"), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"https://localhost:{httpsPort}/"),
        };
        var page = await https.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Pages_are_not_framed_and_not_sniffed()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        using var client = Client(host);
        var response = await client.GetAsync("/account/login");
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    internal static async Task<CookieContainer> SignInAsync(RunningHost host, string address, string password)
    {
        var cookies = new CookieContainer();
        using var client = Client(host, cookies);
        var (location, _) = await PostSignInAsync(host, client, address, password);
        Assert.Equal("/", location);
        return cookies;
    }

    /// <summary>Loads the sign-in form for its antiforgery token, then posts it as a browser would.</summary>
    private static async Task<(string Location, HttpResponseMessage Response)> PostSignInAsync(RunningHost host, HttpClient client, string address, string password, string returnUrl = "/")
    {
        var form = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(form);
        Assert.True(token.Success, "the sign-in form carries an antiforgery token");
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups["name"].Value] = WebUtility.HtmlDecode(token.Groups["value"].Value),
            ["Address"] = address,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return (response.Headers.Location!.PathAndQuery(host), response);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>__RequestVerificationToken)\" value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

internal static class UriExtensions
{
    public static string PathAndQuery(this Uri location, RunningHost host) =>
        location.IsAbsoluteUri ? location.PathAndQuery : new Uri(host.BaseAddress, location).PathAndQuery;
}

/// <summary>Before setup, a browser that is not on the server itself needs the setup token.</summary>
public class SetupTokenTests
{
    [Fact]
    public async Task Remote_browser_must_unlock_the_wizard_with_the_token_from_the_data_folder()
    {
        await using var host = await RunningHost.StartAsync(false, "--Appliance:Setup:TrustLoopback=false");
        var tokenFile = Path.Combine(host.DataDirectory, "setup-token");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        Assert.Equal(20, token.Length);

        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = host.BaseAddress };
        var locked = await client.GetAsync("/setup");
        Assert.Equal(HttpStatusCode.Redirect, locked.StatusCode);
        Assert.Equal("/setup/unlock", locked.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);

        var wrong = await PostTokenAsync(client, "WRONGWRONGWRONGWRONG");
        Assert.Equal("/setup/unlock?error=1", wrong.Headers.Location!.OriginalString);
        Assert.Contains("That is not the setup token.", await client.GetStringAsync("/setup/unlock?error=1"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/setup")).StatusCode);

        var right = await PostTokenAsync(client, token.ToLowerInvariant());
        Assert.Equal("/setup", right.Headers.Location!.OriginalString);
        var wizard = await client.GetAsync("/setup");
        Assert.Equal(HttpStatusCode.OK, wizard.StatusCode);
        Assert.Contains("Set up your mail server", await wizard.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A forged cookie does not unlock it.
        using var forged = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/setup");
        request.Headers.Add("Cookie", "appliance.setup=setup-unlocked");
        Assert.Equal(HttpStatusCode.Redirect, (await forged.SendAsync(request)).StatusCode);

        // Finishing setup retires the token.
        await host.Get<Appliance.Setup.SetupService>().CompleteAsync(new("en", "mail.example.com", "example.com", "admin@example.com", TestServices.AdminPassword));
        Assert.False(File.Exists(tokenFile));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/setup")).StatusCode);
    }

    private static async Task<HttpResponseMessage> PostTokenAsync(HttpClient client, string token)
    {
        var form = await client.GetStringAsync("/setup/unlock");
        var field = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"(?<v>[^\"]+)\"");
        Assert.True(field.Success);
        var response = await client.PostAsync("/setup/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(field.Groups["v"].Value),
            ["Token"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response;
    }
}
