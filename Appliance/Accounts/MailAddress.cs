using System.Diagnostics.CodeAnalysis;

namespace Appliance.Accounts;

/// <summary>
/// An address the appliance hosts or points to: <c>local@domain</c> with a dot-atom local part and a
/// host-name domain, lower-cased. Quoted local parts and address literals (RFC 5321 §4.1.2) are valid
/// on the wire but are refused for accounts: no client setup screen handles them well.
/// </summary>
public readonly record struct MailAddress(string LocalPart, string Domain)
{
    /// <summary>RFC 5321 §4.5.3.1.1: a local part is at most 64 octets.</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254.</summary>
    public const int MaxAddressLength = 254;

    public override string ToString() => $"{LocalPart}@{Domain}";

    public static bool TryParse(string? text, [NotNullWhen(true)] out MailAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        text = text.Trim();
        if (text.Length > MaxAddressLength)
        {
            return false;
        }
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }
        var local = text[..at];
        var domain = text[(at + 1)..];
        if (local.Length > MaxLocalPartLength || !IsDotAtom(local) || !IsDomainName(domain))
        {
            return false;
        }
        address = new MailAddress(local.ToLowerInvariant(), domain.ToLowerInvariant());
        return true;
    }

    public static MailAddress Parse(string? text) =>
        TryParse(text, out var address) ? address.Value : throw new AccountException("Address.Invalid", text ?? "");

    /// <summary>
    /// RFC 5322 §3.2.3: <c>dot-atom-text = 1*atext *("." 1*atext)</c>, where atext is a letter, a digit,
    /// or one of <c>!#$%&amp;'*+-/=?^_`{|}~</c>.
    /// </summary>
    public static bool IsDotAtom(string text)
    {
        if (text.Length == 0 || text[0] == '.' || text[^1] == '.' || text.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A host name (RFC 1123 §2.1): dot-separated labels of letters, digits and inner hyphens, each at
    /// most 63 characters, at most 253 in all, at least two labels, and a last label that is not all digits.
    /// </summary>
    public static bool IsDomainName(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 253)
        {
            return false;
        }
        var labels = text.Split('.');
        if (labels.Length < 2)
        {
            return false;
        }
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }
            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }
        return !labels[^1].All(char.IsAsciiDigit);
    }
}
