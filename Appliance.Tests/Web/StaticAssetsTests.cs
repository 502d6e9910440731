using System.Net;
using System.Text.RegularExpressions;
using Appliance.Tests.Infrastructure;

namespace Appliance.Tests.Web;

/// <summary>
/// The logo and icons are served from the top-level assets/ folder (not a copy in wwwroot), by a running host
/// built like a bin/ run, and the pages point at them.
/// </summary>
public sealed partial class StaticAssetsTests : IAsyncLifetime
{
    private static readonly string Assets = Path.Combine(ApplianceProcess.RepositoryRoot, "assets");
    private RunningHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartAsync(setUp: true);
        _client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _host.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("/favicon.ico", "favicon.ico", "image/x-icon")]
    [InlineData("/assets/logo.svg", "logo.svg", "image/svg+xml")]
    [InlineData("/assets/logo-reversed.svg", "logo-reversed.svg", "image/svg+xml")]
    [InlineData("/assets/logo.png", "logo.png", "image/png")]
    [InlineData("/assets/icons/apple-touch-icon.png", "icons/apple-touch-icon.png", "image/png")]
    [InlineData("/assets/icons/mark-192.png", "icons/mark-192.png", "image/png")]
    public async Task Each_asset_is_served_byte_for_byte_with_its_type(string url, string file, string type)
    {
        using var response = await _client.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Assets, file)), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_fonts_and_the_assets_folders_own_files_are_not_served()
    {
        foreach (var url in new[] { "/assets/fonts/DejaVuSans.ttf", "/assets/render.sh", "/assets/README.md", "/assets/wordmark.py" })
        {
            using var response = await _client.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{url}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_sign_in_page_names_the_icons_and_shows_the_logo_and_each_address_answers()
    {
        var html = await _client.GetStringAsync("/account/login");

        var icon = Assert.Single(Link().Matches(html), m => m.Groups["rel"].Value == "icon" && m.Groups["href"].Value.EndsWith(".ico", StringComparison.Ordinal));
        var svgIcon = Assert.Single(Link().Matches(html), m => m.Groups["rel"].Value == "icon" && m.Groups["href"].Value.EndsWith(".svg", StringComparison.Ordinal));
        var touch = Assert.Single(Link().Matches(html), m => m.Groups["rel"].Value == "apple-touch-icon");
        var logo = Assert.Single(LoginLogo().Matches(html));
        var expected = new Dictionary<string, (string Href, string File)>
        {
            ["icon"] = (icon.Groups["href"].Value, "favicon.ico"),
            ["svg icon"] = (svgIcon.Groups["href"].Value, "logo-mark.svg"),
            ["apple-touch-icon"] = (touch.Groups["href"].Value, "icons/apple-touch-icon.png"),
            ["logo"] = (logo.Groups["src"].Value, "logo.svg"),
        };
        foreach (var (what, (href, file)) in expected)
        {
            using var response = await _client.GetAsync(href);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what} {href}: {response.StatusCode}");
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(Assets, file)), await response.Content.ReadAsByteArrayAsync());
        }
    }

    [GeneratedRegex("""<link rel="(?<rel>[^"]+)" href="(?<href>[^"]+)"[^>]*>""")]
    private static partial Regex Link();

    [GeneratedRegex("""<img class="login-logo" src="(?<src>[^"]+)" alt="Appliance" """)]
    private static partial Regex LoginLogo();
}
