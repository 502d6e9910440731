using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Filtering.Spf;

/// <summary>RFC 7208 §4.6.2: the result a directive gives when its mechanism matches.</summary>
public enum SpfQualifier
{
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

public enum SpfMechanismKind
{
    All,
    Include,
    A,
    Mx,
    Ptr,
    Ip4,
    Ip6,
    Exists,
}

/// <summary>
/// One <c>directive = [ qualifier ] mechanism</c>. <see cref="DomainSpec"/> is null where the mechanism takes none
/// or it was left out (a, mx, ptr: the current domain). <see cref="Network"/> is the address of ip4/ip6.
/// <see cref="Cidr4"/>/<see cref="Cidr6"/> are the prefix lengths (32/128 when absent).
/// </summary>
public sealed record SpfDirective(SpfQualifier Qualifier, SpfMechanismKind Kind, SpfMacroString? DomainSpec, IPAddress? Network, int Cidr4, int Cidr6, string Text)
{
    /// <summary>§4.6.4: the terms that cost a DNS lookup and count toward the limit of 10.</summary>
    public bool CountsAsLookup => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;

    public override string ToString() => Text;
}

/// <summary>A parsed SPF record (RFC 7208 §4.6, §12): its directives in order and the redirect= and exp= modifiers.</summary>
public sealed record SpfRecord(IReadOnlyList<SpfDirective> Directives, SpfMacroString? Redirect, SpfMacroString? Explanation)
{
    /// <summary>§4.5: a record begins with exactly "v=spf1" followed by a space or the end (ABNF strings are case-insensitive).</summary>
    public static bool IsSpfRecord(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');
    }

