namespace Appliance.Smtp.Parsing;

/// <summary>An address from MAIL FROM or RCPT TO; empty for the null reverse-path <c>&lt;&gt;</c>.</summary>
public readonly record struct SmtpPath(string Address, IReadOnlyDictionary<string, string?> Parameters)
{
    public bool IsNull => Address.Length == 0;
    public bool IsAscii => Address.All(char.IsAscii);
}

/// <summary>Parses the arguments of MAIL and RCPT (RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2).</summary>
public static class PathParser
{
    /// <summary>
    /// <c>"FROM:" Reverse-path [SP Mail-parameters]</c> or <c>"TO:" Forward-path [SP Rcpt-parameters]</c>.
    /// A space after the colon is accepted, as most servers do, because common clients send one.
    /// </summary>
    public static bool TryParse(string arguments, string keyword, bool allowNull, out SmtpPath path)
    {
        path = default;
        if (!arguments.StartsWith(keyword + ":", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var rest = arguments[(keyword.Length + 1)..].TrimStart();
        if (rest.Length == 0 || rest[0] != '<')
        {
            return false;
        }
        var close = FindClosingBracket(rest);
        if (close < 0)
        {
            return false;
        }
        var inner = rest[1..close];
        var parameters = ParseParameters(rest[(close + 1)..]);
        if (parameters is null)
        {
            return false;
        }
        if (inner.Length == 0)
        {
            if (!allowNull) return false;
            path = new SmtpPath("", parameters);
            return true;
        }
        // Source routes (A-d-l ":") are obsolete: RFC 5321 §4.1.1.3 says to ignore them.
        if (inner[0] == '@')
        {
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) return false;
            inner = inner[(colon + 1)..];
        }
        if (!TryParseMailbox(inner, out var address))
        {
            return false;
        }
        path = new SmtpPath(address, parameters);
        return true;
    }

    /// <summary>
    /// <c>Mailbox = Local-part "@" ( Domain / address-literal )</c>, where
    /// <c>Local-part = Dot-string / Quoted-string</c>. Returns local@domain with the domain lower-cased.
    /// </summary>
    public static bool TryParseMailbox(string text, out string address)
    {
        address = "";
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }
        var local = text[..at];
        var domain = text[(at + 1)..];
        if (local.Length > 64 * 4 || domain.Length > 255)
        {
            return false;
        }
        if (local[0] == '"')
        {
            if (local.Length < 2 || local[^1] != '"') return false;
            for (var i = 1; i < local.Length - 1; i++)
            {
                var c = local[i];
                // quoted-pair: the escaped character must not be the closing quote.
                if (c == '\\') { if (++i >= local.Length - 1) return false; continue; }
                if (c is '"' or < ' ' and not '\t' or (char)127) return false;
            }
        }
        else if (!IsDotString(local))
        {
            return false;
        }
        if (domain[0] == '[')
        {
            if (domain[^1] != ']' || !System.Net.IPAddress.TryParse(domain[1..^1].Replace("IPv6:", "", StringComparison.OrdinalIgnoreCase), out _)) return false;
        }
        else if (!IsDomain(domain))
        {
            return false;
        }
        address = $"{local}@{domain.ToLowerInvariant()}";
        return true;
    }

    /// <summary><c>Dot-string = Atom *("." Atom)</c>; atext, plus any non-ASCII character for SMTPUTF8 (RFC 6531 §3.3).</summary>
    private static bool IsDotString(string text)
    {
        if (text.Length == 0 || text[0] == '.' || text[^1] == '.' || text.Contains("..", StringComparison.Ordinal)) return false;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal) || IsUtf8NonAscii(c))) return false;
        }
        return true;
    }

    /// <summary><c>Domain = sub-domain *("." sub-domain)</c>, with U-labels allowed (RFC 6531).</summary>
    private static bool IsDomain(string text)
    {
        foreach (var label in text.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || IsUtf8NonAscii(c))) return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A character from RFC 6531's <c>UTF8-non-ascii</c>. U+FFFD is what <see cref="SmtpCommand.Parse"/>
    /// makes of bytes that are not UTF-8, which the RFC does not allow, so it is refused.
    /// </summary>
    private static bool IsUtf8NonAscii(char c) => c > 127 && c != '\uFFFD';

    private static int FindClosingBracket(string text)
    {
        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted && c == '\\') { i++; continue; }
            if (c == '"') quoted = !quoted;
            else if (c == '>' && !quoted) return i;
        }
        return -1;
    }

    /// <summary><c>esmtp-param = esmtp-keyword ["=" esmtp-value]</c>, separated by spaces; keywords upper-cased.</summary>
    private static Dictionary<string, string?>? ParseParameters(string text)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            var keyword = eq < 0 ? item : item[..eq];
            if (keyword.Length == 0 || !keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || !char.IsAsciiLetterOrDigit(keyword[0]))
            {
                return null;
            }
            result[keyword.ToUpperInvariant()] = eq < 0 ? null : item[(eq + 1)..];
        }
        return result;
    }
}
