using System.Text;

namespace Appliance.Filtering.Dkim;

/// <summary>Result values for the <c>dkim</c> method (RFC 8601 §2.7.1).</summary>
public enum DkimResult
{
    /// <summary>The message was not signed.</summary>
    None,
    /// <summary>The signature was acceptable and verified.</summary>
    Pass,
    /// <summary>The signature was acceptable but failed the verification test (body or header hash, expired).</summary>
    Fail,
    /// <summary>The signature contained syntax errors or could not otherwise be processed.</summary>
    Neutral,
    /// <summary>A temporary error, such as a DNS timeout, kept the signature from being verified; a retry may succeed.</summary>
    TempError,
    /// <summary>A permanent error (no key, a revoked, malformed or unacceptable key) kept the signature from being verified.</summary>
    PermError,
}

/// <summary>What one DKIM-Signature field came to, with the tags an Authentication-Results header reports (RFC 8601 §2.7.1, RFC 6008).</summary>
public sealed record DkimSignatureResult(DkimResult Result, string? Domain, string? Selector, string? Algorithm, string? Signature, string? Reason)
{
    /// <summary>The RFC 8601 keyword: pass, fail, neutral, temperror, permerror, none.</summary>
    public string Keyword => Result.ToString().ToLowerInvariant();

    /// <summary>
    /// The resinfo for Authentication-Results: <c>dkim=pass (reason) header.d=… header.s=… header.a=… header.b=…</c>,
    /// with header.b the first 8 characters of b= so that several signatures of one domain can be told apart (RFC 6008).
    /// </summary>
    public string ToAuthenticationResults()
    {
        var text = new StringBuilder("dkim=").Append(Keyword);
        if (Reason is not null)
        {
            text.Append(" (").Append(Comment(Reason)).Append(')');
        }
        Property(text, "header.d", Domain);
        Property(text, "header.s", Selector);
        Property(text, "header.a", Algorithm);
        Property(text, "header.b", Signature is { Length: > 8 } b ? b[..8] : Signature);
        return text.ToString();
    }

    private static void Property(StringBuilder text, string name, string? value)
    {
        // A value taken from a hostile header goes out only if it is a plain token (RFC 8601 §2.2 pvalue); anything else is left out.
        if (!string.IsNullOrEmpty(value) && value.Length <= 255 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+' or '/' or '='))
        {
            text.Append(' ').Append(name).Append('=').Append(value);
        }
    }

    /// <summary>A reason as an RFC 5322 comment: printable ASCII, no parentheses or backslashes, bounded.</summary>
    private static string Comment(string reason)
    {
        var clean = new string(reason.Select(c => c is >= ' ' and <= '~' and not '(' and not ')' and not '\\' ? c : ' ').ToArray());
        return clean.Length > 120 ? clean[..120] : clean;
    }
}

/// <summary>All of one message's DKIM results, newest signature first.</summary>
/// <param name="NotVerified">Signatures beyond <see cref="DkimOptions.MaxSignatures"/>, counted but not checked.</param>
public sealed record DkimVerificationResult(IReadOnlyList<DkimSignatureResult> Signatures, int NotVerified)
{
    /// <summary>The d= domains with a passing signature, for DMARC's alignment check.</summary>
    public IEnumerable<string> PassingDomains =>
        Signatures.Where(s => s.Result == DkimResult.Pass && s.Domain is not null).Select(s => s.Domain!.ToLowerInvariant()).Distinct();

    /// <summary>Whether some signature could not be checked for a reason that may pass (the caller may answer 451, issue 12).</summary>
    public bool HasTemporaryError => Signatures.Any(s => s.Result == DkimResult.TempError);

    /// <summary>One resinfo per signature, or <c>dkim=none</c> for an unsigned message.</summary>
    public IReadOnlyList<string> ToAuthenticationResults() =>
        Signatures.Count == 0 ? ["dkim=none"] : Signatures.Select(s => s.ToAuthenticationResults()).ToArray();
}