    /// <summary>
    /// <code>
    /// record = version terms *SP
    /// terms = *( 1*SP ( directive / modifier ) )
    /// modifier = redirect / explanation / unknown-modifier
    /// unknown-modifier = name "=" macro-string
    /// name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    /// </code>
    /// False, with the reason, for anything that breaks the grammar: the caller's result is then permerror (§4.6).
    /// </summary>
    public static bool TryParse(string text, out SpfRecord record, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        record = null!;
        error = "";
        if (!IsSpfRecord(text))
        {
            error = "the record does not begin with v=spf1";
            return false;
        }
        var directives = new List<SpfDirective>();
        SpfMacroString? redirect = null;
        SpfMacroString? explanation = null;
        // Only SP separates terms (§12: 1*SP); a tab or any other character is part of a term and breaks it.
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var nameLength = ModifierNameLength(term);
            if (nameLength > 0)
            {
                var name = term[..nameLength];
                if (!SpfMacroString.TryParse(term[(nameLength + 1)..], explanation: false, out var value, out error))
                {
                    return false;
                }
                if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase) || name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                {
                    // §6: each of these "MUST NOT appear in a record more than once".
                    if ((name.Length == 3 ? explanation : redirect) is not null)
                    {
                        error = $"{name.ToLowerInvariant()}= appears more than once";
                        return false;
                    }
                    if (!value.IsDomainSpec())
                    {
                        error = $"'{term}' does not end in a domain name (RFC 7208 §7.1 domain-end)";
                        return false;
                    }
                    if (name.Length == 3)
                    {
                        explanation = value;
                    }
                    else
                    {
                        redirect = value;
                    }
                }
                // §6: unrecognized modifiers are ignored, once they have parsed as a macro-string.
                continue;
            }
            if (!TryParseDirective(term, out var directive, out error))
            {
                return false;
            }
            directives.Add(directive);
        }
        record = new SpfRecord(directives, redirect, explanation);
        return true;
    }

    /// <summary>The length of <c>name</c> when the term is <c>name "=" ...</c>, else 0.</summary>
    private static int ModifierNameLength(string term)
    {
        if (term.Length == 0 || !char.IsAsciiLetter(term[0]))
        {
            return 0;
        }
        var i = 1;
        while (i < term.Length && (char.IsAsciiLetterOrDigit(term[i]) || term[i] is '-' or '_' or '.'))
        {
            i++;
        }
        return i < term.Length && term[i] == '=' ? i : 0;
    }

    /// <summary>
    /// <code>
    /// directive = [ qualifier ] mechanism
    /// qualifier = "+" / "-" / "?" / "~"
    /// mechanism = ( all / include / a / mx / ptr / ip4 / ip6 / exists )
    /// </code>
    /// </summary>
    private static bool TryParseDirective(string term, out SpfDirective directive, out string error)
    {
        directive = null!;
        error = "";
        var qualifier = term[0] switch
        {
            '+' => SpfQualifier.Pass,
            '-' => SpfQualifier.Fail,
            '~' => SpfQualifier.SoftFail,
            '?' => SpfQualifier.Neutral,
            _ => (SpfQualifier?)null,
        };
        var body = qualifier is null ? term : term[1..];
        var end = 0;
        while (end < body.Length && char.IsAsciiLetterOrDigit(body[end]))
        {
            end++;
        }
        var name = body[..end].ToLowerInvariant();
        var rest = body[end..];
        var kind = name switch
        {
            "all" => SpfMechanismKind.All,
            "include" => SpfMechanismKind.Include,
            "a" => SpfMechanismKind.A,
            "mx" => SpfMechanismKind.Mx,
            "ptr" => SpfMechanismKind.Ptr,
            "ip4" => SpfMechanismKind.Ip4,
            "ip6" => SpfMechanismKind.Ip6,
            "exists" => SpfMechanismKind.Exists,
            _ => (SpfMechanismKind?)null,
        };
        if (kind is null)
        {
            error = $"unknown mechanism '{term}'";
            return false;
        }
        var q = qualifier ?? SpfQualifier.Pass;
        switch (kind.Value)
        {
            case SpfMechanismKind.All:
                if (rest.Length > 0)
                {
                    error = $"'{term}': all takes no argument";
                    return false;
                }
                directive = new(q, SpfMechanismKind.All, null, null, 32, 128, term);
                return true;

            case SpfMechanismKind.Include or SpfMechanismKind.Exists:
                // include = "include" ":" domain-spec; exists = "exists" ":" domain-spec
                if (!rest.StartsWith(':') || !TryDomainSpec(rest[1..], out var target, out error))
                {
                    error = error.Length > 0 ? error : $"'{term}' needs ':' and a domain";
                    return false;
                }
                directive = new(q, kind.Value, target, null, 32, 128, term);
                return true;

            case SpfMechanismKind.A or SpfMechanismKind.Mx:
                {
                    // a = "a" [ ":" domain-spec ] [ dual-cidr-length ]
                    if (!TrySplitDualCidr(ref rest, out var cidr4, out var cidr6))
                    {
                        error = $"'{term}' has an invalid CIDR length";
                        return false;
                    }
                    SpfMacroString? spec = null;
                    if (rest.Length > 0 && (!rest.StartsWith(':') || !TryDomainSpec(rest[1..], out spec, out error)))
                    {
                        error = error.Length > 0 ? error : $"'{term}' is not a valid {name} mechanism";
                        return false;
                    }
                    directive = new(q, kind.Value, spec, null, cidr4, cidr6, term);
                    return true;
                }

            case SpfMechanismKind.Ptr:
                {
                    // ptr = "ptr" [ ":" domain-spec ]
                    SpfMacroString? spec = null;
                    if (rest.Length > 0 && (!rest.StartsWith(':') || !TryDomainSpec(rest[1..], out spec, out error)))
                    {
                        error = error.Length > 0 ? error : $"'{term}' is not a valid ptr mechanism";
                        return false;
                    }
                    directive = new(q, SpfMechanismKind.Ptr, spec, null, 32, 128, term);
                    return true;
                }

            case SpfMechanismKind.Ip4:
                {
                    // ip4 = "ip4" ":" ip4-network [ ip4-cidr-length ]
                    if (!rest.StartsWith(':'))
                    {
                        error = $"'{term}' needs ':' and an address";
                        return false;
                    }
                    var network = rest[1..];
                    var cidr = 32;
                    var slash = network.IndexOf('/', StringComparison.Ordinal);
                    if (slash >= 0 && !TryCidr(network[(slash + 1)..], 32, out cidr))
                    {
                        error = $"'{term}' has an invalid CIDR length";
                        return false;
                    }
                    var address = slash >= 0 ? network[..slash] : network;
                    if (!IsIp4Network(address))
                    {
                        error = $"'{term}' has an invalid IPv4 address";
                        return false;
                    }
                    directive = new(q, SpfMechanismKind.Ip4, null, IPAddress.Parse(address), cidr, 128, term);
                    return true;
                }

            default:
                {
                    // ip6 = "ip6" ":" ip6-network [ ip6-cidr-length ]
                    if (!rest.StartsWith(':'))
                    {
                        error = $"'{term}' needs ':' and an address";
                        return false;
                    }
                    var network = rest[1..];
                    var cidr = 128;
                    var slash = network.IndexOf('/', StringComparison.Ordinal);
                    if (slash >= 0 && !TryCidr(network[(slash + 1)..], 128, out cidr))
                    {
                        error = $"'{term}' has an invalid CIDR length";
                        return false;
                    }
                    var address = slash >= 0 ? network[..slash] : network;
                    // ip6-network = <as per [RFC 4291], section 2.2>: hex groups and colons, an embedded IPv4 tail; no zone, no brackets.
                    if (!address.Contains(':', StringComparison.Ordinal) || address.AsSpan().ContainsAnyExcept("0123456789abcdefABCDEF:.")
                        || !IPAddress.TryParse(address, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
                    {
                        error = $"'{term}' has an invalid IPv6 address";
                        return false;
                    }
                    directive = new(q, SpfMechanismKind.Ip6, null, parsed, 32, cidr, term);
                    return true;
                }
        }
    }

    private static bool TryDomainSpec(string text, out SpfMacroString? spec, out string error)
    {
        spec = null;
        if (!SpfMacroString.TryParse(text, explanation: false, out var parsed, out error))
        {
            return false;
        }
        if (!parsed.IsDomainSpec())
        {
            error = $"'{text}' does not end in a domain name (RFC 7208 §7.1 domain-end)";
            return false;
        }
        spec = parsed;
        return true;
    }

    /// <summary>
    /// <c>dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]</c>, taken off the end of the term.
    /// A domain-spec may itself contain '/', so only a trailing "/digits" or "//digits" is a length.
    /// </summary>
    private static bool TrySplitDualCidr(ref string rest, out int cidr4, out int cidr6)
    {
        cidr4 = 32;
        cidr6 = 128;
        var start = TrailingDigits(rest);
        if (start < rest.Length && start >= 2 && rest[start - 1] == '/' && rest[start - 2] == '/')
        {
            if (!TryCidr(rest[start..], 128, out cidr6))
            {
                return false;
            }
            rest = rest[..(start - 2)];
            start = TrailingDigits(rest);
        }
        if (start < rest.Length && start >= 1 && rest[start - 1] == '/')
        {
            if (!TryCidr(rest[start..], 32, out cidr4))
            {
                return false;
            }
            rest = rest[..(start - 1)];
        }
        return true;
    }

    /// <summary>Where the run of digits at the end of the text starts (the length when there is none).</summary>
    private static int TrailingDigits(string text)
    {
        var i = text.Length;
        while (i > 0 && char.IsAsciiDigit(text[i - 1]))
        {
            i--;
        }
        return i;
    }

    /// <summary><c>ip4-cidr-length = "/" ( "0" / %x31-39 0*1DIGIT )</c>, value 0-32; ip6 likewise up to 128. No leading zeros.</summary>
    private static bool TryCidr(string digits, int max, out int value)
    {
        value = 0;
        if (digits.Length is 0 or > 3 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0'))
        {
            return false;
        }
        value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= max;
    }

    /// <summary><c>ip4-network = qnum "." qnum "." qnum "." qnum</c>, qnum 0-255 without leading zeros.</summary>
    private static bool IsIp4Network(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0')
            && int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture) <= 255);
    }
}
