using System.Text;

namespace Appliance.Mime;

/// <summary>
/// Lexical rules shared by structured header fields (RFC 5322 §3.2, RFC 2045 §5.1), over the unfolded
/// field value with a position, so callers never split strings.
/// </summary>
internal static class StructuredText
{
    /// <summary>RFC 2045 §5.1: <c>tspecials := "(" / ")" / "&lt;" / "&gt;" / "@" / "," / ";" / ":" / "\" / &lt;"&gt; / "/" / "[" / "]" / "?" / "="</c>.</summary>
    public static bool IsTSpecial(char c) => c is '(' or ')' or '<' or '>' or '@' or ',' or ';' or ':' or '\\' or '"' or '/' or '[' or ']' or '?' or '=';

    /// <summary>RFC 5322 §3.2.3: <c>atext</c>, plus any non-ASCII character (RFC 6532 §3.2).</summary>
    public static bool IsAText(char c) => c > 127 || char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c);

    /// <summary>RFC 5322 §3.2.2: <c>CFWS = (1*([FWS] comment) [FWS]) / FWS</c>; comments nest and may hold quoted-pairs.</summary>
    public static void SkipCfws(string s, ref int pos)
    {
        while (pos < s.Length)
        {
            var c = s[pos];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                pos++;
            }
            else if (c == '(')
            {
                SkipComment(s, ref pos);
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>RFC 5322 §3.2.2: <c>comment = "(" *([FWS] ccontent) [FWS] ")"</c>; an unclosed comment runs to the end.</summary>
    public static void SkipComment(string s, ref int pos)
    {
        var depth = 0;
        while (pos < s.Length)
        {
            var c = s[pos++];
            if (c == '\\')
            {
                pos++;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth == 0)
            {
                return;
            }
        }
        pos = Math.Min(pos, s.Length);
    }

    /// <summary>RFC 2045 §5.1: <c>token := 1*&lt;any (US-ASCII) CHAR except SPACE, CTLs, or tspecials&gt;</c> (non-ASCII accepted).</summary>
    public static string ReadToken(string s, ref int pos)
    {
        var start = pos;
        while (pos < s.Length && s[pos] > ' ' && s[pos] != 127 && !IsTSpecial(s[pos]))
        {
            pos++;
        }
        return s[start..pos];
    }

    /// <summary>
    /// RFC 5322 §3.2.4: <c>quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]</c>, starting at the
    /// opening quote; returns the content with quoted-pairs resolved. An unclosed string runs to the end.
    /// </summary>
    public static string ReadQuotedString(string s, ref int pos)
    {
        var sb = new StringBuilder();
        pos++;
        while (pos < s.Length)
        {
            var c = s[pos++];
            if (c == '"')
            {
                return sb.ToString();
            }
            if (c == '\\' && pos < s.Length)
            {
                c = s[pos++];
            }
            if (c is not ('\r' or '\n'))
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>Quotes <paramref name="value"/> as a quoted-string when it is not a token.</summary>
    public static string QuoteIfNeeded(string value)
    {
        var token = value.Length > 0;
        foreach (var c in value)
        {
            if (c <= ' ' || c >= 127 || IsTSpecial(c))
            {
                token = false;
                break;
            }
        }
        return token ? value : Quote(value);
    }

    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
