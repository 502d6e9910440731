using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Web.Mail;

/// <summary>
/// Filters a <c>style</c> attribute to an allow-list of declarations. Pure string work on purpose: a value is
/// either plainly harmless (no escapes, no comments, no functions but colour functions) or it is dropped, so
/// no CSS parser's leniency decides what a browser will load.
/// </summary>
/// <remarks>
/// Dropped always: <c>position</c>, <c>z-index</c>, <c>transform</c>, <c>behavior</c>, <c>-moz-binding</c>,
/// <c>content</c>, any *-image property, and any value with <c>url(</c>, <c>expression(</c>, <c>image-set(</c>
/// or any function other than rgb/rgba/hsl/hsla, any backslash (CSS escapes could spell <c>url</c>), comment,
/// <c>@</c>, braces or angle brackets. Without positioning nothing can leave the message's box, so overlays
/// are impossible; negative margins and indents are bounded (<see cref="MaxNegativePx"/>) so that text cannot
/// be pulled over other text, and viewport units are refused so that nothing sizes itself to the frame.
/// </remarks>
internal static partial class InlineStyle
{
    /// <summary>Largest negative offset kept, in px (or 2em): enough for newsletter nudges, not for overlays.</summary>
    internal const double MaxNegativePx = 20;

    /// <summary>Longest style attribute read; longer ones are dropped whole (no real inline style is near it).</summary>
    internal const int MaxLength = 8192;

    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "color", "background", "background-color",
        "font", "font-family", "font-size", "font-style", "font-weight", "font-variant", "font-stretch",
        "line-height", "letter-spacing", "word-spacing",
        "text-align", "text-decoration", "text-decoration-line", "text-decoration-color", "text-decoration-style",
        "text-indent", "text-transform", "text-shadow", "white-space", "word-break", "word-wrap", "overflow-wrap",
        "vertical-align", "direction", "unicode-bidi",
        "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
        "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
        "border", "border-top", "border-right", "border-bottom", "border-left",
        "border-color", "border-style", "border-width", "border-radius",
        "border-top-color", "border-right-color", "border-bottom-color", "border-left-color",
        "border-top-style", "border-right-style", "border-bottom-style", "border-left-style",
        "border-top-width", "border-right-width", "border-bottom-width", "border-left-width",
        "border-top-left-radius", "border-top-right-radius", "border-bottom-left-radius", "border-bottom-right-radius",
        "border-collapse", "border-spacing",
        "width", "height", "min-width", "min-height", "max-width", "max-height",
        "display", "float", "clear", "box-sizing",
        "list-style-type", "list-style-position", "table-layout", "caption-side", "empty-cells",
    };

    private static readonly HashSet<string> DisplayValues = new(StringComparer.Ordinal)
    {
        "none", "block", "inline", "inline-block", "list-item", "flex", "inline-flex",
        "table", "inline-table", "table-row", "table-cell", "table-row-group", "table-header-group",
        "table-footer-group", "table-column", "table-column-group", "table-caption",
    };

    private static readonly HashSet<string> ColourFunctions = new(StringComparer.Ordinal) { "rgb", "rgba", "hsl", "hsla" };

    /// <summary>The kept declarations as <c>name: value; …</c>, or null when none is kept.</summary>
    public static string? Filter(string style)
    {
        if (style.Length > MaxLength)
            return null;
        var kept = new StringBuilder();
        foreach (var declaration in SplitDeclarations(style))
        {
            var colon = declaration.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                continue;
            var name = declaration[..colon].Trim().ToLowerInvariant();
            var value = Normalize(declaration[(colon + 1)..]);
            if (!Allowed.Contains(name) || value is null || !IsSafeValue(name, value))
                continue;
            if (kept.Length > 0)
                kept.Append("; ");
            kept.Append(name).Append(": ").Append(value);
        }
        return kept.Length == 0 ? null : kept.ToString();
    }

    /// <summary>Splits on semicolons outside quotes and parentheses; an unbalanced quote ends the list.</summary>
    private static IEnumerable<string> SplitDeclarations(string style)
    {
        var start = 0;
        var depth = 0;
        char quote = '\0';
        for (var i = 0; i < style.Length; i++)
        {
            var c = style[i];
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                continue;
            }
            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth = Math.Max(0, depth - 1);
                    break;
                case ';' when depth == 0:
                    yield return style[start..i];
                    start = i + 1;
                    break;
            }
        }
        if (quote == '\0' && start < style.Length)
            yield return style[start..];
    }

    /// <summary>Collapses whitespace and strips <c>!important</c>; null when the value has a control character.</summary>
    private static string? Normalize(string raw)
    {
        var value = new StringBuilder(raw.Length);
        var space = false;
        foreach (var c in raw)
        {
            if (c is ' ' or '\t' or '\n' or '\r' or '\f')
            {
                space = value.Length > 0;
                continue;
            }
            if (char.IsControl(c) || c == '\uFFFD')
                return null;
            if (space)
                value.Append(' ');
            space = false;
            value.Append(c);
        }
        var text = value.ToString();
        var bang = text.IndexOf('!', StringComparison.Ordinal);
        if (bang >= 0)
        {
            if (!text[bang..].Replace(" ", "", StringComparison.Ordinal).Equals("!important", StringComparison.OrdinalIgnoreCase))
                return null;
            text = text[..bang].TrimEnd();
        }
        return text.Length == 0 ? null : text;
    }

    private static bool IsSafeValue(string name, string value)
    {
        if (value.AsSpan().IndexOfAny("\\<>{}@`;") >= 0 || value.Contains("/*", StringComparison.Ordinal))
            return false;
        var lower = value.ToLowerInvariant();
        if (lower.Contains("expression", StringComparison.Ordinal) || lower.Contains("url", StringComparison.Ordinal)
            || lower.Contains("javascript", StringComparison.Ordinal) || lower.Contains("binding", StringComparison.Ordinal)
            || lower.Contains("behavior", StringComparison.Ordinal) || lower.Contains("import", StringComparison.Ordinal))
            return false;
        foreach (Match function in FunctionPattern().Matches(lower))
        {
            if (!ColourFunctions.Contains(function.Groups[1].Value))
                return false;
        }
        if (ViewportUnitPattern().IsMatch(lower))
            return false;
        if (name == "display")
            return DisplayValues.Contains(lower);
        foreach (Match negative in NegativeNumberPattern().Matches(lower))
        {
            var magnitude = double.Parse(negative.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            var unit = negative.Groups[2].Value;
            var bounded = unit switch
            {
                "px" or "" => magnitude <= MaxNegativePx,
                "pt" => magnitude <= MaxNegativePx * 0.75,
                "em" or "rem" or "ex" or "ch" => magnitude <= 2,
                _ => false,
            };
            if (!bounded)
                return false;
        }
        return true;
    }

    /// <summary>Any "(" must open one of the colour functions: <c>ident(</c> with nothing but letters before it.</summary>
    [GeneratedRegex(@"(-?[a-z0-9_-]*)\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionPattern();

    [GeneratedRegex(@"\d\s*(vw|vh|vmin|vmax|vi|vb|[dsl]v[hwib]|[dsl]vmin|[dsl]vmax|cq[whib]|cqmin|cqmax)\b", RegexOptions.CultureInvariant)]
    private static partial Regex ViewportUnitPattern();

    /// <summary>A minus sign starting a number (not inside a word such as <c>sans-serif</c>).</summary>
    [GeneratedRegex(@"(?<![a-z0-9_-])-\s*([0-9]*\.?[0-9]+)([a-z%]*)", RegexOptions.CultureInvariant)]
    private static partial Regex NegativeNumberPattern();
}
