using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Playwright;
using Xunit.Sdk;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// One headless Debian Chromium for the browser tests, driven by Playwright. Playwright never
/// downloads a browser here; a missing /usr/bin/chromium fails the tests (Appliance.Tests/run.sh installs it).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>
    /// The contexts opened for the test that runs now. One static queue serves both fixtures: the browser collection
    /// runs its tests one at a time, and the mail-bomb collection runs with nothing else beside it.
    /// </summary>
    private static readonly ConcurrentQueue<IBrowserContext> Open = new();

    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Browser tests need Debian's chromium at {ChromiumPath}: run Appliance.Tests/run.sh as root, or apt-get install chromium.");
        }
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    public async Task<IPage> NewPageAsync(string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = locale, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(20_000);
        // A page's first load on a fresh host compiles and prerenders; on a loaded 2-core machine that went past 20 s
        // once (a fresh-clone CI run beside other builds). Loads get longer; clicks and waits keep 20 s.
        context.SetDefaultNavigationTimeout(60_000);
        Open.Enqueue(context);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Closes every page the finished test opened. Left open, a page outlives its host and its Blazor client keeps
    /// trying to reconnect: a fresh-clone CI run had 50 such renderers, each burning CPU, which made the whole
    /// suite slow and its timeouts flaky.
    /// </summary>
    internal static async Task CloseTestPagesAsync()
    {
        while (Open.TryDequeue(out var context))
        {
            await context.CloseAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

public static class PageExtensions
{
    /// <summary>
    /// Waits until the page's interactive components are live: a click made before the circuit is up is
    /// lost. Interactive pages mark their root with data-ready="true" once they render interactively.
    /// </summary>
    public static Task WaitForCircuitAsync(this IPage page) =>
        page.Locator("[data-ready='true']").First.WaitForAsync();

    public static async Task ScreenshotForDocsAsync(this IPage page, string name)
    {
        var folder = Path.Combine(ApplianceProcess.RepositoryRoot, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}

/// <summary>On a browser test class: each test's pages are closed when it ends, before its host stops.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ClosesPagesAttribute : BeforeAfterTestAttribute
{
    // On the thread pool: xUnit calls After synchronously, and Playwright's continuations must not wait for this thread.
    public override void After(MethodInfo methodUnderTest) => Task.Run(BrowserFixture.CloseTestPagesAsync).GetAwaiter().GetResult();
}
