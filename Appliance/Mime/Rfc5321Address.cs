namespace Appliance.Mime;

/// <summary>
/// The RFC 5321 address grammar (§4.1.2): mailbox, path, domain and address literal, with RFC 6531's
/// UTF-8 extensions. A pure format: the SMTP server reads MAIL and RCPT with it, and the submission rules
/// and the webmail's composer check addresses with it, so that they cannot disagree.
/// </summary>
public static class Rfc5321Address
{
    /// <summary>
    /// <c>Path = "&lt;" [ A-d-l ":" ] Mailbox "&gt;"</c> without its brackets. Source routes (A-d-l) are
    /// obsolete: RFC 5321 §4.1.1.3 says to ignore them, so the mailbox alone is returned.
    /// </summary>
    public static bool TryParsePath(string inner, out string address)
    {
        ArgumentNullException.ThrowIfNull(inner);
        address = "";
        if (inner.Length > 0 && inner[0] == '@')
        {
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) return false;
            inner = inner[(colon + 1)..];
        }
        return TryParseMailbox(inner, out address);
    }

    /// <summary>
    /// <c>Mailbox = Local-part "@" ( Domain / address-literal )</c>, where
    /// <c>Local-part = Dot-string / Quoted-string</c>. Returns local@domain with the domain lower-cased.
    /// </summary>
    public static bool TryParseMailbox(string text, out string address)
    {
        ArgumentNullException.ThrowIfNull(text);
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
    /// A character from RFC 6531's <c>UTF8-non-ascii</c>. U+FFFD is what a decoder makes of bytes that are
    /// not UTF-8 (the SMTP command reader does), which the RFC does not allow, so it is refused.
    /// </summary>
    private static bool IsUtf8NonAscii(char c) => c > 127 && c != '\uFFFD';

    /// <summary>
    /// The index of the <c>&gt;</c> that closes the path opened by <paramref name="text"/>[0] (<c>&lt;</c>),
    /// skipping any inside a quoted local part; -1 when there is none.
    /// </summary>
    public static int FindPathEnd(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
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
}
