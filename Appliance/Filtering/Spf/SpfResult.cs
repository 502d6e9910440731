using System.Text;

namespace Appliance.Filtering.Spf;

/// <summary>The results of RFC 7208 §2.6, named as Authentication-Results writes them (RFC 8601 §2.7.2).</summary>
public enum SpfVerdict
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>Which identity was checked (RFC 7208 §2.3, §2.4): the HELO name or the MAIL FROM address.</summary>
public enum SpfIdentity
{
    MailFrom,
    Helo,
}

/// <summary>
/// What check_host() decided and why: the <see cref="Mechanism"/> that matched (null when none did), a short
/// <see cref="Reason"/> for logs and header comments, and for a fail the domain's own <see cref="Explanation"/>
/// from exp= (null when it has none or it could not be used, §6.2).
/// </summary>
public sealed record SpfResult(SpfVerdict Verdict, string Domain, string? Mechanism, string Reason, string? Explanation = null)
{
    /// <summary>The identity as the header names it: "smtp.mailfrom" (the address) or "smtp.helo" (the name).</summary>
    public SpfIdentity Identity { get; init; } = SpfIdentity.MailFrom;

    /// <summary>The checked identity's value, e.g. the MAIL FROM address.</summary>
    public string IdentityValue { get; init; } = "";

    /// <summary>The result keyword: none, neutral, pass, fail, softfail, temperror, permerror (RFC 8601 §2.7.2).</summary>
    public string Keyword => Verdict.ToString().ToLowerInvariant();

    /// <summary>
    /// The method's part of an Authentication-Results header (RFC 8601 §2.2):
    /// <c>spf=pass (example.com: 192.0.2.1 matched ip4:192.0.2.0/24) smtp.mailfrom=user@example.com</c>.
    /// </summary>
    public string ToAuthenticationResults()
    {
        var property = Identity == SpfIdentity.Helo ? "smtp.helo" : "smtp.mailfrom";
        return $"spf={Keyword} ({Comment($"{Domain}: {Reason}")}) {property}={PropertyValue(IdentityValue)}";
    }

    /// <summary>RFC 5322 ctext: no parentheses or backslashes, no controls, one line.</summary>
    private static string Comment(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is '(' or ')' or '\\' || char.IsControl(c) ? ' ' : c);
        }
        return builder.ToString().Trim();
    }

    /// <summary>RFC 8601 pvalue: a value with characters outside a token or an address is quoted.</summary>
    private static string PropertyValue(string value)
    {
        if (value.Length > 0 && value.All(c => c > ' ' && c < 0x7F && c is not ('(' or ')' or '<' or '>' or ',' or ';' or ':' or '\\' or '"' or '[' or ']' or '=')))
        {
            return value;
        }
        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
