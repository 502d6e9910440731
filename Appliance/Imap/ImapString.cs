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
        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
