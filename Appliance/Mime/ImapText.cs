using System.Text;

namespace Appliance.Mime;

/// <summary>RFC 3501 §4 strings for rendering ENVELOPE and BODYSTRUCTURE: NIL, quoted, or literal.</summary>
internal static class ImapText
{
    /// <summary>
    /// <c>nstring = string / nil</c>: quoted when the text is printable ASCII, otherwise a literal
    /// (<c>literal = "{" number "}" CRLF *CHAR8</c>, counted in UTF-8 octets).
    /// </summary>
    public static StringBuilder AppendNString(this StringBuilder sb, string? value)
    {
        if (value is null)
        {
            return sb.Append("NIL");
        }
        if (value.All(c => c is >= ' ' and < (char)127))
        {
            sb.Append('"');
            foreach (var c in value)
            {
                if (c is '"' or '\\')
                {
                    sb.Append('\\');
                }
                sb.Append(c);
            }
            return sb.Append('"');
        }
        return sb.Append('{').Append(Encoding.UTF8.GetByteCount(value)).Append("}\r\n").Append(value);
    }
}
