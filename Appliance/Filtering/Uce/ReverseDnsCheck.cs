using System.Net;
using Appliance.Dns;

namespace Appliance.Filtering.Uce;

public enum ReverseDnsStatus
{
    /// <summary>A PTR name resolves back to the client (FCrDNS).</summary>
    Confirmed,
    /// <summary>No PTR record at all.</summary>
    None,
    /// <summary>PTR names exist, but none resolves to the client: anyone can write any PTR for their own addresses.</summary>
    NotConfirmed,
    /// <summary>The lookups did not answer; says nothing about the client.</summary>
    TemporaryFailure,
}

public sealed record ReverseDnsResult(ReverseDnsStatus Status, string? Name);

/// <summary>Forward-confirmed reverse DNS: the PTR names of the client, then their A/AAAA records, which must include it.</summary>
public sealed class ReverseDnsCheck(IDnsResolver resolver)
{
    /// <summary>PTR names followed at most: a hostile reverse zone can list hundreds. Postfix checks the first few too.</summary>
    public const int MaxNames = 5;

    public async Task<ReverseDnsResult> CheckAsync(IPAddress client, CancellationToken cancellationToken)
    {
        var ptr = await resolver.ResolvePtrAsync(client, cancellationToken).ConfigureAwait(false);
        if (ptr.IsTemporaryFailure) return new(ReverseDnsStatus.TemporaryFailure, null);
        if (ptr.Records.Count == 0) return new(ReverseDnsStatus.None, null);
        var temporary = false;
        foreach (var name in ptr.Records.Take(MaxNames))
        {
            var forward = await resolver.ResolveAddressesAsync(name, cancellationToken).ConfigureAwait(false);
            if (forward.Records.Any(a => HeloCheck.Same(a, client))) return new(ReverseDnsStatus.Confirmed, DnsName.TrimFinalDot(name));
            temporary |= forward.IsTemporaryFailure;
        }
        return new(temporary ? ReverseDnsStatus.TemporaryFailure : ReverseDnsStatus.NotConfirmed, DnsName.TrimFinalDot(ptr.Records[0]));
    }
}
