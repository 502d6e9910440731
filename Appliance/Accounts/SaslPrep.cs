using System.Globalization;
using System.Text;

namespace Appliance.Accounts;

/// <summary>
/// SASLprep (RFC 4013), the stringprep profile SCRAM applies to passwords (RFC 5802 §2.2): what a client
/// hashes must be what the server hashed. Mapping (B.1 to nothing, non-ASCII spaces to SPACE), NFKC, and
/// the prohibited characters of §2.3 (controls, private use, non-characters, surrogates, tagging and
/// display-changing characters). The bidirectional rule (§2.5) is not checked: it only refuses strings,
/// and a refused password falls back to its raw form, so skipping it never locks anyone out.
/// </summary>
public static class SaslPrep
{
    /// <summary>The prepared string, or null when it holds a prohibited character.</summary>
    public static string? Prepare(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var mapped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (IsMappedToNothing(c)) continue;
            mapped.Append(IsNonAsciiSpace(c) ? ' ' : c);
        }
        var normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            if (char.IsHighSurrogate(c) && i + 1 < normalized.Length && char.IsLowSurrogate(normalized[i + 1]))
            {
                var code = char.ConvertToUtf32(c, normalized[++i]);
                // C.3 private use planes 15-16, C.4 non-characters, C.9 tagging characters.
                if (code >= 0xF0000 || (code & 0xFFFE) == 0xFFFE || code is >= 0xE0001 and <= 0xE007F) return null;
                continue;
            }
            if (IsProhibited(c)) return null;
        }
        return normalized;
    }

    /// <summary>The form a password is hashed in: prepared when SASLprep allows it, as typed otherwise.</summary>
    public static string PasswordForm(string password) => Prepare(password) ?? password;

    // RFC 3454 B.1.
    private static bool IsMappedToNothing(char c) =>
        c is '\u00AD' or '\u034F' or '\u1806' or '\u180B' or '\u180C' or '\u180D' or '\u200B' or '\u200C' or '\u200D'
            or '\u2060' or '\uFEFF' || c is >= '\uFE00' and <= '\uFE0F';

    // RFC 3454 C.1.2.
    private static bool IsNonAsciiSpace(char c) =>
        c is '\u00A0' or '\u1680' or '\u202F' or '\u205F' or '\u3000' || c is >= '\u2000' and <= '\u200B';

    // RFC 3454 C.2 controls, C.3 private use, C.4 non-characters, C.5 lone surrogates, C.6-C.8.
    private static bool IsProhibited(char c) =>
        char.IsControl(c) || char.IsSurrogate(c)
        || char.GetUnicodeCategory(c) == UnicodeCategory.PrivateUse
        || c is >= '\uFDD0' and <= '\uFDEF' or '\uFFFE' or '\uFFFF'
        || c is >= '\uFFF9' and <= '\uFFFD'
        || c is >= '\u2FF0' and <= '\u2FFB'
        || c is '\u0340' or '\u0341' or '\u200E' or '\u200F' or '\u06DD' or '\u070F' or '\u180E' or '\u2028' or '\u2029'
        || c is >= '\u202A' and <= '\u202E'
        || c is >= '\u2060' and <= '\u2063'
        || c is >= '\u206A' and <= '\u206F';
}
