using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>What an office manager does on a fresh appliance, clicked in a real browser.</summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class ConsoleBrowserTests(BrowserFixture browser)
{
    private const string AdminPassword = "Corr3ct-Horse-Battery";

    [Fact]
    public async Task Wizard_then_admin_creates_domain_user_and_alias_and_a_plain_user_is_kept_out()
    {
        await using var host = await RunningHost.StartAsync();
        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');

        // Every page leads to the wizard while the server is not set up.
        await page.GotoAsync(root + "/admin/users");
        await Expect(page).ToHaveURLAsync(root + "/setup");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Set up your mail server" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync("the wizard's first step");
        await Screenshots.SaveAsync(page, "setup-language");

        await Next(page);
        await page.GetByLabel("Server host name").FillAsync("not a host");
        await Next(page);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not a valid host name");
        await page.GetByLabel("Server host name").FillAsync("mail.example.com");
        await Next(page);
        await Expect(page.GetByLabel("Domain", new() { Exact = true })).ToHaveValueAsync("example.com");
        await Next(page);
        await Expect(page.GetByLabel("Administrator's mail address")).ToHaveValueAsync("admin@example.com");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("password");
        await page.GetByLabel("Confirm password").FillAsync("password");
        await Next(page);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("too weak");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(AdminPassword);
        await page.GetByLabel("Confirm password").FillAsync(AdminPassword);
        await page.AssertAccessibleAsync("the wizard's administrator step");
        await Screenshots.SaveAsync(page, "setup-administrator");
        await Next(page);
        await Expect(page.GetByText("Create a self-signed certificate")).ToBeVisibleAsync();
        await Next(page);
        await Expect(page.Locator(".summary")).ToContainTextAsync("mail.example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Finish" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The server is set up", new() { Timeout = 60_000 }); // setup hashes the password (PBKDF2) and writes the certificate: slow on a loaded 2-core CI machine
        Assert.True(File.Exists(Path.Combine(host.DataDirectory, "tls", "cert.pem")));

        // The wizard is gone for good.
        var again = await page.Context.APIRequest.GetAsync(root + "/setup", new() { MaxRedirects = 0 });
        Assert.Equal(404, again.Status);

        await page.GetByRole(AriaRole.Link, new() { Name = "Go to sign-in" }).ClickAsync();
        await SignIn(page, "admin@example.com", "wrong password");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong mail address or password");
        await SignIn(page, "admin@example.com", AdminPassword);
        // An administrator lands on the dashboard.
        await Expect(page).ToHaveURLAsync(root + "/admin/status");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();

        // Domain.
        await page.GotoAsync(root + "/admin/domains");
        await page.WaitForCircuitAsync();
        await page.GetByLabel("Domain", new() { Exact = true }).FillAsync("example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add domain" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Domain example.org added.");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "example.org", Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "DNS records for example.org" }).ClickAsync();
        await Expect(page.Locator("table.records").First).ToContainTextAsync("10 mail.example.com.");
        await Screenshots.SaveAsync(page, "admin-domains");

        // User.
        await page.GotoAsync(root + "/admin/users");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "admin@example.com", Exact = true })).ToBeVisibleAsync();
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync("bob@example.org");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Bob Builder");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Str0ng-Passw0rd");
        await page.GetByLabel("Quota", new() { Exact = true }).FillAsync("2G");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("User bob@example.org added.");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "bob@example.org", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "2 GiB", Exact = true })).ToBeVisibleAsync();
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync("bob@example.org");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Str0ng-Passw0rd");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("already in use");
        await page.GetByLabel("Search", new() { Exact = true }).FillAsync("builder");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "admin@example.com", Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "bob@example.org", Exact = true })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync("the admin users page");
        await Screenshots.SaveAsync(page, "admin-users");

        // Alias.
        await page.GotoAsync(root + "/admin/aliases");
        await page.WaitForCircuitAsync();
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync("sales@example.org");
        await page.GetByLabel("Delivers to").FillAsync("bob@example.org, partner@elsewhere.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add alias" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Alias sales@example.org added.");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "bob@example.org, partner@elsewhere.example", Exact = true })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-aliases");

        // The audit log shows who did it.
        await page.GotoAsync(root + "/admin/audit");
        await page.WaitForCircuitAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "Alias added", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "admin@example.com", Exact = true }).First).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-audit");

        var alias = (await host.Get<AliasService>().ListAsync()).Single();
        Assert.Equal(["bob@example.org", "partner@elsewhere.example"], alias.Targets.Order());
        Assert.Equal(2L << 30, (await host.Get<UserService>().FindAsync("bob@example.org"))!.QuotaBytes);

        // A plain user signs in and cannot reach any admin page.
        await page.GetByRole(AriaRole.Button, new() { Name = "Account menu of admin@example.com" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await SignIn(page, "bob@example.org", "Str0ng-Passw0rd");
        // A plain user lands in the Inbox, with no administration in the drawer.
        await Expect(page).ToHaveURLAsync(root + "/mail");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" }).GetByRole(AriaRole.Link, new() { Name = "Mail" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
        foreach (var adminPage in new[] { "/admin/domains", "/admin/users", "/admin/aliases", "/admin/groups", "/admin/audit" })
        {
            var response = await page.GotoAsync(root + adminPage);
            Assert.Equal(403, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Access denied" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add domain" })).ToHaveCountAsync(0);
        }
        Assert.Single(await host.Get<AliasService>().ListAsync());
    }

    [Fact]
    public async Task Console_follows_the_browser_language_and_can_be_switched()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        var page = await browser.NewPageAsync("de-DE");
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/account/login");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
        var germanTitle = await page.GetByRole(AriaRole.Heading).First.TextContentAsync();
        Assert.NotEqual("Sign in", germanTitle);

        // Signed out, language and theme sit behind the button at the right of the top bar.
        await page.Locator("button[popovertarget=shell-menu]").ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Français" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fr");
        Assert.EndsWith("/account/login", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
        var frenchTitle = await page.GetByRole(AriaRole.Heading).First.TextContentAsync();
        Assert.NotEqual(germanTitle, frenchTitle);
    }

    [Fact]
    public async Task User_changes_own_password_and_stays_signed_in()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("carol@example.com", "Str0ng-Passw0rd"));
        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/preferences/password");
        await SignIn(page, "carol@example.com", "Str0ng-Passw0rd");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Change my password" })).ToBeVisibleAsync();

        await page.GetByLabel("Current password").FillAsync("Wr0ng-Passw0rd");
        await page.GetByLabel("New password").FillAsync("N3w-Passw0rd!");
        await page.GetByLabel("Confirm password").FillAsync("N3w-Passw0rd!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The current password is wrong.");

        await page.GetByLabel("Current password").FillAsync("Str0ng-Passw0rd");
        await page.GetByLabel("New password").FillAsync("N3w-Passw0rd!");
        await page.GetByLabel("Confirm password").FillAsync("N3w-Passw0rd!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your password has been changed.");

        await page.GotoAsync(root + "/");
        await Expect(page).ToHaveURLAsync(root + "/mail");
        Assert.Equal(SignInOutcome.Success, (await host.Get<Authenticator>().SignInAsync("carol@example.com", "N3w-Passw0rd!")).Outcome);
    }

    [Fact]
    public async Task Removing_a_user_asks_first_and_cancel_keeps_them()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("dave@example.com", "Str0ng-Passw0rd"));
        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/admin/users");
        await SignIn(page, "admin@example.com", AdminPassword);
        await page.WaitForCircuitAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove dave@example.com" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Alertdialog);
        await Expect(dialog).ToContainTextAsync("Remove the user dave@example.com?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.NotNull(await host.Get<UserService>().FindAsync("dave@example.com"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove dave@example.com" }).ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Yes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("User dave@example.com removed.");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "dave@example.com", Exact = true })).ToHaveCountAsync(0);
        Assert.Null(await host.Get<UserService>().FindAsync("dave@example.com"));

        // The last administrator cannot remove themself; the refusal is shown, nothing changes.
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove admin@example.com" }).ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Yes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("last active administrator");
    }

    [Fact]
    public async Task Groups_start_empty_get_members_in_the_open_row_and_every_removal_asks_first()
    {
        await using var host = await RunningHost.StartAsync(setUp: true);
        await host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("erin@example.com", "Str0ng-Passw0rd"));
        await host.Get<AliasService>().AddAsync(Actor.CommandLine, "info@example.com", ["erin@example.com"]);
        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/admin/groups");
        await SignIn(page, "admin@example.com", AdminPassword);
        await page.WaitForCircuitAsync();
        await Expect(page.GetByText("No groups yet.")).ToBeVisibleAsync();

        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync("team@example.com");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("The team");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add group" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Group team@example.com added.");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "team@example.com", Exact = true })).ToBeVisibleAsync();

        // Members are managed in the group's row, which stays open while they change.
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "team@example.com" }).Locator(".rz-row-toggler").ClickAsync();
        var members = page.GetByRole(AriaRole.Group, new() { Name = "Members of team@example.com" });
        await members.GetByLabel("New member", new() { Exact = true }).FillAsync("erin@example.com");
        await members.GetByRole(AriaRole.Button, new() { Name = "Add a member to team@example.com" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("erin@example.com added to team@example.com.");
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "erin@example.com", Exact = true })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "admin-groups");
        var removeMember = members.GetByRole(AriaRole.Button, new() { Name = "Remove erin@example.com from team@example.com" });
        await removeMember.ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(["erin@example.com"], (await host.Get<GroupService>().FindAsync("team@example.com"))!.Members);
        await removeMember.ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Yes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("erin@example.com removed from team@example.com.");
        Assert.Empty((await host.Get<GroupService>().FindAsync("team@example.com"))!.Members);

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove team@example.com" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync("Remove the group team@example.com?");
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Yes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Group team@example.com removed.");
        await Expect(page.GetByText("No groups yet.")).ToBeVisibleAsync();

        // An alias and a domain ask too; a search that finds nothing says so.
        await page.GotoAsync(root + "/admin/aliases");
        await page.WaitForCircuitAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove info@example.com" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alertdialog)).ToContainTextAsync("Remove the alias info@example.com?");
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Single(await host.Get<AliasService>().ListAsync());
        await page.GetByLabel("Search", new() { Exact = true }).FillAsync("nobody");
        await Expect(page.GetByText("Nothing matches “nobody”.")).ToBeVisibleAsync();

        await page.GotoAsync(root + "/admin/domains");
        await page.WaitForCircuitAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove example.com" }).ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Yes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("example.com");
        Assert.Contains(await host.Get<DomainService>().ListAsync(), d => d.Name == "example.com");
    }

    [Fact]
    public async Task Status_page_shows_connections_per_listener_open_files_and_memory_and_follows_them_live()
    {
        var imap = FreePort.Get();
        await using var host = await RunningHost.StartAsync(true, $"--Appliance:Listeners:Imap={imap}");
        var page = await browser.NewPageAsync();
        var root = host.BaseAddress.ToString().TrimEnd('/');
        await page.GotoAsync(root + "/admin/status");
        await SignIn(page, "admin@example.com", AdminPassword);
        await page.WaitForCircuitAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();

        var limits = host.Get<Appliance.Protocols.ConnectionLimiter>().Limits;
        var imapRow = page.Locator("tr[data-listener=Imap]");
        await Expect(imapRow.Locator("td").Nth(0)).ToHaveTextAsync(imap.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(imapRow.Locator("td").Nth(1)).ToHaveTextAsync("0");
        await Expect(imapRow.Locator("td").Nth(2)).ToHaveTextAsync(limits.PerListener.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("status-open-files")).ToContainTextAsync($"({limits.Reserved} kept in reserve)");
        await Expect(page.GetByTestId("status-memory")).ToContainTextAsync("MiB resident");

        // Three IMAP clients connect: the page counts them without a reload, and lets them go when they leave.
        var clients = new List<System.Net.Sockets.TcpClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync("127.0.0.1", imap);
            clients.Add(client);
        }
        await Expect(imapRow.Locator("td").Nth(1)).ToHaveTextAsync("3", new() { Timeout = 10_000 });
        await page.ScreenshotForDocsAsync("admin-status");
        foreach (var client in clients)
        {
            client.Dispose();
        }
        await Expect(imapRow.Locator("td").Nth(1)).ToHaveTextAsync("0", new() { Timeout = 10_000 });
    }

    private static Task Next(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();

    private static async Task SignIn(IPage page, string address, string password)
    {
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync(address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
