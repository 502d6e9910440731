using Appliance.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Appliance.Tests.Browser;

/// <summary>
/// The screenshots docs/ shows, taken by the browser tests: each screen in the light theme, the dark theme and at a
/// phone's size (375×812, light), as <c>name.png</c>, <c>name-dark.png</c> and <c>name-phone.png</c> in
/// docs/screenshots/ (and TestResults/screenshots/, which CI keeps). Like <see cref="Axe"/>, it switches the theme
/// through the emulated <c>prefers-color-scheme</c> and the size through the viewport, so nothing on the page is lost.
/// </summary>
public static class Screenshots
{
    public static readonly ViewportSize Phone = new() { Width = 375, Height = 812 };

    /// <param name="ready">Waits until the page shows what the screenshot is for, after a change of size (optional).</param>
    public static async Task SaveAsync(IPage page, string name, Func<IPage, Task>? ready = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        var size = page.ViewportSize;
        var (width, height) = size is null ? (1280, 900) : (size.Width, size.Height);
        try
        {
            await SaveThemesAsync(page, name);
            await Axe.ShowThemeAsync(page, ColorScheme.Light);
            await page.SetViewportSizeAsync(Phone.Width, Phone.Height);
            if (ready is not null)
            {
                await ready(page);
            }
            await ShootAsync(page, name + "-phone");
        }
        finally
        {
            await page.SetViewportSizeAsync(width, height);
            await Axe.ShowThemeAsync(page, null);
        }
    }

    /// <summary>The page at its present size, as <c>name.png</c> (light) and <c>name-dark.png</c>: for a state only one size shows.</summary>
    public static async Task SaveThemesAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        try
        {
            await Axe.ShowThemeAsync(page, ColorScheme.Light);
            await ShootAsync(page, name);
            await Axe.ShowThemeAsync(page, ColorScheme.Dark);
            await ShootAsync(page, name + "-dark");
        }
        finally
        {
            await Axe.ShowThemeAsync(page, null);
        }
    }

    private static async Task ShootAsync(IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = false, Animations = ScreenshotAnimations.Disabled });
        foreach (var folder in new[] { Path.Combine(ApplianceProcess.RepositoryRoot, "docs", "screenshots"), Path.Combine(ApplianceProcess.RepositoryRoot, "TestResults", "screenshots") })
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(Path.Combine(folder, name + ".png"), bytes);
        }
    }
}
