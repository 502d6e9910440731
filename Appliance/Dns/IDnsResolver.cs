using System.Net;

namespace Appliance.Dns;

/// <summary>What a lookup found: an answer, a name that does not exist, no records of that type, or no answer in time.</summary>
public enum DnsStatus
{
    Ok,
    /// <summary>RCODE 3: the name does not exist. Permanent.</summary>
    NameError,
    /// <summary>The name exists but has no record of the asked type. Permanent for that type.</summary>
    NoData,
    /// <summary>SERVFAIL, REFUSED, a malformed reply, or every server failed. Temporary.</summary>
    ServerFailure,
    /// <summary>No server answered in time. Temporary.</summary>
    Timeout,
}

public sealed record DnsAnswer<T>(DnsStatus Status, IReadOnlyList<T> Records)
{
    public bool IsTemporaryFailure => Status is DnsStatus.ServerFailure or DnsStatus.Timeout;
}

/// <summary>An MX record: RFC 5321 §5.1, lower preference first.</summary>
public sealed record MxRecord(int Preference, string Host)
{
    /// <summary>RFC 7505 null MX ("0 ."): the domain accepts no mail; the host is the root, "".</summary>
    public bool IsNullMx => Host.Length == 0;
}

/// <summary>
/// The appliance's own stub resolver (the registry has no DNS client package): it asks the servers of
/// /etc/resolv.conf (or <c>Appliance:Dns:Servers</c>) over UDP, retries over TCP when a reply is
/// truncated, and follows CNAME chains in the answer.
/// </summary>
public interface IDnsResolver
{
    /// <summary>MX records ordered by preference (ties in random order, RFC 5321 §5.1).</summary>
    Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken = default);

    /// <summary>A and AAAA records of a host, IPv4 first.</summary>
    Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken = default);

    /// <summary>TXT records, each as the concatenation of its character-strings.</summary>
    Task<DnsAnswer<string>> ResolveTxtAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>PTR names of an address (reverse lookup).</summary>
    Task<DnsAnswer<string>> ResolvePtrAsync(IPAddress address, CancellationToken cancellationToken = default);

    /// <summary>Records of one type, CNAMEs followed: for callers that must tell an A answer from an AAAA one (SPF's a, mx and exists).</summary>
    Task<DnsAnswer<DnsRecordData>> ResolveAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default);
}
