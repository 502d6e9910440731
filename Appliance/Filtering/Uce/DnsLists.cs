using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Appliance.Dns;

namespace Appliance.Filtering.Uce;

/// <summary>A zone's answer codes that count: single IPv4 addresses or ranges, inclusive.</summary>
public static class DnsListCodes
{
    public static bool TryParse(string text, out (uint From, uint To) range)
    {
        range = default;
        var parts = (text ?? "").Split('-', 2, StringSplitOptions.TrimEntries);
        if (!TryV4(parts[0], out var from)) return false;
        var to = from;
        if (parts.Length == 2 && !TryV4(parts[1], out to)) return false;
        if (to < from) return false;
        range = (from, to);
        return true;
    }

    private static bool TryV4(string text, out uint value)
    {
        value = 0;
        if (text.Count(c => c == '.') != 3 || !IPAddress.TryParse(text, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        return true;
    }

    /// <summary>Whether <paramref name="answer"/> counts for a zone with <paramref name="codes"/>.</summary>
    public static bool Counts(IPAddress answer, IReadOnlyList<string> codes)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) return false;
        var value = BinaryPrimitives.ReadUInt32BigEndian(answer.GetAddressBytes());
        if (codes.Count == 0)
        {
            // RFC 5782 §2.1: answers are in 127.0.0.0/8; 127.255.255.0/24 is the lists' "you may not ask" (Spamhaus's 127.255.255.254).
            return value >> 24 == 127 && value >> 8 != 0x7FFFFF;
        }
        foreach (var code in codes)
        {
            if (TryParse(code, out var range) && value >= range.From && value <= range.To) return true;
        }
        return false;
    }
}

/// <summary>One zone's answer for one client.</summary>
public enum DnsListStatus
{
    NotListed,
    Listed,
    /// <summary>No answer in time, or SERVFAIL: the list said nothing, which never counts for or against.</summary>
    Failed,
}

public sealed record DnsListResult(DnsListZone Zone, DnsListStatus Status, IReadOnlyList<IPAddress> Answers)
{
    /// <summary>The symbol: <c>DNSBL_ZEN_SPAMHAUS_ORG</c>, <c>DNSWL_LIST_DNSWL_ORG</c>.</summary>
    public string Symbol(string prefix) => prefix + string.Concat(Zone.Zone.TrimEnd('.').Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));
}

/// <summary>
/// DNSBL and DNSWL lookups (RFC 5782): the client's address reversed (IPv4 octets, IPv6 nibbles) under each
/// zone, asked for A, all zones in parallel, bounded by one timeout for all of them.
/// </summary>
public sealed class DnsListChecker(IDnsResolver resolver)
{
    /// <summary>RFC 5782 §2.1 (IPv4) and §2.4 (IPv6, nibbles as in ip6.arpa): <c>2.0.0.127.zen.spamhaus.org</c>.</summary>
    public static string QueryName(IPAddress client, string zone)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(zone);
        var reverse = DnsName.ReverseLookupName(client);
        var suffix = reverse.EndsWith(".in-addr.arpa", StringComparison.Ordinal) ? ".in-addr.arpa" : ".ip6.arpa";
        return string.Concat(reverse.AsSpan(0, reverse.Length - suffix.Length), ".", DnsName.TrimFinalDot(zone));
    }

    public async Task<IReadOnlyList<DnsListResult>> CheckAsync(IPAddress client, IReadOnlyList<DnsListZone> zones, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(zones);
        if (zones.Count == 0) return [];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var lookups = zones.Select(zone => LookupAsync(client, zone, deadline.Token, cancellationToken)).ToArray();
        return await Task.WhenAll(lookups).ConfigureAwait(false);
    }

    private async Task<DnsListResult> LookupAsync(IPAddress client, DnsListZone zone, CancellationToken deadline, CancellationToken session)
    {
        DnsAnswer<DnsRecordData> answer;
        try
        {
            answer = await resolver.ResolveAsync(QueryName(client, zone.Zone), DnsRecordType.A, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!session.IsCancellationRequested)
        {
            return new DnsListResult(zone, DnsListStatus.Failed, []);
        }
        if (answer.IsTemporaryFailure) return new DnsListResult(zone, DnsListStatus.Failed, []);
        var addresses = answer.Records.OfType<AddressData>().Select(a => a.Address).ToArray();
        var counting = addresses.Where(a => DnsListCodes.Counts(a, zone.Codes)).ToArray();
        return new DnsListResult(zone, counting.Length > 0 ? DnsListStatus.Listed : DnsListStatus.NotListed, counting);
    }

    internal static string Describe(IReadOnlyList<IPAddress> answers) => string.Join(", ", answers.Select(a => a.ToString()));

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
