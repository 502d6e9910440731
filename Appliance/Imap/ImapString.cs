using System.Text;

namespace Appliance.Imap;

/// <summary>Strings in responses: quoted when safe, a literal otherwise (RFC 3501 §4.3).</summary>
public static class ImapString
{
    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "NIL";
        }
        if (value.Any(c => c is '\r' or '\n' or '\0' or > '~'))
        {
            return "{" + Encoding.UTF8.GetByteCount(value).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}\r\n" + value;
        }
        return Quoted(value);
    }

    /// <summary>
    /// A string for a client that enabled UTF-8 (RFC 6855 §3, RFC 9051's <c>QUOTED-CHAR =/ UTF8-2 / UTF8-3 / UTF8-4</c>):
    /// quoted even with non-ASCII characters, a literal only for what no quoted string may hold.
    /// </summary>
    public static string QuoteUtf8(string? value)
    {
        if (value is null)
        {
            return "NIL";
        }
        if (value.Any(c => c is '\r' or '\n' or '\0'))
        {
            return Quote(value);
        }
        return Quoted(value);
    }

    private static string Quoted(string value)
    {
        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
