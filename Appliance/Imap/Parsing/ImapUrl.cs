using System.Globalization;
using System.Text;

namespace Appliance.Imap.Parsing;

/// <summary>
/// What a CATENATE URL (RFC 4469 §5) names: one message, or a section of it, in a mailbox of this server (RFC 5092
/// <c>imessagepart</c>). <see cref="User"/> and <see cref="Host"/> are null where the URL left them out.
/// </summary>
public sealed record ImapUrl(string? User, string? Host, string Mailbox, long? Uidvalidity, long Uid, string? Section, long? PartialOffset, long? PartialLength)
{
    /// <summary>
    /// Parses <paramref name="url"/>, an absolute <c>imapurl</c> or a relative reference (RFC 5092 §7, RFC 3986 §5.2)
    /// resolved against the selected mailbox's URL, <c>imap://host/&lt;mailbox&gt;;UIDVALIDITY=n/</c> (RFC 4469 §3), or
    /// against <c>imap://host/</c> when none is selected. Pure; false for anything that does not name a message part
    /// here, including URLAUTH's <c>;EXPIRE=</c> and <c>;URLAUTH=</c>, which this server does not offer (RFC 4467).
    /// </summary>
    /// <param name="selectedMailbox">The selected mailbox's name as the client sees it, or null.</param>
    public static bool TryParse(string url, string? selectedMailbox, long selectedUidvalidity, out ImapUrl? parsed)
    {
        ArgumentNullException.ThrowIfNull(url);
        parsed = null;
        string? user = null;
        string? host = null;
        string path;
        if (url.StartsWith("imap://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("//", StringComparison.Ordinal))
        {
            // imapurl = "imap://" iserver ipath-query; a network-path reference "//iserver/..." takes the base's scheme.
            var rest = url[(url.IndexOf("//", StringComparison.Ordinal) + 2)..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var authority = slash < 0 ? rest : rest[..slash];
            path = slash < 0 ? "" : rest[slash..];
            if (!TryServer(authority, out user, out host))
            {
                return false;
            }
        }
        else if (url.StartsWith('/'))
        {
            // An absolute-path reference: this server, any mailbox.
            path = url;
        }
        else
        {
            // A relative-path reference: RFC 3986 §3.3 forbids ':' in its first segment, so one there is another scheme.
            var colon = url.IndexOf(':', StringComparison.Ordinal);
            var firstSlash = url.IndexOf('/', StringComparison.Ordinal);
            if (colon >= 0 && (firstSlash < 0 || colon < firstSlash))
            {
                return false;
            }
            if (selectedMailbox is null)
            {
                path = "/" + url;
            }
            else
            {
                // RFC 3986 §5.2.3 merge: the base path ends in '/', so the reference follows it.
                path = string.Create(CultureInfo.InvariantCulture, $"/{Encode(selectedMailbox)};UIDVALIDITY={selectedUidvalidity}/{url}");
            }
        }
        if (!TryMessagePart(path, out var mailbox, out var uidvalidity, out var uid, out var section, out var offset, out var length))
        {
            return false;
        }
        parsed = new ImapUrl(user, host, mailbox, uidvalidity, uid, section, offset, length);
        return true;
    }

    /// <summary>
    /// <c>iserver = [iuserinfo "@"] host [":" port]</c>, <c>iuserinfo = enc-user [iauth] / [enc-user] iauth</c>,
    /// <c>iauth = ";AUTH=" ( "*" / enc-auth-type )</c> (RFC 5092 §11). The mechanism is not checked: the session is signed in.
    /// </summary>
    private static bool TryServer(string authority, out string? user, out string? host)
    {
        user = null;
        host = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var info = authority[..at];
            var auth = info.IndexOf(";AUTH=", StringComparison.OrdinalIgnoreCase);
            var encUser = auth < 0 ? info : info[..auth];
            if (auth >= 0 && info.Length == auth + 6)
            {
                return false;
            }
            if (encUser.Length > 0)
            {
                if (!TryDecode(encUser, out var decoded) || decoded.Length == 0)
                {
                    return false;
                }
                user = decoded;
            }
        }
        var server = authority[(at + 1)..];
        // host [":" port]; an IPv6 literal keeps its colons inside the brackets.
        var portColon = server.LastIndexOf(':');
        if (portColon >= 0 && portColon > server.LastIndexOf(']'))
        {
            var port = server[(portColon + 1)..];
            if (port.Length > 0 && !port.All(char.IsAsciiDigit))
            {
                return false;
            }
            server = server[..portColon];
        }
        if (server.StartsWith('[') && server.EndsWith(']') && server.Length > 2)
        {
            host = server;
            return true;
        }
        if (server.Length == 0 || !TryDecode(server, out var decodedHost))
        {
            return false;
        }
        host = decodedHost;
        return true;
    }

    /// <summary>
    /// <c>"/" imessagepart</c>, <c>imessagepart = imailbox-ref iuid-only ["/" isection-only] ["/" ipartial-only]</c>,
    /// <c>imailbox-ref = enc-mailbox [";UIDVALIDITY=" nz-number]</c>, <c>iuid-only = ";UID=" nz-number</c>,
    /// <c>isection-only = ";SECTION=" enc-section</c>, <c>ipartial-only = ";PARTIAL=" number ["." nz-number]</c>
    /// (RFC 5092 §11; the keywords are case-insensitive, as RFC 4469's own examples write them in lower case).
    /// </summary>
    private static bool TryMessagePart(string path, out string mailbox, out long? uidvalidity, out long uid, out string? section, out long? offset, out long? length)
    {
        mailbox = "";
        uidvalidity = null;
        uid = 0;
        section = null;
        offset = null;
        length = null;
        // enc-mailbox = 1*bchar, and bchar holds no ';': the mailbox ends at the first one.
        var semicolon = path.IndexOf(';', StringComparison.Ordinal);
        if (!path.StartsWith('/') || semicolon < 0)
        {
            return false;
        }
        var encMailbox = path[1..semicolon];
        var rest = path[semicolon..];
        if (rest.StartsWith(";UID=", StringComparison.OrdinalIgnoreCase))
        {
            // No UIDVALIDITY: the mailbox is followed by "/;UID=".
            if (!encMailbox.EndsWith('/'))
            {
                return false;
            }
            encMailbox = encMailbox[..^1];
        }
        if (encMailbox.Length == 0 || !TryDecode(encMailbox, out mailbox))
        {
            return false;
        }
        if (TryParameter(ref rest, ";UIDVALIDITY=", out var validity))
        {
            if (!TryNzNumber(validity, out var value))
            {
                return false;
            }
            uidvalidity = value;
            if (!rest.StartsWith('/'))
            {
                return false;
            }
            rest = rest[1..];
        }
        if (!TryParameter(ref rest, ";UID=", out var uidText) || !TryNzNumber(uidText, out uid))
        {
            return false;
        }
        if (rest.StartsWith("/;SECTION=", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[1..];
            TryParameter(ref rest, ";SECTION=", out var encSection);
            if (encSection.Length == 0 || !TryDecode(encSection, out var decoded))
            {
                return false;
            }
            section = decoded;
        }
        if (rest.StartsWith("/;PARTIAL=", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[1..];
            TryParameter(ref rest, ";PARTIAL=", out var range);
            var dot = range.IndexOf('.', StringComparison.Ordinal);
            if (!TryNumber(dot < 0 ? range : range[..dot], out var start))
            {
                return false;
            }
            offset = start;
            if (dot >= 0)
            {
                if (!TryNzNumber(range[(dot + 1)..], out var count))
                {
                    return false;
                }
                length = count;
            }
        }
        // Anything left (URLAUTH's ;EXPIRE= and ;URLAUTH=, a query, a fragment) is not a part this server hands out.
        return rest.Length == 0;
    }

    /// <summary>Takes <c>name value</c> off the front of <paramref name="rest"/>; the value runs to the next '/' or ';'.</summary>
    private static bool TryParameter(ref string rest, string name, out string value)
    {
        value = "";
        if (!rest.StartsWith(name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var end = rest.IndexOfAny(['/', ';'], name.Length);
        value = end < 0 ? rest[name.Length..] : rest[name.Length..end];
        rest = end < 0 ? "" : rest[end..];
        return true;
    }

    private static bool TryNumber(string text, out long value)
    {
        value = 0;
        return text.Length is > 0 and <= 10 && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue;
    }

    private static bool TryNzNumber(string text, out long value) => TryNumber(text, out value) && value > 0 && text[0] != '0';

    /// <summary>Undoes RFC 3986 percent-encoding of UTF-8 octets (RFC 5092 §3.2: mailbox names in URLs are UTF-8).</summary>
    private static bool TryDecode(string text, out string decoded)
    {
        decoded = "";
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    return false;
                }
                bytes.Add(b);
                i += 2;
            }
            else if (c is <= ' ' or > '~' or '"' or '<' or '>' or '\\' or '^' or '`' or '{' or '|' or '}' or '?' or '#' or '[' or ']')
            {
                // Not a URL character (RFC 3986 §2): it should have been percent-encoded.
                return false;
            }
            else
            {
                bytes.Add((byte)c);
            }
        }
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        return !decoded.Any(char.IsControl);
    }

    /// <summary>Percent-encodes a mailbox name's UTF-8 for <c>enc-mailbox</c>, keeping '/' (the hierarchy separator) as it is.</summary>
    internal static string Encode(string mailbox)
    {
        var text = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(mailbox))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '\'' or '(' or ')' or '*' or '+' or ',' or '&' or '=' or ':' or '@' or '/')
            {
                text.Append(c);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }
        return text.ToString();
    }
}
