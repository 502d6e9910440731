using Appliance.Mime;

namespace Appliance.Smtp.Parsing;

/// <summary>An address from MAIL FROM or RCPT TO; empty for the null reverse-path <c>&lt;&gt;</c>.</summary>
public readonly record struct SmtpPath(string Address, IReadOnlyDictionary<string, string?> Parameters)
{
    public bool IsNull => Address.Length == 0;
    public bool IsAscii => Address.All(char.IsAscii);
}

/// <summary>Parses the arguments of MAIL and RCPT (RFC 5321 §4.1.1.2, §4.1.1.3, §4.1.2); the path itself is <see cref="Rfc5321Address"/>'s.</summary>
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
        var close = Rfc5321Address.FindPathEnd(rest);
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
        if (!Rfc5321Address.TryParsePath(inner, out var address))
        {
            return false;
        }
        path = new SmtpPath(address, parameters);
        return true;
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
