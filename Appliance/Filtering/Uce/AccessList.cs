using System.Net;
using System.Net.Sockets;

namespace Appliance.Filtering.Uce;

public enum AccessEntryKind
{
    Network,
    Domain,
    Address,
}

/// <summary>One allow- or deny-list entry: an address or CIDR network, a domain (and its subdomains), or a mail address.</summary>
public sealed record AccessEntry(string Text, AccessEntryKind Kind, IPNetwork Network, string Name)
{
    public static bool TryParse(string? text, out AccessEntry entry)
    {
        entry = null!;
        var value = (text ?? "").Trim();
        if (value.Length == 0) return false;
        if (value.Contains('/', StringComparison.Ordinal) || IPAddress.TryParse(value, out _))
        {
            // "192.0.2.1/24" is refused, not widened: host bits after the prefix are a typo for one address or for the network.
            if (IPNetwork.TryParse(value.Contains('/', StringComparison.Ordinal) ? value : value + (value.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"), out var network)
                && IPAddress.TryParse(value.Split('/')[0], out var written) && written.Equals(network.BaseAddress))
            {
                entry = new AccessEntry(value, AccessEntryKind.Network, network, "");
                return true;
            }
            return false;
        }
        var at = value.LastIndexOf('@');
        if (at > 0)
        {
            if (!HeloCheck.IsDomain(value[(at + 1)..])) return false;
            entry = new AccessEntry(value, AccessEntryKind.Address, default, value.ToLowerInvariant());
            return true;
        }
        // "@example.com" and ".example.com" are written by people used to other servers: the same as "example.com".
        var domain = value.TrimStart('@', '.');
        if (!HeloCheck.IsDomain(domain)) return false;
        entry = new AccessEntry(value, AccessEntryKind.Domain, default, domain.TrimEnd('.').ToLowerInvariant());
        return true;
    }

    public bool Matches(IPAddress address)
    {
        if (Kind != AccessEntryKind.Network) return false;
        var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return a.AddressFamily == Network.BaseAddress.AddressFamily && Network.Contains(a);
    }

    /// <summary>A mail address against an Address entry (exactly) or a Domain entry (its domain or a subdomain).</summary>
    public bool MatchesSender(string address)
    {
        if (Kind == AccessEntryKind.Address) return string.Equals(address, Name, StringComparison.OrdinalIgnoreCase);
        var at = address.LastIndexOf('@');
        return at >= 0 && MatchesDomain(address[(at + 1)..]);
    }

    public bool MatchesDomain(string domain)
    {
        if (Kind != AccessEntryKind.Domain || domain.Length == 0) return false;
        var d = domain.TrimEnd('.').ToLowerInvariant();
        return d == Name || d.EndsWith("." + Name, StringComparison.Ordinal);
    }
}

/// <summary>A parsed list; entries that do not parse are left out (the console and the options validator refuse them first).</summary>
public sealed class AccessList
{
    private readonly AccessEntry[] _entries;

    public AccessList(IEnumerable<string> entries)
    {
        _entries = [.. entries.Select(e => AccessEntry.TryParse(e, out var entry) ? entry : null).OfType<AccessEntry>()];
    }

    public static readonly AccessList Empty = new([]);

    public bool IsEmpty => _entries.Length == 0;

    public AccessEntry? MatchClient(IPAddress? address, string? confirmedName) =>
        _entries.FirstOrDefault(e => (address is not null && e.Matches(address)) || (confirmedName is not null && e.MatchesDomain(confirmedName)));

    public AccessEntry? MatchSender(string sender) =>
        sender.Length == 0 ? null : _entries.FirstOrDefault(e => e.MatchesSender(sender));
}
