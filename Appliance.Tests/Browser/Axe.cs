using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Appliance.Tests.Browser;

/// <summary>
/// Accessibility checks with axe-core (Deque.AxeCore.Playwright), run inside the page as it stands, in the light and
/// the dark theme: a serious or critical violation fails the test with the rule, the elements and axe's advice.
/// The page must follow the system's theme (the default, no theme cookie): the check flips the emulated
/// <c>prefers-color-scheme</c>, which switches the theme in place, so an open dialog or message stays open.
/// </summary>
public static class Axe
{
    private static readonly ColorScheme[] Schemes = [ColorScheme.Light, ColorScheme.Dark];

    /// <summary>
    /// The page's own document, not its frames: a message is shown in an iframe sandboxed without scripts, where
    /// axe cannot run, and Playwright's evaluate in such a frame waits for a script context that never comes (the
    /// suite hung there). What the frame holds is the sender's HTML, not ours to fix.
    /// </summary>
    private static readonly AxeRunOptions TopDocumentOnly = new() { Iframes = false };

    /// <summary>A check that takes longer than this fails rather than hangs the suite.</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

    /// <summary>Fails on any serious or critical axe violation on <paramref name="page"/>, in both themes.</summary>
    /// <param name="what">What is on screen, for the failure message ("the Inbox", "the compose dialog").</param>
    public static async Task AssertAccessibleAsync(this IPage page, string what)
    {
        ArgumentNullException.ThrowIfNull(page);
        var theme = await page.EvaluateAsync<string?>("document.documentElement.dataset.theme");
        Assert.True(theme == "system", $"{what}: the axe check switches the theme through prefers-color-scheme, but the page is in the theme '{theme}' (a theme cookie is set)");
        var failures = new StringBuilder();
        try
        {
            foreach (var scheme in Schemes)
            {
                await ShowThemeAsync(page, scheme);
                var result = await page.RunAxe(TopDocumentOnly).WaitAsync(RunLimit);
                foreach (var violation in result.Violations.Where(v => v.Impact is "serious" or "critical"))
                {
                    Describe(failures, scheme, violation);
                }
            }
        }
        finally
        {
            await ShowThemeAsync(page, null);
        }
        Assert.True(failures.Length == 0, $"axe found serious or critical violations on {what}:\n{failures}");
    }

    /// <summary>
    /// Draws the page in one scheme (null: back to the browser's own) and waits until both themes' stylesheets have
    /// loaded; transitions are cut while the check runs, so that no colour is measured halfway.
    /// </summary>
    internal static async Task ShowThemeAsync(IPage page, ColorScheme? scheme)
    {
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = scheme ?? ColorScheme.Null });
        await page.EvaluateAsync("""
            enabled => {
                let style = document.getElementById('axe-no-transitions');
                if (enabled && !style) {
                    style = document.createElement('style');
                    style.id = 'axe-no-transitions';
                    style.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
                    document.head.appendChild(style);
                } else if (!enabled && style) {
                    style.remove();
                }
            }
            """, scheme is not null);
        await page.WaitForFunctionAsync("() => Array.from(document.querySelectorAll('link[rel=stylesheet]')).every(l => l.sheet !== null)");
    }

    private static void Describe(StringBuilder failures, ColorScheme scheme, AxeResultItem violation)
    {
        failures.Append(System.Globalization.CultureInfo.InvariantCulture, $"- [{scheme}] {violation.Id} ({violation.Impact}): {violation.Help} {violation.HelpUrl}\n");
        foreach (var node in violation.Nodes.Take(5))
        {
            var checks = (node.Any ?? []).Concat(node.All ?? []).Concat(node.None ?? []).Select(c => c.Message);
            failures.Append(System.Globalization.CultureInfo.InvariantCulture, $"    {node.Target}: {node.Html}\n      {string.Join("; ", checks)}\n");
        }
    }
}
