using System.Text;

namespace Appliance.ManageSieve;

/// <summary>
/// An RFC 5804 §4 response: <c>("OK" / "NO" / "BYE") [SP "(" resp-code ")"] [SP string] CRLF</c>. Strings are sent
/// quoted when they can be (at most 1024 octets, no CR, LF or NUL), else as a literal.
/// </summary>
public sealed record ManageSieveResponse(string Status, string? Code, string? Text)
{
    public static ManageSieveResponse Ok(string? text = null, string? code = null) => new("OK", code, text);

    public static ManageSieveResponse No(string text, string? code = null) => new("NO", code, text);

    public static ManageSieveResponse Bye(string text, string? code = null) => new("BYE", code, text);

    public byte[] ToBytes()
    {
        var line = new StringBuilder(Status);
        if (Code is not null)
        {
            line.Append(" (").Append(Code).Append(')');
        }
        if (Text is not null)
        {
            line.Append(' ').Append(String(Text));
        }
        return Encoding.UTF8.GetBytes(line.Append("\r\n").ToString());
    }

    /// <summary><c>string = quoted / literal-s2c</c>: quoted with "\" before DQUOTE and "\", or <c>{n}</c> CRLF and the octets.</summary>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length <= 1024 && value.AsSpan().IndexOfAny('\r', '\n', '\0') < 0 && Encoding.UTF8.GetByteCount(value) <= 1024)
        {
            return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        }
        return $"{{{Encoding.UTF8.GetByteCount(value)}}}\r\n{value}";
    }
}

/// <summary>A refusal with its wire response; the session's one catch site writes it.</summary>
public sealed class ManageSieveResponseException(ManageSieveResponse response) : Exception(response.Text)
{
    public ManageSieveResponse Response { get; } = response;
}
