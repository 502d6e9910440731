using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace WebmailBench;

/// <summary>
/// The webmail in Debian's Chromium, driven by Playwright as the browser tests do. Each figure is measured
/// in the page: performance.now() just before a script clicks the control, and again in the
/// MutationObserver callback that first sees the awaited element; Playwright's own round trips are outside.
/// </summary>
public static partial class BrowserBench
{
    public const string ChromiumPath = "/usr/bin/chromium";

    // Resolves with the milliseconds from the click of `button` to the first mutation after which `done()` holds.
    private const string ClickUntil = """
        ([buttonSelector, doneKind, doneArgument]) => new Promise((resolve, reject) => {
          const grid = document.querySelector("div[role=grid]");
          const list = document.querySelector(".mail-list");
          const done = doneKind === "row"
            ? () => grid.querySelector("div[role=row].message-row:not(.placeholder)") !== null
            : () => { const s = list.querySelector("p.hint[role=status]"); return s !== null && s.textContent.includes(doneArgument); };
          const button = document.querySelector(buttonSelector);
          let observer;
          const timer = setTimeout(() => { observer.disconnect(); reject(new Error("not done within 60 s")); }, 60000);
          observer = new MutationObserver(() => {
            if (done()) { const elapsed = performance.now() - start; observer.disconnect(); clearTimeout(timer); resolve(elapsed); }
          });
          observer.observe(document.querySelector(".mail"), { childList: true, subtree: true, characterData: true });
          const start = performance.now();
          button.click();
        })
        """;

    public static async Task<IReadOnlyList<Timing>> RunAsync(Uri root, string address, string password, string word, int expected)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(root, "/mail").ToString());
        await page.GetByLabel("Mail address", new() { Exact = true }).FillAsync(address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(MailUrl());
        await page.Locator(".mail[data-ready='true']").WaitForAsync();
        var firstRow = page.Locator("div[role=grid] div[role=row].message-row:not(.placeholder)").First;
        await firstRow.WaitForAsync();

        var timings = new List<Timing>();
        timings.Add(await Measure.SelfTimedAsync("Chromium: click Inbox (from Sent) → first row of the list", async () =>
        {
            await page.Locator("li[data-folder='Sent'] button").ClickAsync();
            await page.Locator(".mail-list p.hint.empty").WaitForAsync();
            return await page.EvaluateAsync<double>(ClickUntil, new object[] { "li[data-folder='INBOX'] button", "row", "" });
        }));

        var found = $"{expected} message(s) found";
        var clear = page.GetByRole(AriaRole.Button, new() { Name = "Clear search" });
        timings.Add(await Measure.SelfTimedAsync($"Chromium: click Search (rare word) → \"{found}\"", async () =>
        {
            if (await clear.CountAsync() > 0)
            {
                await clear.ClickAsync();
                await page.Locator(".mail-list p.hint[role=status]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
                // The list is back and settled: its rows are rendered, so the circuit is not still busy with them
                // when the search is clicked (that wait would be the list's, not the search's).
                await firstRow.WaitForAsync();
                await page.WaitForTimeoutAsync(300);
            }
            await page.GetByLabel("Search mail").FillAsync(word);
            return await page.EvaluateAsync<double>(ClickUntil, new object[] { "form.mail-search button[type=submit]", "status", found });
        }));
        return timings;
    }

    [GeneratedRegex("/mail")]
    private static partial Regex MailUrl();
}
