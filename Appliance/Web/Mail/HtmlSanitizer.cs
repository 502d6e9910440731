using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Appliance.Web.Mail;

/// <summary>
/// Turns the HTML body of a received message into a fragment that can neither run code, nor make a request
/// the reader did not allow, nor draw outside its own box. An allow-list: every element, attribute, URL
/// scheme and CSS property not named here is removed. Pure: no I/O.
/// </summary>
/// <remarks>
/// <para>What happens to an element not on the allow-list:</para>
/// <list type="bullet">
/// <item><b>Dropped with its content</b> (<see cref="DroppedWithContent"/>): scripts and styles, the raw-text
/// and foreign-content elements that drive mutation XSS (noscript, xmp, title, textarea, svg, math, …),
/// embedded content (iframe, object, embed, audio, video, canvas), form controls, and head elements
/// (meta refresh, base, link). Their text is either code or meaningless without them.</item>
/// <item><b>Unwrapped</b> (the element goes, its sanitized children stay): everything else, so that
/// <c>&lt;form&gt;</c>, <c>&lt;o:p&gt;</c>, custom elements and unknown wrappers keep the reader's text.</item>
/// </list>
/// <para><c>&lt;style&gt;</c> sheets are dropped, not scoped: mail is sent with inline styles because most
/// clients drop sheets too; scoping rules to the message is left for when a newsletter needs it.</para>
/// <para>Comments, CDATA and processing instructions are removed. The output is built as a new DOM and
/// serialized by AngleSharp, so it is well-formed and every text and attribute is escaped.</para>
/// </remarks>
public static partial class HtmlSanitizer
{
    /// <summary>Elements kept (with the global attributes and those in <see cref="ElementAttributes"/>).</summary>
    private static readonly HashSet<string> AllowedElements = new(StringComparer.Ordinal)
    {
        "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "big", "blockquote", "br",
        "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt",
        "em", "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
        "img", "ins", "kbd", "li", "main", "mark", "nav", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp",
        "section", "small", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
        "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
    };

    /// <summary>Elements removed together with everything inside them.</summary>
    private static readonly HashSet<string> DroppedWithContent = new(StringComparer.Ordinal)
    {
        "script", "style", "noscript", "template", "title", "textarea", "xmp", "plaintext", "listing",
        "noembed", "noframes", "iframe", "frame", "frameset", "object", "embed", "applet", "param",
        "svg", "math", "audio", "video", "source", "track", "canvas", "map", "area", "portal",
        "input", "button", "select", "option", "optgroup", "datalist", "output", "progress", "meter", "keygen",
        "head", "meta", "base", "link", "basefont", "bgsound", "dialog", "slot", "image",
    };

    /// <summary>Inert attributes any kept element may carry.</summary>
    private static readonly HashSet<string> GlobalAttributes = new(StringComparer.Ordinal)
    {
        "title", "lang", "dir", "align", "valign", "style",
    };

    /// <summary>Inert, presentational attributes per element. URL attributes are handled apart (href, src).</summary>
    private static readonly Dictionary<string, HashSet<string>> ElementAttributes = new(StringComparer.Ordinal)
    {
        ["a"] = ["href"],
        ["img"] = ["src", "alt", "width", "height", "border", "hspace", "vspace"],
        ["table"] = ["width", "height", "border", "cellpadding", "cellspacing", "bgcolor", "summary", "frame", "rules"],
        ["td"] = ["width", "height", "colspan", "rowspan", "bgcolor", "nowrap", "abbr", "scope"],
        ["th"] = ["width", "height", "colspan", "rowspan", "bgcolor", "nowrap", "abbr", "scope"],
        ["tr"] = ["height", "bgcolor"],
        ["tbody"] = ["bgcolor"], ["thead"] = ["bgcolor"], ["tfoot"] = ["bgcolor"],
        ["col"] = ["span", "width"], ["colgroup"] = ["span", "width"],
        ["font"] = ["color", "face", "size"],
        ["hr"] = ["width", "size", "noshade", "color"],
        ["ol"] = ["start", "type", "reversed"], ["ul"] = ["type"], ["li"] = ["value", "type"],
        ["div"] = ["bgcolor"], ["p"] = ["bgcolor"],
        ["time"] = ["datetime"], ["details"] = ["open"], ["bdo"] = ["dir"],
        ["pre"] = ["width"],
    };

