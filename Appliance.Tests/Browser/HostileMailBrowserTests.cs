using System.Net;
using Appliance.Tests.Infrastructure;
using Appliance.Web.Mail;
using Microsoft.Playwright;

namespace Appliance.Tests.Browser;

/// <summary>
/// The hostile-mail set, sanitized and shown the way the web client shows a message (a sandboxed frame
/// with its policy, inside a page of the app's origin), in Chromium: no dialog opens, no script runs,
/// and no request leaves for anywhere but the app itself.
/// </summary>
[Collection(BrowserCollection.Name)]
[ClosesPages]
public sealed class HostileMailBrowserTests(BrowserFixture browser)
{
    private const string Origin = "https://appliance.test";

    private static string HostileDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "HostileHtml");

    [Fact]
    public async Task Hostile_messages_render_with_nothing_executed_no_dialog_and_no_outside_request()
    {
        var files = Directory.GetFiles(HostileDirectory, "*.html").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 20, "the hostile-mail set is missing");
        var page = await browser.NewPageAsync();
        var dialogs = new List<string>();
        var outside = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
        string document = "";
        // Every request goes through here: the app's page is answered, anything else is recorded and refused.
        await page.Context.RouteAsync("**/*", async route =>
        {
            var url = route.Request.Url;
            if (url == Origin + "/message")
            {
                await route.FulfillAsync(new RouteFulfillOptions { ContentType = "text/html", Body = document });
                return;
            }
            outside.Add(url);
            await route.AbortAsync();
        });

        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var html = await File.ReadAllTextAsync(file);
            var sanitized = HtmlSanitizer.Sanitize(html, new SanitizeOptions { AllowRemoteImages = false });
            var frame = MessageFrame.Document(sanitized, remoteImagesAllowed: false);
            document = "<!DOCTYPE html><html><head><title>message</title></head><body>"
                + $"<iframe id=\"message\" sandbox=\"{MessageFrame.Sandbox}\" srcdoc=\"{WebUtility.HtmlEncode(frame)}\" style=\"width:800px;height:600px\"></iframe>"
                + "<script>window.pwned = false;</script></body></html>";
            await page.GotoAsync(Origin + "/message");
            // Time for what a message might try later: meta refresh, lazy images, timers.
            await page.WaitForTimeoutAsync(400);
            var message = page.FrameLocator("#message");
            // The frame rendered (its body exists) and nothing reached the parent page.
            Assert.True(await message.Locator("body").CountAsync() == 1, $"{name}: the message did not render");
            Assert.False(await page.EvaluateAsync<bool>("() => window.pwned === true || document.title !== 'message'"), $"{name}: the parent page was touched");
            Assert.True(dialogs.Count == 0, $"{name}: dialogs opened: {string.Join("; ", dialogs)}");
            Assert.True(outside.Count == 0, $"{name}: requests left the app: {string.Join(", ", outside)}");
        }
    }
}
