using System.Collections.Concurrent;

namespace Appliance.Dns;

/// <summary>
/// Answers kept for their time to live (RFC 1035 §3.2.1, RFC 2181 §8), keyed by the question's name and type. Positive
/// answers live as long as the smallest TTL among their answer records (a CNAME chain expires with its shortest link);
/// NXDOMAIN and NODATA as long as the SOA in the authority section says (RFC 2308 §5: the smaller of the SOA record's
/// TTL and its MINIMUM field), and not at all without an SOA. Only replies the resolver believed (NOERROR, NXDOMAIN)
/// are ever offered: SERVFAIL, REFUSED, malformed replies and timeouts never reach here, so a temporary failure stays
/// one. Bounded: when full, expired entries go first, then the oldest tenth of the rest.
/// </summary>
internal sealed class DnsCache(int maxEntries, TimeSpan minTtl, TimeSpan maxTtl, TimeSpan maxNegativeTtl, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Name, DnsRecordType Type), Entry> _entries = new(KeyComparer.Instance);
    private readonly Lock _trimGate = new();

    private sealed record Entry(DnsMessage Reply, long Stored, long Expires);

    public int Count => _entries.Count;

    public bool TryGet(string name, DnsRecordType type, out DnsMessage reply)
    {
        if (maxEntries > 0 && _entries.TryGetValue((name, type), out var entry))
        {
            if (time.GetTimestamp() < entry.Expires)
            {
                reply = entry.Reply;
                return true;
            }
            _entries.TryRemove(new KeyValuePair<(string, DnsRecordType), Entry>((name, type), entry));
        }
        reply = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="reply"/> (NOERROR or NXDOMAIN) for its TTL, clamped to the options; a TTL of zero is not kept.</summary>
    public void Store(string name, DnsRecordType type, DnsMessage reply)
    {
        if (maxEntries <= 0 || TimeToLive(reply) is not { } ttl || ttl <= TimeSpan.Zero)
        {
            return;
        }
        if (_entries.Count >= maxEntries)
        {
            Trim();
        }
        var now = time.GetTimestamp();
        _entries[(name, type)] = new Entry(reply, now, now + (long)(ttl.TotalSeconds * time.TimestampFrequency));
    }

    /// <summary>How long <paramref name="reply"/> may be kept, clamped; null when it must not be (a negative answer without SOA).</summary>
    internal TimeSpan? TimeToLive(DnsMessage reply)
    {
        var positive = reply.ResponseCode == DnsResponseCode.NoError && reply.Answers.Count > 0;
        if (positive)
        {
            var seconds = reply.Answers.Min(r => r.TimeToLive);
            return Clamp(TimeSpan.FromSeconds(seconds), maxTtl);
        }
        // RFC 2308 §5: "Negative responses without SOA records SHOULD NOT be cached."
        if (reply.Authorities.FirstOrDefault(r => r.Data is SoaData) is not { Data: SoaData soa } record)
        {
            return null;
        }
        return Clamp(TimeSpan.FromSeconds(Math.Min(record.TimeToLive, soa.Minimum)), maxNegativeTtl);
    }

    private TimeSpan Clamp(TimeSpan ttl, TimeSpan max) => ttl < minTtl ? minTtl : ttl > max ? max : ttl;

    private void Trim()
    {
        lock (_trimGate)
        {
            if (_entries.Count < maxEntries)
            {
                return;
            }
            var now = time.GetTimestamp();
            foreach (var (key, entry) in _entries)
            {
                if (entry.Expires <= now)
                {
                    _entries.TryRemove(key, out _);
                }
            }
            var excess = _entries.Count - maxEntries + Math.Max(1, maxEntries / 10);
            if (excess > 0)
            {
                foreach (var (key, _) in _entries.OrderBy(e => e.Value.Stored).Take(excess).ToArray())
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>Names compare case-insensitively (RFC 4343), ASCII only as DNS does.</summary>
    private sealed class KeyComparer : IEqualityComparer<(string Name, DnsRecordType Type)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((string Name, DnsRecordType Type) x, (string Name, DnsRecordType Type) y) =>
            x.Type == y.Type && string.Equals(x.Name, y.Name, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string Name, DnsRecordType Type) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Name), obj.Type);
    }
}
