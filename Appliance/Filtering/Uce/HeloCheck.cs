using System.Net;

namespace Appliance.Filtering.Uce;

public enum HeloProblem
{
    None,
    /// <summary>Neither a domain nor an address literal (RFC 5321 §4.1.3).</summary>
    Syntax,
    /// <summary>A single label ("localhost", "PC-OFFICE"): §4.1.1.1 asks for the client's fully qualified domain name.</summary>
    NotQualified,
    /// <summary>Our own host name: no client is us; spam software copies the greeting.</summary>
    OurName,
    /// <summary>An address literal of our own address.</summary>
    OurAddress,
}

/// <summary>The EHLO/HELO argument against RFC 5321's grammar and against our own identity. Pure.</summary>
public static class HeloCheck
{
    public static HeloProblem Check(string helo, string ourHostName, IEnumerable<IPAddress> ourAddresses)
    {
        ArgumentNullException.ThrowIfNull(helo);
        ArgumentNullException.ThrowIfNull(ourAddresses);
        if (helo.StartsWith('['))
        {
            if (!TryParseAddressLiteral(helo, out var literal)) return HeloProblem.Syntax;
            return ourAddresses.Any(a => Same(a, literal)) ? HeloProblem.OurAddress : HeloProblem.None;
        }
        // RFC 1123 §2.1: a host name never looks like a dotted number; "198.51.100.7" without brackets is a bare address.
        if (!IsDomain(helo) || helo.TrimEnd('.').Split('.')[^1].All(char.IsAsciiDigit)) return HeloProblem.Syntax;
        if (!helo.TrimEnd('.').Contains('.', StringComparison.Ordinal)) return HeloProblem.NotQualified;
        if (Dns.DnsName.Equal(helo, ourHostName)) return HeloProblem.OurName;
        return HeloProblem.None;
    }

    /// <summary>
    /// <c>address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"</c>,
    /// <c>IPv6-address-literal = "IPv6:" IPv6-addr</c> (RFC 5321 §4.1.3). General literals name no address we can check: refused.
    /// </summary>
    public static bool TryParseAddressLiteral(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length < 3 || text[0] != '[' || text[^1] != ']') return false;
        var inner = text[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.TryParse(inner[5..], out address!) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }
        // Snum "." Snum "." Snum "." Snum, each 0–255 in decimal: IPAddress.TryParse alone would take "1" or "0x7f.1".
        var parts = inner.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) > 255)) return false;
        return IPAddress.TryParse(inner, out address!);
    }

    /// <summary><c>Domain = sub-domain *("." sub-domain)</c>, <c>sub-domain = Let-dig [Ldh-str]</c>; a final dot is tolerated.</summary>
    public static bool IsDomain(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length is 0 or > 253) return false;
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        return true;
    }

    internal static bool Same(IPAddress a, IPAddress b) =>
        (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(b.IsIPv4MappedToIPv6 ? b.MapToIPv4() : b);
}
