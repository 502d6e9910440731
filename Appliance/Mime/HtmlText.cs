using System.Globalization;
using System.Net;
using System.Text;

namespace Appliance.Mime;

/// <summary>
/// HTML as plain text, for every reader of a message's text that is not a browser: the list's preview, the full-text
/// index (IMAP SEARCH and the webmail's search look for words, not markup) and the quote of a reply or a forward, and
/// the text/plain twin of what the composer sends. One converter, so that a preview, a search hit and a quote read
/// the same words.
/// <para>
/// A single forward pass over the string with a bounded stack of open elements, not a DOM: mail HTML is often broken,
/// a tree builder costs time in the depth of its stack of open elements, and a walker over a DOM recurses (HTML
/// nested 50,000 deep must neither take seconds nor overflow the stack). Beyond <see cref="MaxNesting"/> open
/// elements, tags only count their depth and their text is kept.
/// </para>
/// The rendering: paragraphs, headings and tables apart by a blank line; &lt;br&gt;, &lt;div&gt; and rows as line
/// breaks; cells apart by a space; list items as "- " (numbered "1. " in &lt;ol&gt;, from its <c>start</c>), nested
/// lists indented two spaces a level; links as "text &lt;url&gt;" (the URL alone when it is the text, nothing for
/// same-page and script links, the address for <c>mailto:</c>); images as "[alt]"; &lt;blockquote&gt; lines with
/// "&gt; " before them, one "&gt;" a level (RFC 3676 §4.5 style); &lt;pre&gt; as written; white space elsewhere
/// collapsed; entities decoded; comments, scripts, styles, the head, templates and noscript dropped with their content.
/// </summary>
public static class HtmlText
{
    /// <summary>
    /// Open elements tracked at once. Real mail nests a few dozen deep (tables in tables in newsletters); a crafted
    /// message can nest as deep as it is long, and each tracked level costs a lookup at every end tag.
    /// </summary>
    public const int MaxNesting = 256;

    /// <summary>
    /// The text of <paramref name="html"/>, at most <paramref name="maxLength"/> characters (the conversion stops
    /// there, so a preview of a 40 MB newsletter reads only its start). Never throws on any input.
    /// </summary>
    public static string ToPlainText(string? html, int maxLength = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (string.IsNullOrEmpty(html) || maxLength == 0)
        {
            return "";
        }
        var writer = new Writer(maxLength);
        new Reader(html, writer).Run();
        return writer.Result();
    }

    // Elements whose content is never text a reader sees: skipped to their end tag without looking inside.
    private static readonly string[] Hidden = ["script", "style", "title", "template", "noscript", "textarea", "head"];

