using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Filtering.Spf;

/// <summary>What a macro may refer to (RFC 7208 §7.2). <see cref="ValidatedDomain"/> is looked up only when a <c>%{p}</c> asks for it.</summary>
public sealed record SpfMacroContext(
    IPAddress Ip,
    string Sender,
    string LocalPart,
    string SenderDomain,
    string Domain,
    string Helo,
    string Receiver,
    DateTimeOffset Now,
    Func<CancellationToken, Task<string>> ValidatedDomain);

/// <summary>
/// A parsed <c>macro-string</c> (RFC 7208 §7.1), kept as literal runs and macro expansions so that a syntax
/// error is found when the record is read, before anything is evaluated (§4.6: any syntax error is a permerror).
/// </summary>
public sealed class SpfMacroString
{
    /// <summary>One <c>macro-expand</c>: <c>%{ letter digits [r] delimiters }</c>; an upper-case letter asks for URL escaping (§7.3).</summary>
    public sealed record Macro(char Letter, int Parts, bool Reverse, string Delimiters, bool UrlEscape);

    private readonly IReadOnlyList<object> _parts;

    private SpfMacroString(string text, IReadOnlyList<object> parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>True when the string ends in a <c>macro-expand</c> (which the <c>domain-end</c> rule accepts in place of a top label).</summary>
    public bool EndsWithMacro { get; private init; }

    /// <summary>The literal text after the last macro (all of it when there is none).</summary>
    public string TrailingLiteral { get; private init; } = "";

    public bool HasMacros => _parts.Any(p => p is Macro);

    /// <summary>
    /// RFC 7208 §7.1:
    /// <code>
    /// macro-string = *( macro-expand / macro-literal )
    /// macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
    /// macro-literal = %x21-24 / %x26-7E
    /// macro-letter = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"
    /// transformers = *DIGIT [ "r" ]
    /// delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
    /// </code>
    /// <paramref name="explanation"/> is the <c>explanation-string</c> of an exp= TXT record: spaces are allowed and
    /// so are the letters c, r and t, which are for explanations only (§7.2).
    /// </summary>
    public static bool TryParse(string text, bool explanation, out SpfMacroString value, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = null!;
        error = "";
        var parts = new List<object>();
        var literal = new StringBuilder();
        var endsWithMacro = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                if (!(c is >= '!' and <= '~' || (explanation && c == ' ')))
                {
                    error = $"'{text}' has a character not allowed in a macro-string (RFC 7208 §7.1)";
                    return false;
                }
                literal.Append(c);
                endsWithMacro = false;
                continue;
            }
            if (i + 1 >= text.Length)
            {
                error = $"'{text}' ends in a lone '%' (RFC 7208 §7.1)";
                return false;
            }
            var next = text[++i];
            switch (next)
            {
                case '%':
                    literal.Append('%');
                    endsWithMacro = true;
                    continue;
                case '_':
                    literal.Append(' ');
                    endsWithMacro = true;
                    continue;
                case '-':
                    literal.Append("%20");
                    endsWithMacro = true;
                    continue;
                case '{':
                    break;
                default:
                    error = $"'{text}' has a '%' not followed by '{{', '%', '_' or '-' (RFC 7208 §7.1)";
                    return false;
            }
            var close = text.IndexOf('}', i);
            if (close < 0)
            {
                error = $"'{text}' has an unclosed macro (RFC 7208 §7.1)";
                return false;
            }
            if (!TryParseMacro(text.AsSpan(i + 1, close - i - 1), explanation, out var macro))
            {
                error = $"'{text}' has an invalid macro '%{{{text[(i + 1)..close]}}}' (RFC 7208 §7.1)";
                return false;
            }
            if (literal.Length > 0)
            {
                parts.Add(literal.ToString());
                literal.Clear();
            }
            parts.Add(macro);
            endsWithMacro = true;
            i = close;
        }
        var trailing = literal.ToString();
        if (literal.Length > 0)
        {
            parts.Add(trailing);
        }
        // "%%", "%_" and "%-" are macro-expands too: a domain-spec may end in one.
        value = new SpfMacroString(text, parts) { EndsWithMacro = endsWithMacro, TrailingLiteral = endsWithMacro ? "" : TrailingText(text) };
        return true;
    }

    /// <summary>The raw text after the last '%' escape or macro, which the domain-end rule inspects.</summary>
    private static string TrailingText(string text)
    {
        var last = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%')
            {
                last = text[i + 1] == '{' ? text.IndexOf('}', i) : i + 1;
                i = last;
            }
        }
        return text[(last + 1)..];
    }

    private static bool TryParseMacro(ReadOnlySpan<char> body, bool explanation, out Macro macro)
    {
        macro = null!;
        if (body.IsEmpty)
        {
            return false;
        }
        var letter = body[0];
        var lower = char.ToLowerInvariant(letter);
        if (!"slodiphv".Contains(lower) && !(explanation && "crt".Contains(lower)))
        {
            return false;
        }
        var i = 1;
        var digitsStart = i;
        while (i < body.Length && char.IsAsciiDigit(body[i]))
        {
            i++;
        }
        var parts = 0;
        if (i > digitsStart)
        {
            // "If a DIGIT is specified, the value MUST be nonzero" (§7.3); a count past any name's 127 labels means all.
            var digits = body[digitsStart..i];
            parts = digits.Length > 3 ? 128 : int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            if (parts == 0 && !digits.ContainsAnyExcept('0'))
            {
                return false;
            }
            parts = Math.Min(parts, 128);
        }
        var reverse = false;
        if (i < body.Length && body[i] is 'r' or 'R')
        {
            reverse = true;
            i++;
        }
        var delimiters = body[i..];
        if (delimiters.ContainsAnyExcept(".-+,/_="))
        {
            return false;
        }
        macro = new Macro(lower, parts, reverse, delimiters.ToString(), char.IsUpper(letter));
        return true;
    }

    /// <summary>
    /// The <c>domain-end</c> rule of a <c>domain-spec</c> (RFC 7208 §7.1):
    /// <code>
    /// domain-end = ( "." toplabel [ "." ] ) / macro-expand
    /// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    /// </code>
    /// </summary>
    public bool IsDomainSpec()
    {
        if (EndsWithMacro)
        {
            return true;
        }
        var tail = TrailingLiteral;
        if (tail.EndsWith('.'))
        {
            tail = tail[..^1];
        }
        var dot = tail.LastIndexOf('.');
        return dot >= 0 && IsTopLabel(tail.AsSpan(dot + 1));
    }

    internal static bool IsTopLabel(ReadOnlySpan<char> label)
    {
        if (label.IsEmpty || label.ContainsAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"))
        {
            return false;
        }
        if (!label.Contains('-'))
        {
            return label.ContainsAnyInRange('a', 'z') || label.ContainsAnyInRange('A', 'Z');
        }
        return label[0] != '-' && label[^1] != '-';
    }

    /// <summary>Expands the string (§7.3). A domain name (not an explanation) longer than 253 characters loses labels on the left until it fits.</summary>
    public async Task<string> ExpandAsync(SpfMacroContext context, bool domainName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var builder = new StringBuilder();
        foreach (var part in _parts)
        {
            if (part is string literal)
            {
                builder.Append(literal);
                continue;
            }
            var macro = (Macro)part;
            var value = macro.Letter == 'p' ? await context.ValidatedDomain(cancellationToken) : Value(macro.Letter, context);
            builder.Append(Transform(value, macro));
        }
        var expanded = builder.ToString();
        if (domainName)
        {
            // §7.3: "if the expanded domain name exceeds 253 characters ... the left side is truncated to fit, by
            // removing successive domain labels (and their following dots)".
            while (expanded.TrimEnd('.').Length > 253 && expanded.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0)
            {
                expanded = expanded[(dot + 1)..];
            }
        }
        return expanded;
    }

    private static string Value(char letter, SpfMacroContext context) => letter switch
    {
        's' => context.Sender,
        'l' => context.LocalPart,
        'o' => context.SenderDomain,
        'd' => context.Domain,
        'i' => DottedAddress(context.Ip),
        'v' => context.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
        'h' => context.Helo,
        'c' => context.Ip.ToString(),
        'r' => context.Receiver,
        't' => context.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(letter), letter, "not a macro letter"),
    };

    /// <summary>§7.3: "i" is the dotted quad for IPv4 and, for IPv6, dot-separated nibbles in hexadecimal.</summary>
    internal static string DottedAddress(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            return ip.ToString();
        }
        var bytes = ip.GetAddressBytes();
        var builder = new StringBuilder(63);
        foreach (var b in bytes)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }
            builder.Append("0123456789abcdef"[b >> 4]).Append('.').Append("0123456789abcdef"[b & 0xF]);
        }
        return builder.ToString();
    }

    /// <summary>§7.3: split on the delimiters (default "."), reverse if asked, keep the rightmost N parts, join with ".", then URL-escape for an upper-case letter.</summary>
    internal static string Transform(string value, Macro macro)
    {
        string result;
        if (macro.Parts == 0 && !macro.Reverse && macro.Delimiters.Length == 0)
        {
            result = value;
        }
        else
        {
            var delimiters = macro.Delimiters.Length == 0 ? ['.'] : macro.Delimiters.ToCharArray();
            var labels = value.Split(delimiters);
            if (macro.Reverse)
            {
                Array.Reverse(labels);
            }
            if (macro.Parts > 0 && labels.Length > macro.Parts)
            {
                labels = labels[^macro.Parts..];
            }
            result = string.Join('.', labels);
        }
        return macro.UrlEscape ? UrlEscape(result) : result;
    }

    /// <summary>§7.3: characters outside RFC 3986's "unreserved" set are escaped as %XX of their UTF-8 bytes.</summary>
    internal static string UrlEscape(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    public override string ToString() => Text;
}
