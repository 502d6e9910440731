using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Appliance.Web.Mail;

namespace Appliance.Tests.Web;

public partial class HtmlSanitizerTests
{
    private const string CidPrefix = "/mail/part/42/";

    private static readonly SanitizeOptions Blocking = new() { ResolveContentId = id => id == "logo@example" ? CidPrefix + Uri.EscapeDataString(id) : null };
    private static readonly SanitizeOptions Allowing = Blocking with { AllowRemoteImages = true };

    private static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "HostileHtml");

    public static TheoryData<string> HostileFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(CorpusDirectory, "*.html").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    private static readonly string[] ForbiddenElements =
    [
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "param", "form", "input",
        "button", "select", "option", "textarea", "meta", "base", "link", "svg", "math", "noscript", "template",
        "title", "xmp", "noembed", "noframes", "plaintext", "video", "audio", "source", "dialog", "isindex", "marquee",
    ];

    /// <summary>Attributes that load or navigate; only href and src may appear, and only with allowed values.</summary>
    private static readonly string[] UrlAttributes =
    [
        "srcset", "action", "formaction", "background", "xlink:href", "href:xlink", "poster", "data", "lowsrc", "dynsrc",
        "ping", "codebase", "cite", "longdesc", "usemap", "manifest", "profile", "archive", "classid", "srcdoc", "popover",
    ];

    [Fact]
    public void Corpus_is_not_empty() => Assert.True(HostileFiles().Count >= 20);

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void Hostile_mail_is_harmless_with_remote_images_blocked(string file)
    {
        var input = File.ReadAllText(Path.Combine(CorpusDirectory, file));
        var result = HtmlSanitizer.Sanitize(input, Blocking);

        AssertHarmless(result.Html, remoteImagesAllowed: false);
        Assert.Equal(ExpectedBlocked(input), result.BlockedRemoteImages);
        Assert.Equal(result.BlockedRemoteImages > 0, result.HasBlockedRemoteImages);
    }

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void Hostile_mail_is_harmless_with_remote_images_allowed(string file)
    {
        var input = File.ReadAllText(Path.Combine(CorpusDirectory, file));
        var result = HtmlSanitizer.Sanitize(input, Allowing);

        AssertHarmless(result.Html, remoteImagesAllowed: true);
        Assert.Equal(0, result.BlockedRemoteImages);
    }

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void Sanitizing_hostile_mail_is_idempotent(string file)
    {
        var input = File.ReadAllText(Path.Combine(CorpusDirectory, file));
        foreach (var options in new[] { SanitizeOptions.Default, Allowing with { ResolveContentId = null } })
        {
            var once = HtmlSanitizer.Sanitize(input, options).Html;
            Assert.Equal(once, HtmlSanitizer.Sanitize(once, options).Html);
        }
    }

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void Hostile_mail_framed_document_carries_the_policy(string file)
    {
        var input = File.ReadAllText(Path.Combine(CorpusDirectory, file));
        var document = MessageFrame.Document(HtmlSanitizer.Sanitize(input, Blocking), remoteImagesAllowed: false);
        using var parsed = new HtmlParser().ParseDocument(document);

        var policies = parsed.QuerySelectorAll("meta[http-equiv]").ToList();
        var policy = Assert.Single(policies);
        Assert.Equal("Content-Security-Policy", policy.GetAttribute("http-equiv"));
        Assert.Equal(MessageFrame.ContentSecurityPolicy, policy.GetAttribute("content"));
        Assert.Empty(parsed.QuerySelectorAll("script, iframe, object, embed, form, link"));
        Assert.Equal("_blank", parsed.QuerySelector("base")!.GetAttribute("target"));
        Assert.Null(parsed.QuerySelector("base")!.GetAttribute("href"));
    }

    private static int ExpectedBlocked(string input)
    {
        var match = ExpectBlockedPattern().Match(input);
        Assert.True(match.Success, "corpus file lacks its <!-- expect-blocked: N --> line");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Parses the output as a browser would (scripting on and off) and checks every rule of the allow-list.</summary>
    private static void AssertHarmless(string html, bool remoteImagesAllowed)
    {
        foreach (var scripting in new[] { false, true })
        {
            using var document = new HtmlParser(new HtmlParserOptions { IsScripting = scripting }).ParseDocument(html);
            Assert.Empty(document.Head!.Children);
            foreach (var element in document.Body!.QuerySelectorAll("*"))
            {
                Assert.Equal("http://www.w3.org/1999/xhtml", element.NamespaceUri);
                Assert.DoesNotContain(element.LocalName, ForbiddenElements);
                foreach (var attribute in element.Attributes)
                {
                    var name = attribute.Name.ToLowerInvariant();
                    Assert.False(name.StartsWith("on", StringComparison.Ordinal), $"event handler {name} on <{element.LocalName}>");
                    Assert.DoesNotContain(name, UrlAttributes);
                    Assert.False(name.Contains(':', StringComparison.Ordinal), $"namespaced attribute {name}");
                    if (name == "href")
                        Assert.True(element.LocalName == "a" && HrefPattern().IsMatch(attribute.Value), $"href {attribute.Value}");
                    if (name == "src")
                        AssertImageSource(element, attribute.Value, remoteImagesAllowed);
                    if (name == "style")
                        AssertStyle(attribute.Value);
                    if (name is "target")
                        Assert.Equal("_blank", attribute.Value);
                }
                if (element.LocalName == "a" && element.HasAttribute("href"))
                {
                    Assert.Equal("_blank", element.GetAttribute("target"));
                    var rel = (element.GetAttribute("rel") ?? "").Split(' ');
                    Assert.Contains("noopener", rel);
                    Assert.Contains("noreferrer", rel);
                }
            }
            Assert.Empty(document.Body.Descendants<IComment>());
        }
    }

    private static void AssertImageSource(IElement element, string src, bool remoteImagesAllowed)
    {
        Assert.Equal("img", element.LocalName);
        var ok = src.StartsWith(CidPrefix, StringComparison.Ordinal)
            || RasterDataPattern().IsMatch(src)
            || (remoteImagesAllowed && src.StartsWith("https://", StringComparison.Ordinal));
        Assert.True(ok, $"img src {src}");
    }

    private static void AssertStyle(string style)
    {
        var lower = style.ToLowerInvariant();
        foreach (var bad in new[] { "url(", "expression", "behavior", "-moz-binding", "@import", "\\", "/*", "z-index", "transform", "vw", "vh" })
            Assert.DoesNotContain(bad, lower, StringComparison.Ordinal);
        Assert.DoesNotMatch(PositionPattern(), lower);
        Assert.DoesNotMatch(BigNegativePattern(), lower);
    }

    // Positive behaviour -------------------------------------------------------------------------------------

    private const string Newsletter = """
        <!DOCTYPE html>
        <html><head><title>Spring news</title><style>.x{color:red}</style></head>
        <body bgcolor="#f4f4f4">
        <table width="600" cellpadding="0" cellspacing="0" border="0" align="center" bgcolor="#ffffff" style="border-collapse: collapse; font-family: Arial, 'Helvetica Neue', sans-serif">
          <tr><td align="center" style="padding: 20px; background-color: #336699; color: #ffffff">
            <img src="cid:logo@example" alt="Example Ltd" width="120" height="40" border="0">
          </td></tr>
          <tr><td style="padding: 10px 20px; font-size: 14px; line-height: 1.5; color: rgb(51, 51, 51)">
            <h1 style="font-size: 22px; margin: 0 0 10px">Spring offers</h1>
            <p>Dear customer, <b>our</b> <i>spring</i> <font color="#cc0000" face="Georgia">sale</font> starts today.</p>
            <ul><li>Item one</li><li>Item two</li></ul>
            <p><a href="https://shop.example/spring?utm=1" style="color: #336699; text-decoration: underline">Shop now</a>
            or write to <a href="mailto:sales@example.com">sales@example.com</a>.</p>
            <blockquote>Quote</blockquote><pre>code  block</pre><hr>
            <img src="https://cdn.example/banner.jpg" alt="Banner" width="560">
          </td></tr>
        </table>
        </body></html>
        """;

    [Fact]
    public void Newsletter_keeps_tables_colours_fonts_links_and_cid_images()
    {
        var result = HtmlSanitizer.Sanitize(Newsletter, Blocking);
        using var document = new HtmlParser().ParseDocument(result.Html);
        var body = document.Body!;

        var table = body.QuerySelector("table")!;
        Assert.Equal("600", table.GetAttribute("width"));
        Assert.Equal("#ffffff", table.GetAttribute("bgcolor"));
        Assert.Equal("border-collapse: collapse; font-family: Arial, 'Helvetica Neue', sans-serif", table.GetAttribute("style"));
        Assert.Equal("padding: 20px; background-color: #336699; color: #ffffff", body.QuerySelector("td")!.GetAttribute("style"));
        Assert.Contains("color: rgb(51, 51, 51)", body.QuerySelectorAll("td")[1].GetAttribute("style"), StringComparison.Ordinal);
        Assert.Equal("background-color: #f4f4f4", body.Children[0].GetAttribute("style"));

        var font = body.QuerySelector("font")!;
        Assert.Equal("#cc0000", font.GetAttribute("color"));
        Assert.Equal("Georgia", font.GetAttribute("face"));

        var links = body.QuerySelectorAll("a").ToList();
        Assert.Equal(["https://shop.example/spring?utm=1", "mailto:sales@example.com"], links.Select(a => a.GetAttribute("href")));
        Assert.All(links, a => Assert.Equal("noopener noreferrer", a.GetAttribute("rel")));

        var images = body.QuerySelectorAll("img").ToList();
        Assert.Equal(CidPrefix + "logo%40example", images[0].GetAttribute("src"));
        Assert.Equal("Example Ltd", images[0].GetAttribute("alt"));
        Assert.Null(images[1].GetAttribute("src"));
        Assert.Equal("Banner", images[1].GetAttribute("alt"));
        Assert.Equal(1, result.BlockedRemoteImages);
        Assert.True(result.HasBlockedRemoteImages);

        Assert.NotNull(body.QuerySelector("h1"));
        Assert.Equal(2, body.QuerySelectorAll("ul li").Length);
        Assert.NotNull(body.QuerySelector("blockquote"));
        Assert.Equal("code  block", body.QuerySelector("pre")!.TextContent);
        Assert.DoesNotContain("Spring news", result.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(".x{", result.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Newsletter_text_is_preserved()
    {
        var result = HtmlSanitizer.Sanitize(Newsletter, Blocking);
        using var original = new HtmlParser().ParseDocument(Newsletter);
        using var sanitized = new HtmlParser().ParseDocument(result.Html);
        Assert.Equal(Words(original.Body!.TextContent), Words(sanitized.Body!.TextContent));
    }

    [Fact]
    public void Remote_images_are_kept_when_allowed_and_http_is_upgraded()
    {
        var result = HtmlSanitizer.Sanitize("""<img src="https://cdn.example/a.png"><img src="http://cdn.example/b.png">""", Allowing);
        Assert.Equal("""<img src="https://cdn.example/a.png"><img src="https://cdn.example/b.png">""", result.Html);
        Assert.False(result.HasBlockedRemoteImages);
    }

    [Fact]
    public void Scheme_relative_images_count_as_remote()
    {
        Assert.Equal(1, HtmlSanitizer.Sanitize("""<img src="//t.example/p.gif">""", SanitizeOptions.Default).BlockedRemoteImages);
        Assert.Equal("""<img src="https://t.example/p.gif">""", HtmlSanitizer.Sanitize("""<img src="//t.example/p.gif">""", Allowing).Html);
    }

    [Fact]
    public void Remote_tracking_pixel_is_removed_and_counted()
    {
        var result = HtmlSanitizer.Sanitize("""<p>Hi</p><img src="https://t.example/o?u=1" width="1" height="1">""", SanitizeOptions.Default);
        Assert.Equal("""<p>Hi</p><img width="1" height="1" alt="">""", result.Html);
        Assert.Equal(1, result.BlockedRemoteImages);
    }

    [Theory]
    [InlineData("cid:logo@example")]
    [InlineData("CID:logo%40example")]
    [InlineData("cid:<logo@example>")]
    public void Cid_images_are_rewritten_through_the_resolver(string src)
    {
        var result = HtmlSanitizer.Sanitize($"<img src=\"{src}\" alt=\"l\">", Blocking);
        Assert.Equal($"<img src=\"{CidPrefix}logo%40example\" alt=\"l\">", result.Html);
    }

    [Fact]
    public void Cid_resolved_to_an_absolute_url_is_kept_while_remote_images_are_blocked()
    {
        var options = new SanitizeOptions { ResolveContentId = id => "https://mail.example/part/" + id };
        var result = HtmlSanitizer.Sanitize("""<img src="cid:a"><img src="https://mail.example/part/b">""", options);
        Assert.Equal("""<img src="https://mail.example/part/a"><img alt="">""", result.Html);
        Assert.Equal(1, result.BlockedRemoteImages);
    }

    [Fact]
    public void Unknown_cid_and_relative_images_lose_their_source_without_counting_as_remote()
    {
        var result = HtmlSanitizer.Sanitize("""<img src="cid:nope" alt="a"><img src="/admin/x" alt="b"><img src="cid:logo@example" alt="c">""", SanitizeOptions.Default);
        Assert.Equal("""<img alt="a"><img alt="b"><img alt="c">""", result.Html);
        Assert.Equal(0, result.BlockedRemoteImages);
    }

    [Theory]
    [InlineData("<form action=\"https://x.example/\"><p>Name</p><input name=n></form>", "<p>Name</p>")]
    [InlineData("<custom-el><b>bold</b></custom-el>", "<b>bold</b>")]
    [InlineData("<o:p>office</o:p>", "office")]
    [InlineData("<p>a<!-- secret -->b</p>", "<p>ab</p>")]
    [InlineData("<script>alert(1)</script>t<style>p{}</style>", "t")]
    [InlineData("<p onclick=\"x()\" class=\"c\" id=\"i\" title=\"t\">p</p>", "<p title=\"t\">p</p>")]
    [InlineData("<a href=\"#top\">top</a>", "<a>top</a>")]
    [InlineData("<a href=\"https://a.example/\" target=\"_self\" rel=\"opener\">x</a>", "<a href=\"https://a.example/\" target=\"_blank\" rel=\"noopener noreferrer\">x</a>")]
    [InlineData("<a href=\" https://a.example/\n\">x</a>", "<a href=\"https://a.example/\" target=\"_blank\" rel=\"noopener noreferrer\">x</a>")]
    [InlineData("1 &lt; 2 &amp;&amp; <b>3</b>", "1 &lt; 2 &amp;&amp; <b>3</b>")]
    public void Drops_unwraps_and_rewrites(string input, string expected) =>
        Assert.Equal(expected, HtmlSanitizer.Sanitize(input, SanitizeOptions.Default).Html);

    [Theory]
    [InlineData("color: red; background-color: #fff", "color: red; background-color: #fff")]
    [InlineData("COLOR:Red;;  font-family : \"Times New Roman\" , serif ", "color: Red; font-family: \"Times New Roman\" , serif")]
    [InlineData("color: red !important", "color: red")]
    [InlineData("margin: -10px 0 0", "margin: -10px 0 0")]
    [InlineData("margin: -100px 0 0; color: blue", "color: blue")]
    [InlineData("text-indent: -9999px", null)]
    [InlineData("position: fixed; top: 0", null)]
    [InlineData("z-index: 10", null)]
    [InlineData("width: 100vw; height: 100%", "height: 100%")]
    [InlineData("background: #fff url(https://t.example/p.gif)", null)]
    [InlineData("background: url&#40;x)", null)]
    [InlineData("color: rgb(1,2,3); border: 1px solid hsl(0, 50%, 50%)", "color: rgb(1,2,3); border: 1px solid hsl(0, 50%, 50%)")]
    [InlineData("width: calc(100% - 10px)", null)]
    [InlineData("width: var(--x)", null)]
    [InlineData("display: none", "display: none")]
    [InlineData("display: contents", null)]
    [InlineData("font-family: 'a;position:fixed'", null)]
    [InlineData("color: red; font-family: 'unterminated; position: fixed", "color: red")]
    [InlineData("font-family: sans-serif; letter-spacing: -1px", "font-family: sans-serif; letter-spacing: -1px")]
    public void Inline_style_keeps_only_the_allow_list(string style, string? expected)
    {
        var result = HtmlSanitizer.Sanitize($"<div style=\"{style.Replace("\"", "&quot;", StringComparison.Ordinal)}\">x</div>", SanitizeOptions.Default).Html;
        var expectedHtml = expected is null
            ? "<div>x</div>"
            : $"<div style=\"{expected.Replace("\"", "&quot;", StringComparison.Ordinal)}\">x</div>";
        Assert.Equal(expectedHtml, result);
    }

    [Fact]
    public void Deep_nesting_is_bounded_and_keeps_the_text()
    {
        var deep = string.Concat(Enumerable.Repeat("<div>", 5000)) + "deep" + string.Concat(Enumerable.Repeat("<x-y>", 5000)) + "er";
        var result = HtmlSanitizer.Sanitize(deep, SanitizeOptions.Default with { MaxDepth = 100 });
        using var document = new HtmlParser().ParseDocument(result.Html);
        Assert.Equal("deeper", document.Body!.TextContent);
        Assert.True(document.Body.QuerySelectorAll("div").Length <= 100);
    }

    [Fact]
    public void Tags_nested_past_the_limit_are_dropped_before_parsing_and_their_text_stays()
    {
        var deep = string.Concat(Enumerable.Repeat("<div><span>", 25_000)) + "deep text" + string.Concat(Enumerable.Repeat("</span></div>", 25_000));
        var limited = HtmlSanitizer.LimitNesting(deep, 512);
        using var document = new HtmlParser().ParseDocument(limited);
        Assert.Equal(512, document.Body!.QuerySelectorAll("div, span").Length);
        Assert.Equal("deep text", document.Body.TextContent);
        // The whole sanitizer on the 50,000-deep bomb: bounded depth, the text kept, and quick.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = HtmlSanitizer.Sanitize(deep, SanitizeOptions.Default);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        using var sanitized = new HtmlParser().ParseDocument(result.Html);
        Assert.Equal("deep text", sanitized.Body!.TextContent);
    }

    [Fact]
    public void Nesting_within_the_limit_and_optional_end_tags_are_left_alone()
    {
        // A newsletter of unclosed <p>, <li>, <td> and <tr>, and void elements, never counts as deep.
        var html = "<table>" + string.Concat(Enumerable.Repeat("<tr><td>cell<br><img src=x><p>para", 2000)) + "</table><!-- <div><div> --><script><div></script>";
        Assert.Same(html, HtmlSanitizer.LimitNesting(html, 10));
        var nested = string.Concat(Enumerable.Repeat("<div>", 10)) + "x" + string.Concat(Enumerable.Repeat("</div>", 10));
        Assert.Same(nested, HtmlSanitizer.LimitNesting(nested, 10));
        Assert.Equal("<div>x</div>", HtmlSanitizer.LimitNesting("<div><b>x</b></div>", 1));
    }

    [Fact]
    public void Empty_and_text_only_input()
    {
        Assert.Equal("", HtmlSanitizer.Sanitize("", SanitizeOptions.Default).Html);
        Assert.Equal("plain &amp; simple", HtmlSanitizer.Sanitize("plain & simple", SanitizeOptions.Default).Html);
    }

    [Fact]
    public void Frame_policy_blocks_scripts_and_adds_https_only_when_remote_images_are_allowed()
    {
        Assert.Contains("default-src 'none'", MessageFrame.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", MessageFrame.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("https:", MessageFrame.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("img-src 'self' data: https:", MessageFrame.PolicyFor(remoteImagesAllowed: true), StringComparison.Ordinal);
        Assert.DoesNotContain("allow-scripts", MessageFrame.Sandbox, StringComparison.Ordinal);
        Assert.DoesNotContain("allow-forms", MessageFrame.Sandbox, StringComparison.Ordinal);
        Assert.Contains("allow-popups-to-escape-sandbox", MessageFrame.Sandbox, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<p>a<marquee><p>inner</p>b</marquee>c</p>")]
    [InlineData("<pre>\n\nindented</pre><pre>\nx</pre>")]
    [InlineData("<a href=\"https://a.example/\">1<table><tr><td><a href=\"https://b.example/\">2</a></td></tr></table>3</a>")]
    [InlineData("<table><tr><td>x</td></tr><form><tr><td>y</td></tr></form>text</table>")]
    [InlineData("<ul><x-li><li>a</li></x-li></ul><h1><font><h2>b</h2></font></h1>")]
    public void Unwrapping_gives_a_tree_that_parses_back_the_same(string input)
    {
        var once = HtmlSanitizer.Sanitize(input, SanitizeOptions.Default).Html;
        Assert.Equal(once, HtmlSanitizer.Sanitize(once, SanitizeOptions.Default).Html);
        using var document = new HtmlParser().ParseDocument(once);
        Assert.Equal(once, document.Body!.InnerHtml);
    }

    [Fact]
    public void Newsletter_is_idempotent_with_remote_images_allowed()
    {
        var options = Allowing with { ResolveContentId = null };
        var once = HtmlSanitizer.Sanitize(Newsletter, options).Html;
        Assert.Equal(once, HtmlSanitizer.Sanitize(once, options).Html);
    }

    private static string Words(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => w != "Spring news"));

    [GeneratedRegex(@"expect-blocked:\s*(\d+)")]
    private static partial Regex ExpectBlockedPattern();

    [GeneratedRegex(@"^(https?://|mailto:)[^\s\x00-\x1f]*$", RegexOptions.IgnoreCase)]
    private static partial Regex HrefPattern();

    [GeneratedRegex(@"^data:image/(png|gif|jpeg|jpg|webp)[;,]", RegexOptions.IgnoreCase)]
    private static partial Regex RasterDataPattern();

    [GeneratedRegex(@"position\s*:|(^|[\s:;])-\s*(\d{3,}|[3-9]\d)(\.\d+)?(px|pt|em|rem|%)")]
    private static partial Regex PositionPattern();

    [GeneratedRegex(@"(^|[\s:;])-\s*(\d{3,}|[3-9]\d)(\.\d+)?(px)")]
    private static partial Regex BigNegativePattern();
}