    /// <summary>Longest attribute value kept; longer ones are dropped (no presentational value is near it).</summary>
    private const int MaxAttributeLength = 4096;

    private const string HtmlNamespace = "http://www.w3.org/1999/xhtml";

    /// <summary>
    /// Scripting off: a browser rendering the sandboxed frame has scripting off too, so noscript content is
    /// parsed the way it will be shown (and noscript itself is dropped anyway).
    /// </summary>
    private static readonly HtmlParserOptions ParserOptions = new() { IsScripting = false };

    public static SanitizedHtml Sanitize(string html, SanitizeOptions options)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(options);
        html = LimitNesting(html, options.MaxDepth * 2);
        var parser = new HtmlParser(ParserOptions);
        // Only the first pass needs the cut: its output nests at most MaxDepth deep, so the second parse is linear.
        var cut = CutForTreeBuilder(html, options.MaxTreeBuilderSteps);
        var first = Pass(parser, cut < html.Length ? html[..cut] : html, new Walker(options, trustedSources: null));
        // Unwrapping can leave a tree the parser would never build (a <p> inside a <p> once a <marquee>
        // between them is gone), which a browser re-parses into another shape. A second pass over the
        // serialized output, trusting only the sources the first pass produced, returns the tree a browser
        // will build, so the result is stable: Sanitize(Sanitize(x)) == Sanitize(x) (except that resolved
        // cid: URLs are relative and so refused when the output itself is sanitized again).
        var second = new Walker(options, first.Walker.ResolvedSources);
        var html2 = Pass(parser, first.Html, second).Html;
        return new SanitizedHtml(html2, first.Walker.BlockedRemoteImages);
    }

    // Elements whose end tag may be left out (HTML §13.1.2.4) or that have none: a nesting count skips them, so
    // that a newsletter of unclosed <p>, <li> and <td> never looks deep.
    private static readonly HashSet<string> NotCounted = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "li", "dt", "dd", "td", "th", "tr", "thead", "tbody", "tfoot", "caption", "colgroup", "option", "optgroup", "rt", "rp",
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    };

    /// <summary>
    /// Drops the start and end tags nested deeper than <paramref name="maxDepth"/> before the HTML parser sees them
    /// (their text stays). The tree builder checks the stack of open elements for each tag, so HTML nested 50,000
    /// deep cost it seconds and a DOM of that depth, twice; the walker would flatten those levels anyway. A rough
    /// count (comments and raw text skipped, optional end tags not counted) is enough: it only ever removes tags,
    /// and what remains is sanitized as usual.
    /// </summary>
    internal static string LimitNesting(string html, int maxDepth)
    {
        StringBuilder? output = null;
        var depth = 0;
        var copied = 0;
        var i = html.IndexOf('<', StringComparison.Ordinal);
        while (i >= 0 && i < html.Length - 1)
        {
            var next = html[i + 1];
            if (html.AsSpan(i).StartsWith("<!--", StringComparison.Ordinal))
            {
                var close = html.IndexOf("-->", i + 4, StringComparison.Ordinal);
                i = close < 0 ? -1 : html.IndexOf('<', close + 3);
                continue;
            }
            var closing = next == '/';
            var nameStart = closing ? i + 2 : i + 1;
            if (nameStart >= html.Length || !char.IsAsciiLetter(html[nameStart]))
            {
                i = html.IndexOf('<', i + 1);
                continue;
            }
            var nameEnd = nameStart;
            while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit(html[nameEnd]) || html[nameEnd] is '-' or ':'))
            {
                nameEnd++;
            }
            var gt = html.IndexOf('>', nameEnd);
            if (gt < 0)
            {
                break;
            }
            var name = html.AsSpan(nameStart, nameEnd - nameStart);
            if (!closing && (name.Equals("script", StringComparison.OrdinalIgnoreCase) || name.Equals("style", StringComparison.OrdinalIgnoreCase)))
            {
                // Raw text: its "tags" are text; the sanitizer drops the element with its content anyway.
                var end = html.IndexOf("</" + name.ToString(), gt + 1, StringComparison.OrdinalIgnoreCase);
                i = end < 0 ? -1 : end;
                continue;
            }
            var counted = !NotCounted.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name) && html[gt - 1] != '/';
            var deep = depth >= maxDepth;
            if (counted)
            {
                if (closing)
                {
                    depth = Math.Max(0, depth - 1);
                    deep = depth >= maxDepth;
                }
                else
                {
                    depth++;
                }
            }
            if (counted && deep)
            {
                output ??= new StringBuilder(html.Length);
                output.Append(html, copied, i - copied);
                copied = gt + 1;
            }
            i = html.IndexOf('<', gt + 1);
        }
        if (output is null)
        {
            return html;
        }
        output.Append(html, copied, html.Length - copied);
        return output.ToString();
    }

    /// <summary>
    /// Start tags that make the WHATWG tree builder look for a <c>p</c> element in button scope (HTML §13.2.6.4.7,
    /// "in body"), which walks the stack of open elements down to the nearest scope boundary.
    /// </summary>
    private static readonly HashSet<string> ScopeScanningTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset",
        "figcaption", "figure", "footer", "header", "hgroup", "main", "menu", "nav", "ol", "p", "search", "section",
        "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "listing", "form", "li", "dd", "dt", "plaintext",
        "table", "hr", "xmp", "button",
    };

    /// <summary>Start tags that close an open element of their own kind first ("&lt;p&gt;one&lt;p&gt;two").</summary>
    private static readonly HashSet<string> ClosesItsKind = new(StringComparer.OrdinalIgnoreCase) { "p", "li", "dd", "dt" };

    /// <summary>Elements that never stay on the stack of open elements (HTML §13.1.2, void elements).</summary>
    private static readonly HashSet<string> VoidTags = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param", "keygen",
    };

    /// <summary>
    /// Where to cut <paramref name="html"/> so that the tree builder's stack scans stay within <paramref name="maxSteps"/>:
    /// the index of the first scope-scanning start tag at which the steps so far pass it, or the length. The steps
    /// of one such tag are at most the depth of the stack, estimated as the non-void start tags so far less the end
    /// tags that match one of them (a stray end tag closes nothing). A plain, linear scan for "&lt;" and a tag
    /// name: it also counts tags in comments and script text, so it errs towards cutting early.
    /// </summary>
    internal static int CutForTreeBuilder(string html, long maxSteps)
    {
        var scanning = ScopeScanningTags.GetAlternateLookup<ReadOnlySpan<char>>();
        var voids = VoidTags.GetAlternateLookup<ReadOnlySpan<char>>();
        var closesItsKind = ClosesItsKind.GetAlternateLookup<ReadOnlySpan<char>>();
        var open = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        long depth = 0, steps = 0;
        for (var i = html.IndexOf('<', StringComparison.Ordinal); i >= 0 && i < html.Length - 2; i = html.IndexOf('<', i + 1))
        {
            var closing = html[i + 1] == '/';
            var start = closing ? i + 2 : i + 1;
            if (!char.IsAsciiLetter(html[start]))
            {
                continue;
            }
            var end = start + 1;
            while (end < html.Length && end - start < 16 && char.IsAsciiLetterOrDigit(html[end]))
            {
                end++;
            }
            var name = html.AsSpan(start, end - start);
            if (closing)
            {
                if (open.TryGetValue(name, out var count) && count > 0)
                {
                    open[name] = count - 1;
                    depth--;
                }
                continue;
            }
            if (scanning.Contains(name))
            {
                steps += depth;
                if (steps > maxSteps)
                {
                    return i;
                }
            }
            if (voids.Contains(name))
            {
                continue;
            }
            if (open.TryGetValue(name, out var same) && same > 0 && closesItsKind.Contains(name))
            {
                // "<p>one<p>two": a p, li, dd or dt start tag closes the open one of its kind first (HTML §13.2.6.4.7).
                continue;
            }
            open[name] = same + 1;
            depth++;
        }
        return html.Length;
    }

    private static (string Html, Walker Walker) Pass(HtmlParser parser, string html, Walker walker)
    {
        using var source = parser.ParseDocument(html);
        using var target = parser.ParseDocument(string.Empty);
        var output = target.CreateElement("div");
        var body = source.Body;
        if (body is not null)
        {
            var into = output;
            var bodyStyle = BodyStyle(body);
            if (bodyStyle is not null)
            {
                // <body bgcolor=…> is how many newsletters set their background; keep it on a wrapper.
                into = target.CreateElement("div");
                into.SetAttribute("style", bodyStyle);
                output.AppendChild(into);
            }
            walker.CopyChildren(target, body, into, 1);
        }
        // A parser drops whitespace before the first tag of a document; drop it here too, for stability.
        if (output.FirstChild is IText leading)
        {
            var kept = leading.Data.TrimStart(' ', '\t', '\n', '\r', '\f');
            if (kept.Length == 0)
                leading.Remove();
            else
                leading.Data = kept;
        }
        return (output.InnerHtml, walker);
    }

    private static string? BodyStyle(IElement body)
    {
        var style = body.GetAttribute("style") is { } s ? InlineStyle.Filter(s) : null;
        var parts = new List<string>();
        if (body.GetAttribute("bgcolor") is { } bg && ColourPattern().IsMatch(bg.Trim()))
            parts.Add("background-color: " + bg.Trim());
        if (body.GetAttribute("text") is { } fg && ColourPattern().IsMatch(fg.Trim()))
            parts.Add("color: " + fg.Trim());
        if (style is not null)
            parts.Add(style);
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <param name="trustedSources">Image sources a first pass produced (resolved cid: URLs), kept as they are.</param>
    private sealed class Walker(SanitizeOptions options, IReadOnlySet<string>? trustedSources)
    {
        public int BlockedRemoteImages { get; private set; }

        public HashSet<string> ResolvedSources { get; } = new(StringComparer.Ordinal);

        public void CopyChildren(IDocument target, INode from, INode into, int depth)
        {
            foreach (var child in from.ChildNodes)
            {
                switch (child)
                {
                    case IText text:
                        AppendText(target, into, text.Data);
                        break;
                    case IElement element:
                        CopyElement(target, element, into, depth);
                        break;
                    // Comments, processing instructions and doctypes are not copied.
                }
            }
        }

        private void CopyElement(IDocument target, IElement element, INode into, int depth)
        {
            var name = element.LocalName;
            if (element.NamespaceUri != HtmlNamespace || DroppedWithContent.Contains(name))
                return;
            if (depth > options.MaxDepth)
            {
                AppendText(target, into, PlainText(element));
                return;
            }
            if (!AllowedElements.Contains(name))
            {
                // Unwrapped elements count towards the depth too, or nesting them would bypass the bound.
                CopyChildren(target, element, into, depth + 1);
                return;
            }
            var copy = target.CreateElement(name);
            CopyAttributes(element, copy);
            if (name == "img" && !copy.HasAttribute("src") && !copy.HasAttribute("alt"))
            {
                // Blocked or refused source: alt="" makes the browser draw nothing rather than a broken-image frame.
                copy.SetAttribute("alt", "");
            }
            CopyChildren(target, element, copy, depth + 1);
            into.AppendChild(copy);
        }

        private void CopyAttributes(IElement from, IElement to)
        {
            var name = from.LocalName;
            ElementAttributes.TryGetValue(name, out var own);
            foreach (var attribute in from.Attributes)
            {
                var attributeName = attribute.Name;
                if (!string.IsNullOrEmpty(attribute.NamespaceUri) || attribute.Value.Length > MaxAttributeLength)
                    continue;
                if (!GlobalAttributes.Contains(attributeName) && own?.Contains(attributeName) != true)
                    continue;
                var value = attributeName switch
                {
                    "style" => InlineStyle.Filter(attribute.Value),
                    "href" => SafeLink(attribute.Value),
                    "src" => SafeImageSource(attribute.Value),
                    _ => attribute.Value,
                };
                if (value is not null)
                    to.SetAttribute(attributeName, value);
            }
            if (name == "a" && to.HasAttribute("href"))
            {
                to.SetAttribute("target", "_blank");
                to.SetAttribute("rel", "noopener noreferrer");
            }
        }

        private string? SafeImageSource(string raw)
        {
            var url = CleanUrl(raw);
            if (trustedSources?.Contains(url) == true)
                return url;
            var scheme = Scheme(url);
            if (scheme is null && url.Length > 2 && url[0] is '/' or '\\' && url[1] is '/' or '\\')
            {
                // Scheme-relative ("//host/x", and "\\host/x", which URL parsers read the same way): remote.
                url = "https://" + url[2..];
                scheme = "https";
            }
            switch (scheme)
            {
                case "cid":
                    var contentId = Uri.UnescapeDataString(url[4..]).Trim().Trim('<', '>');
                    var resolved = contentId.Length == 0 ? null : options.ResolveContentId?.Invoke(contentId);
                    if (resolved is not null)
                        ResolvedSources.Add(resolved);
                    return resolved;
                case "data":
                    return DataImagePattern().IsMatch(url) ? url : null;
                case "http" or "https":
                    if (!options.AllowRemoteImages)
                    {
                        BlockedRemoteImages++;
                        return null;
                    }
                    // The frame's policy allows https: only; upgrade as browsers do for mixed content.
                    return EscapeUnsafe("https" + url[scheme.Length..]);
                default:
                    // Relative (a request to this web app with the reader's cookies), javascript:, file:, …
                    return null;
            }
        }

        private static void AppendText(IDocument target, INode into, string text)
        {
            if (text.Length == 0)
                return;
            if (into.LastChild is IText last)
                last.Append(text);
            else
                into.AppendChild(target.CreateTextNode(text));
        }
    }

    /// <summary>Only absolute http, https and mailto links: relative ones would point into this web app.</summary>
    private static string? SafeLink(string raw)
    {
        var url = CleanUrl(raw);
        var scheme = Scheme(url);
        return scheme is "http" or "https" or "mailto" ? EscapeUnsafe(scheme + url[scheme.Length..]) : null;
    }

    /// <summary>
    /// What the WHATWG URL parser does before reading a scheme: strip leading and trailing C0 controls and
    /// spaces, remove every tab and newline (so "java&#9;script:" is seen as the browser sees it).
    /// </summary>
    internal static string CleanUrl(string raw)
    {
        var trimmed = raw.AsSpan().Trim("\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F ");
        return string.Concat(trimmed.ToString().Split(['\t', '\n', '\r']));
    }

    /// <summary>
    /// Percent-encodes what a URL may not hold literally (space, quotes, angle brackets, backtick), as the
    /// browser would on use; the attribute then reads as one plain token wherever it is copied.
    /// </summary>
    private static string EscapeUnsafe(string url) =>
        url.AsSpan().IndexOfAny(" \"'<>`") < 0
            ? url
            : url.Replace(" ", "%20", StringComparison.Ordinal).Replace("\"", "%22", StringComparison.Ordinal)
                .Replace("'", "%27", StringComparison.Ordinal).Replace("<", "%3C", StringComparison.Ordinal)
                .Replace(">", "%3E", StringComparison.Ordinal).Replace("`", "%60", StringComparison.Ordinal);

    /// <summary>The lower-cased scheme, or null for a relative URL.</summary>
    internal static string? Scheme(string url)
    {
        var match = SchemePattern().Match(url);
        return match.Success ? match.Groups[1].Value.ToLowerInvariant() : null;
    }

    /// <summary>Plain text of a subtree without recursion (the subtree is deeper than <see cref="SanitizeOptions.MaxDepth"/>).</summary>
    private static string PlainText(IElement root)
    {
        var text = new System.Text.StringBuilder();
        var stack = new Stack<INode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is IText t)
            {
                text.Append(t.Data);
                continue;
            }
            if (node is IElement e && (e.NamespaceUri != HtmlNamespace || DroppedWithContent.Contains(e.LocalName)))
                continue;
            for (var child = node.LastChild; child is not null; child = child.PreviousSibling)
                stack.Push(child);
        }
        return text.ToString();
    }

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.\-]*):", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePattern();

    /// <summary>Raster formats only: data:image/svg+xml can carry script when opened on its own.</summary>
    [GeneratedRegex(@"^data:image/(png|gif|jpeg|jpg|webp)(;[a-z0-9=._-]+)*(;base64)?,[a-zA-Z0-9+/=%\s._-]*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex DataImagePattern();

    [GeneratedRegex(@"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30})$", RegexOptions.CultureInvariant)]
    private static partial Regex ColourPattern();
}