    // Elements that have no end tag (HTML §13.1.2): never pushed.
    private static readonly HashSet<string> Void = new(StringComparer.Ordinal)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    };

    private static readonly HashSet<string> Paragraphs = new(StringComparer.Ordinal)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dl", "figure",
    };

    private static readonly HashSet<string> Lines = new(StringComparer.Ordinal)
    {
        "div", "tr", "dt", "dd", "section", "article", "header", "footer", "address", "caption", "tbody", "thead", "tfoot",
        "main", "nav", "aside", "center", "form", "fieldset", "details", "summary",
    };

    /// <summary>The tokenizer: text runs, tags with their attributes, comments; calls the writer for each.</summary>
    private ref struct Reader(string html, Writer writer)
    {
        private int _pos;

        public void Run()
        {
            while (_pos < html.Length && !writer.Full)
            {
                var lt = html.IndexOf('<', _pos);
                if (lt < 0)
                {
                    writer.Text(WebUtility.HtmlDecode(html[_pos..]));
                    return;
                }
                if (lt > _pos)
                {
                    writer.Text(WebUtility.HtmlDecode(html[_pos..lt]));
                }
                _pos = lt;
                Markup();
            }
        }

        /// <summary>At a "&lt;": a comment, a declaration, an end tag, a start tag, or a "&lt;" that is text.</summary>
        private void Markup()
        {
            var rest = html.AsSpan(_pos);
            if (rest.StartsWith("<!--"))
            {
                var close = html.IndexOf("-->", _pos + 4, StringComparison.Ordinal);
                _pos = close < 0 ? html.Length : close + 3;
                return;
            }
            if (rest.StartsWith("<![CDATA["))
            {
                var close = html.IndexOf("]]>", _pos + 9, StringComparison.Ordinal);
                var end = close < 0 ? html.Length : close;
                writer.Text(html[(_pos + 9)..end]);
                _pos = close < 0 ? html.Length : close + 3;
                return;
            }
            if (rest.Length > 1 && rest[1] is '!' or '?')
            {
                SkipPast('>');
                return;
            }
            var closing = rest.Length > 1 && rest[1] == '/';
            var nameStart = _pos + (closing ? 2 : 1);
            if (nameStart >= html.Length || !char.IsAsciiLetter(html[nameStart]))
            {
                // "a < b", "<3": a less-than sign in text.
                writer.Text("<");
                _pos++;
                return;
            }
            var nameEnd = nameStart;
            while (nameEnd < html.Length && !IsNameEnd(html[nameEnd]))
            {
                nameEnd++;
            }
            var name = html[nameStart..nameEnd].ToLowerInvariant();
            _pos = nameEnd;
            if (closing)
            {
                SkipPast('>');
                writer.End(name);
                return;
            }
            var attributes = Attributes();
            if (Array.IndexOf(Hidden, name) >= 0)
            {
                SkipHidden(name);
                return;
            }
            writer.Start(name, attributes);
        }

        private static bool IsNameEnd(char c) => c is ' ' or '\t' or '\r' or '\n' or '\f' or '/' or '>';

        /// <summary>The attributes a rendering uses (href, alt, start), up to the tag's "&gt;"; quoted values may hold "&gt;".</summary>
        private Dictionary<string, string>? Attributes()
        {
            Dictionary<string, string>? found = null;
            while (_pos < html.Length)
            {
                var c = html[_pos];
                if (c == '>')
                {
                    _pos++;
                    return found;
                }
                if (c is ' ' or '\t' or '\r' or '\n' or '\f' or '/')
                {
                    _pos++;
                    continue;
                }
                var nameStart = _pos;
                while (_pos < html.Length && html[_pos] is not (' ' or '\t' or '\r' or '\n' or '\f' or '/' or '>' or '='))
                {
                    _pos++;
                }
                var name = html[nameStart.._pos];
                SkipSpace();
                var value = "";
                if (_pos < html.Length && html[_pos] == '=')
                {
                    _pos++;
                    SkipSpace();
                    if (_pos < html.Length && html[_pos] is '"' or '\'')
                    {
                        var quote = html[_pos];
                        var close = html.IndexOf(quote, _pos + 1);
                        var end = close < 0 ? html.Length : close;
                        value = html[(_pos + 1)..end];
                        _pos = close < 0 ? html.Length : close + 1;
                    }
                    else
                    {
                        var start = _pos;
                        while (_pos < html.Length && html[_pos] is not (' ' or '\t' or '\r' or '\n' or '\f' or '>'))
                        {
                            _pos++;
                        }
                        value = html[start.._pos];
                    }
                }
                if (name.Length > 0 && (name.Equals("href", StringComparison.OrdinalIgnoreCase) || name.Equals("alt", StringComparison.OrdinalIgnoreCase) || name.Equals("start", StringComparison.OrdinalIgnoreCase)))
                {
                    found ??= new(StringComparer.OrdinalIgnoreCase);
                    found.TryAdd(name, WebUtility.HtmlDecode(value));
                }
            }
            return found;
        }

        private void SkipSpace()
        {
            while (_pos < html.Length && html[_pos] is ' ' or '\t' or '\r' or '\n' or '\f')
            {
                _pos++;
            }
        }

        private void SkipPast(char c)
        {
            var at = html.IndexOf(c, _pos);
            _pos = at < 0 ? html.Length : at + 1;
        }

        /// <summary>Past the end tag of a hidden element (the head also ends where the body starts), or to the end.</summary>
        private void SkipHidden(string name)
        {
            var close = html.IndexOf("</" + name, _pos, StringComparison.OrdinalIgnoreCase);
            if (name == "head")
            {
                var body = html.IndexOf("<body", _pos, StringComparison.OrdinalIgnoreCase);
                if (body >= 0 && (close < 0 || body < close))
                {
                    _pos = body;
                    return;
                }
            }
            if (close < 0)
            {
                _pos = html.Length;
                return;
            }
            _pos = close;
            SkipPast('>');
        }
    }

    /// <summary>What an open element does at its end.</summary>
    private sealed record Open(string Name, string? Href = null, int LabelStart = 0, bool Numbered = false)
    {
        public int Next { get; set; }

        /// <summary>For a list item: the spaces its continuation lines start with.</summary>
        public int Hanging { get; init; }
    }

    /// <summary>Writes text with collapsed white space; line breaks are asked for and written only before more text.</summary>
    private sealed class Writer(int maxLength)
    {
        private readonly StringBuilder _text = new();
        private readonly List<Open> _open = [];
        private int _overflow;
        private int _pendingBreaks;
        private int _trailingBreaks;
        private bool _lineStart = true;
        private bool _space;
        private int _preformatted;
        private int _quote;
        private int _lastQuote;
        private string? _marker;

        public bool Full { get; private set; }

        public void Start(string name, Dictionary<string, string>? attributes)
        {
            switch (name)
            {
                case "br":
                    NewLine();
                    return;
                case "hr":
                    Break(1);
                    Text("----------");
                    Break(1);
                    return;
                case "img":
                    if (attributes?.GetValueOrDefault("alt") is { Length: > 0 } alt)
                    {
                        Text("[" + alt + "]");
                    }
                    return;
                case "body" or "html":
                    return;
            }
            if (Void.Contains(name))
            {
                return;
            }
            if (_open.Count >= MaxNesting)
            {
                _overflow++;
                return;
            }
            if (name == "li")
            {
                // An open item of the same list ends where the next one starts (its end tag is optional).
                var list = _open.FindLastIndex(o => o.Name is "ul" or "ol");
                var item = _open.FindLastIndex(o => o.Name == "li");
                if (item > list && list >= 0)
                {
                    CloseFrom(item);
                }
            }
            else if (name is "p" && _open.Count > 0 && _open[^1].Name == "p")
            {
                CloseFrom(_open.Count - 1);
            }
            var open = new Open(name);
            switch (name)
            {
                case "a":
                    open = new Open(name, attributes?.GetValueOrDefault("href")?.Trim() ?? "", _text.Length);
                    break;
                case "blockquote":
                    Break(2);
                    _quote++;
                    break;
                case "ul" or "ol":
                    Break(_open.Exists(o => o.Name == "li") ? 1 : 2);
                    var numbered = name == "ol";
                    open = new Open(name, Numbered: numbered)
                    {
                        Next = numbered && int.TryParse(attributes?.GetValueOrDefault("start"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var start) ? start : 1,
                    };
                    break;
                case "li":
                    var owner = _open.FindLast(o => o.Name is "ul" or "ol");
                    if (owner is null)
                    {
                        Break(1);
                        break;
                    }
                    var depth = _open.Count(o => o.Name is "ul" or "ol") - 1;
                    var marker = new string(' ', depth * 2) + (owner.Numbered ? string.Create(CultureInfo.InvariantCulture, $"{owner.Next++}. ") : "- ");
                    Break(1);
                    _marker = marker;
                    open = new Open(name) { Hanging = marker.Length };
                    break;
                case "pre":
                    Break(2);
                    _preformatted++;
                    break;
                case "td" or "th":
                    Cell();
                    break;
                default:
                    if (Paragraphs.Contains(name)) Break(2);
                    else if (Lines.Contains(name)) Break(1);
                    break;
            }
            _open.Add(open);
        }

        public void End(string name)
        {
            if (name == "br")
            {
                // "</br>" is read as "<br>" (HTML §13.2.6.4.7).
                NewLine();
                return;
            }
            if (_overflow > 0)
            {
                _overflow--;
                return;
            }
            var at = _open.FindLastIndex(o => o.Name == name);
            if (at >= 0)
            {
                CloseFrom(at);
            }
        }

        /// <summary>Ends the open elements from <paramref name="index"/> up, innermost first.</summary>
        private void CloseFrom(int index)
        {
            for (var i = _open.Count - 1; i >= index; i--)
            {
                var open = _open[i];
                _open.RemoveAt(i);
                Close(open);
            }
        }

        private void Close(Open open)
        {
            switch (open.Name)
            {
                case "a":
                    Link(open);
                    break;
                case "blockquote":
                    _quote--;
                    Break(2);
                    break;
                case "ul" or "ol":
                    Break(2);
                    break;
                case "li":
                    if (_marker is not null)
                    {
                        // An empty item still shows its marker.
                        Content('\0');
                    }
                    // What the item's own blocks asked for after their text ends with the item: one line to the next.
                    _pendingBreaks = 1;
                    break;
                case "pre":
                    _preformatted--;
                    Break(2);
                    break;
                case "td" or "th":
                    Cell();
                    break;
                default:
                    if (Paragraphs.Contains(open.Name)) Break(2);
                    else if (Lines.Contains(open.Name)) Break(1);
                    break;
            }
        }

        private void Cell()
        {
            if (!_lineStart && _pendingBreaks == 0)
            {
                _space = true;
            }
        }

        private void Link(Open open)
        {
            var start = Math.Min(open.LabelStart, _text.Length);
            var label = _text.ToString(start, _text.Length - start).Trim();
            var href = open.Href ?? "";
            if (href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
            {
                href = Uri.UnescapeDataString(href[7..].Split('?')[0]);
            }
            // Same-page anchors and scripts mean nothing in plain text; a link written out as its own text needs no repeat.
            if (href.Length == 0 || href.StartsWith('#') || href.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase) || href == label)
            {
                return;
            }
            Text(label.Length == 0 ? href : " <" + href + ">");
        }

        private void Break(int lines) => _pendingBreaks = Math.Max(_pendingBreaks, lines);

        public void Text(string text)
        {
            if (_preformatted > 0)
            {
                foreach (var c in text)
                {
                    if (c == '\n') NewLine();
                    else if (c != '\r') Content(c);
                    if (Full) return;
                }
                return;
            }
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c) && c != '\u00a0')
                {
                    _space = true;
                    continue;
                }
                if (_space && _pendingBreaks == 0 && !_lineStart)
                {
                    Content(' ');
                }
                _space = false;
                Content(c == '\u00a0' ? ' ' : c);
                if (Full) return;
            }
        }

        /// <summary>A line break as it is (a &lt;br&gt;): one, on top of any the block before asked for.</summary>
        private void NewLine()
        {
            FlushBreaks();
            EndLine();
            _space = false;
        }

        private void EndLine()
        {
            if (_lineStart && _text.Length > 0)
            {
                // A blank line between two quoted ones keeps the quote marks of the shallower.
                Append(new string('>', Math.Min(_lastQuote, _quote)));
            }
            Append("\n");
            _lineStart = true;
            _trailingBreaks++;
        }

        private void FlushBreaks()
        {
            if (_text.Length > 0)
            {
                while (_trailingBreaks < _pendingBreaks && !Full)
                {
                    EndLine();
                }
            }
            _pendingBreaks = 0;
        }

        /// <summary>A visible character (or '\0': only the line's prefix): breaks asked for before it, then the line's quote marks and list indent.</summary>
        private void Content(char c)
        {
            if (Full)
            {
                return;
            }
            FlushBreaks();
            if (_lineStart)
            {
                if (_quote > 0)
                {
                    Append(new string('>', _quote) + " ");
                }
                if (_marker is not null)
                {
                    Append(_marker);
                    _marker = null;
                }
                else if (_open.FindLast(o => o.Name == "li") is { } item)
                {
                    Append(new string(' ', item.Hanging));
                }
                _lineStart = false;
                _trailingBreaks = 0;
                _lastQuote = _quote;
            }
            if (c != '\0')
            {
                if (_text.Length >= maxLength)
                {
                    Full = true;
                    return;
                }
                _text.Append(c);
            }
        }

        private void Append(string s)
        {
            var room = maxLength - _text.Length;
            if (s.Length >= room)
            {
                _text.Append(s, 0, room);
                Full = true;
                return;
            }
            _text.Append(s);
        }

        public string Result()
        {
            var lines = _text.ToString().Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                lines[i] = lines[i].TrimEnd(' ');
            }
            var result = string.Join('\n', lines).Trim('\n');
            // Never end on half a surrogate pair.
            return result.Length > 0 && char.IsHighSurrogate(result[^1]) ? result[..^1] : result;
        }
    }
}
