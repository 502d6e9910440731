using System.Text.RegularExpressions;
using Appliance.Accounts;
using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Appliance.Tests.Browser;

/// <summary>The app shell in Chromium against the real host: where people land, the drawer, the account menu, a phone.</summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed partial class ShellBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Password = "Str0ng-Passw0rd";
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartAsync(setUp: true);
        await _host.Get<UserService>().AddAsync(Actor.CommandLine, new NewUser("alice@example.com", Password, "Alice Martin"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Root => _host.BaseAddress.ToString().TrimEnd('/');

    [Fact]
    public async Task Signing_in_lands_in_the_Inbox_and_webmail_leads_there_too()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Root + "/");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await SignInAsync(page, "alice@example.com", Password);

        await Expect(page).ToHaveURLAsync(Root + "/mail");
        await Expect(Inbox(page)).ToBeVisibleAsync();
        await Expect(Nav(page).GetByRole(AriaRole.Link, new() { Name = "Mail" })).ToHaveAttributeAsync("aria-current", "page");
        await Expect(Nav(page).GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);

        await page.GotoAsync(Root + "/webmail");
        await Expect(page).ToHaveURLAsync(Root + "/mail");
        await Expect(Inbox(page)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Webmail_address_signed_out_signs_in_and_then_opens_the_Inbox()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Root + "/webmail");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?returnUrl=%2Fwebmail", RegexOptions.IgnoreCase));
        await SignInAsync(page, "alice@example.com", Password);
        await Expect(page).ToHaveURLAsync(Root + "/mail");
        await Expect(Inbox(page)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task An_administrator_lands_on_the_dashboard_and_sees_the_administration_section()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Root + "/");
        await SignInAsync(page, "admin@example.com", TestServices.AdminPassword);

        await Expect(page).ToHaveURLAsync(Root + "/admin/status");
        var admin = Nav(page).GetByRole(AriaRole.List, new() { Name = "Administration" });
        foreach (var name in new[] { "Dashboard", "Domains", "Users", "Aliases", "Groups", "Mail queue", "Message log", "Quarantine", "Audit log" })
        {
            await Expect(admin.GetByRole(AriaRole.Link, new() { Name = name, Exact = true })).ToBeVisibleAsync();
        }
        await Expect(admin.GetByRole(AriaRole.Link, new() { Name = "Dashboard" })).ToHaveAttributeAsync("aria-current", "page");

        await admin.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Root + "/admin/users");
        await Expect(admin.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true })).ToHaveAttributeAsync("aria-current", "page");
    }

    [Fact]
    public async Task The_theme_picked_in_the_account_menu_is_drawn_from_the_first_response_and_survives_a_reload()
    {
        var page = await browser.NewPageAsync();
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await page.GotoAsync(Root + "/preferences/password");
        await SignInAsync(page, "alice@example.com", Password);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "system");
        await Expect(Card(page)).ToHaveCSSAsync("background-color", "rgb(255, 255, 255)");

        await page.GetByRole(AriaRole.Button, new() { Name = "Account menu of alice@example.com" }).ClickAsync();
        var menu = page.Locator("#shell-menu");
        await Expect(menu).ToBeVisibleAsync();
        await Expect(menu.GetByRole(AriaRole.Link, new() { Name = "Same as the system" })).ToHaveAttributeAsync("aria-current", "true");
        await menu.GetByRole(AriaRole.Link, new() { Name = "Dark" }).ClickAsync();

        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await Expect(page).ToHaveURLAsync(Root + "/preferences/password");
        await Expect(Card(page)).Not.ToHaveCSSAsync("background-color", "rgb(255, 255, 255)");
        // The server wrote the dark stylesheet into the page itself: no light first paint to flash.
        var html = await (await page.Context.APIRequest.GetAsync(Root + "/preferences/password")).TextAsync();
        Assert.Contains("material-dark", html, StringComparison.Ordinal);
        Assert.DoesNotMatch("css/material(\\.[a-z0-9]+)?\\.css", html);

        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        await page.GetByRole(AriaRole.Button, new() { Name = "Account menu of alice@example.com" }).ClickAsync();
        await page.Locator("#shell-menu").GetByRole(AriaRole.Link, new() { Name = "Same as the system" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "system");
        await Expect(Card(page)).ToHaveCSSAsync("background-color", "rgb(255, 255, 255)");
    }

    [Fact]
    public async Task On_a_phone_the_drawer_hides_behind_the_menu_button_and_nothing_scrolls_sideways()
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(Screenshots.Phone.Width, Screenshots.Phone.Height);
        await page.GotoAsync(Root + "/");
        await SignInAsync(page, "admin@example.com", TestServices.AdminPassword);
        await Expect(page).ToHaveURLAsync(Root + "/admin/status");

        var drawer = page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" });
        await Expect(drawer).ToBeHiddenAsync();
        var menuButton = page.GetByRole(AriaRole.Button, new() { Name = "Navigation menu" });
        await Expect(menuButton).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Search).GetByRole(AriaRole.Searchbox, new() { Name = "Search mail" })).ToBeVisibleAsync();

        // Keyboard alone: the button opens the drawer, Escape closes it, and a link followed closes it too.
        await menuButton.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(drawer).ToBeVisibleAsync();
        await Expect(menuButton).ToHaveAttributeAsync("aria-expanded", "true");
        await page.Keyboard.PressAsync("Escape");
        await Expect(drawer).ToBeHiddenAsync();
        await menuButton.ClickAsync();
        await Screenshots.SaveThemesAsync(page, "shell-drawer-phone");
        await AssertNoSidewaysScrollAsync(page);
        await drawer.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Root + "/admin/users");
        await Expect(drawer).ToBeHiddenAsync();

        // The account menu fits the screen and still offers sign out.
        await page.GetByRole(AriaRole.Button, new() { Name = "Account menu of admin@example.com" }).ClickAsync();
        var signOut = page.Locator("#shell-menu").GetByRole(AriaRole.Button, new() { Name = "Sign out" });
        await Expect(signOut).ToBeInViewportAsync();
        await signOut.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
    }

    [Theory]
    [InlineData(1920, 1080, true)]
    [InlineData(1024, 768, false)]
    public async Task Wide_screens_show_the_drawer_with_names_middling_ones_a_rail_of_icons_and_the_keyboard_shows_where_it_is(int width, int height, bool names)
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        await page.GotoAsync(Root + "/");
        await SignInAsync(page, "admin@example.com", TestServices.AdminPassword);
        await Expect(page).ToHaveURLAsync(Root + "/admin/status");

        var drawer = Nav(page);
        await Expect(drawer).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Navigation menu" })).ToBeHiddenAsync();
        var box = await drawer.BoundingBoxAsync();
        Assert.True(names ? box!.Width > 200 : box!.Width < 100, $"the drawer is {box!.Width} px wide at {width} px");
        // In the rail the names are gone from view but not from the links.
        await Expect(drawer.GetByRole(AriaRole.Link, new() { Name = "Message log", Exact = true })).ToHaveAttributeAsync("title", "Message log");
        await AssertNoSidewaysScrollAsync(page);

        // Tab from one entry to the next: the focused link shows an outline.
        await drawer.GetByRole(AriaRole.Link, new() { Name = "Mail", Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(drawer.GetByRole(AriaRole.Link, new() { Name = "Preferences", Exact = true })).ToBeFocusedAsync();
        var outline = await page.EvaluateAsync<string>("getComputedStyle(document.activeElement).outlineStyle");
        Assert.NotEqual("none", outline);
        if (!names)
        {
            await Screenshots.SaveThemesAsync(page, "shell-rail");
        }
    }

    [Fact]
    public async Task The_sign_in_page_with_its_language_and_theme_menu_open_has_no_serious_accessibility_violation()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Root + "/account/login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Language and theme" }).ClickAsync();
        await Expect(page.Locator("#shell-menu")).ToBeVisibleAsync();
        await page.AssertAccessibleAsync("the sign-in page with its menu open");
        await Screenshots.SaveAsync(page, "sign-in");
    }

    [Fact]
    public async Task The_Inbox_has_no_serious_accessibility_violation_in_either_theme()
    {
        // An Inbox as people see it: one unread message in the list.
        var mail = _host.Get<Appliance.Web.Mail.MailService>();
        var alice = (await mail.UserAsync("alice@example.com"))!;
        var inbox = await mail.FolderAsync(alice, "INBOX");
        var message = "From: Bob Keller <bob@example.com>\r\nTo: alice@example.com\r\nSubject: Lunch on Friday\r\nDate: Thu, 03 Dec 2026 09:00:00 +0000\r\n\r\nShall we?\r\n"u8.ToArray();
        await _host.Get<Appliance.Mailstore.MailboxWriter>().AppendMessageAsync(inbox.State.Id, alice.Id, 0, message, "", CancellationToken.None);

        var page = await browser.NewPageAsync();
        await page.GotoAsync(Root + "/mail");
        await SignInAsync(page, "alice@example.com", Password);
        await page.WaitForCircuitAsync();
        await Expect(Inbox(page)).ToBeVisibleAsync();
        await Expect(page.GetByText("Lunch on Friday")).ToBeVisibleAsync();
        await page.AssertAccessibleAsync("the Inbox");
    }

    [Fact]
    public async Task The_dashboard_has_no_serious_accessibility_violation_in_either_theme_and_fits_a_phone()
    {
        var admin = await browser.NewPageAsync();
        await admin.GotoAsync(Root + "/");
        await SignInAsync(admin, "admin@example.com", TestServices.AdminPassword);
        await admin.WaitForCircuitAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToBeVisibleAsync();
        await Expect(admin.GetByTestId("dash-queue-total")).ToHaveTextAsync("0");
        await Expect(admin.GetByTestId("dash-disk-folder")).ToContainTextAsync("MiB", new() { Timeout = 10_000 });
        await Expect(admin.GetByTestId("dash-certificate-expiry")).ToContainTextAsync("days");
        await Expect(admin.GetByTestId("dash-errors-none")).ToBeVisibleAsync();
        await admin.AssertAccessibleAsync("the admin dashboard");
        await Screenshots.SaveAsync(admin, "admin-dashboard");
        await admin.SetViewportSizeAsync(Screenshots.Phone.Width, Screenshots.Phone.Height);
        await AssertNoSidewaysScrollAsync(admin);
    }

    /// <summary>Every page an administrator can open, at a phone's width and at a wide screen's: none scrolls sideways.</summary>
    [Theory]
    [InlineData(375, 812)]
    [InlineData(1920, 1080)]
    public async Task Every_page_fits_a_phone_and_a_wide_screen_without_sideways_scrolling(int width, int height)
    {
        var page = await browser.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        await page.GotoAsync(Root + "/");
        await SignInAsync(page, "admin@example.com", TestServices.AdminPassword);
        await Expect(page).ToHaveURLAsync(Root + "/admin/status");
        string[] interactive = ["/mail", "/mail/compose", "/preferences/signature", "/admin/status", "/admin/domains", "/admin/users", "/admin/aliases", "/admin/groups", "/admin/queue", "/admin/log", "/admin/audit"];
        string[] served = ["/preferences", "/preferences/password"];
        foreach (var path in interactive.Concat(served))
        {
            await page.GotoAsync(Root + path);
            await Expect(page).ToHaveURLAsync(Root + path);
            if (interactive.Contains(path))
            {
                await page.WaitForCircuitAsync();
            }
            else
            {
                await page.Locator("main h1").First.WaitForAsync();
            }
            try
            {
                await AssertNoSidewaysScrollAsync(page);
            }
            catch (Xunit.Sdk.TrueException failure)
            {
                throw new Xunit.Sdk.XunitException($"{path} at {width}×{height}: {failure.Message}");
            }
        }
    }

    /// <summary>The webmail with its Inbox open: the folder tree's selected item.</summary>
    private static ILocator Inbox(IPage page) => page.GetByRole(AriaRole.Treeitem, new() { Name = "Inbox", Selected = true });

    private static ILocator Nav(IPage page) => page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" });

    /// <summary>The first card, whose background tells the theme; read with Expect, which waits for the stylesheet to apply.</summary>
    private static ILocator Card(IPage page) => page.Locator("section.card").First;

    /// <summary>Fails when the page is wider than the window, naming the widest elements that stick out.</summary>
    internal static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var offenders = await page.EvaluateAsync<string[]>("""
            () => document.scrollingElement.scrollWidth <= window.innerWidth ? [] :
                Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                    .slice(-5).map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)
            """);
        Assert.True(offenders.Length == 0, $"the page scrolls sideways: {string.Join(", ", offenders)}");
    }

    internal static async Task SignInAsync(IPage page, string address, string password)
    {
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync(address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
