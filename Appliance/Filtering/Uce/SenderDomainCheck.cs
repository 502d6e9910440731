using Appliance.Dns;

namespace Appliance.Filtering.Uce;

public enum SenderDomainStatus
{
    CanReceive,
    /// <summary>RFC 7505: the domain publishes "MX 0 ." and accepts no mail.</summary>
    NullMx,
    /// <summary>No MX, A or AAAA (or no such domain): a bounce could never be delivered.</summary>
    NoMail,
    /// <summary>DNS did not answer: neither a pass nor a fail (a 451, so the sender retries).</summary>
    TemporaryFailure,
}

/// <summary>Whether the MAIL FROM domain could receive a bounce (RFC 5321 §5.1: MX, else the implicit MX of A/AAAA).</summary>
public sealed class SenderDomainCheck(IDnsResolver resolver)
{
    public async Task<SenderDomainStatus> CheckAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var mx = await resolver.ResolveMxAsync(domain, cancellationToken).ConfigureAwait(false);
        if (mx.IsTemporaryFailure) return SenderDomainStatus.TemporaryFailure;
        if (mx.Status == DnsStatus.NameError) return SenderDomainStatus.NoMail;
        if (mx.Records.Count > 0)
        {
            // RFC 7505 §3: a null MX stands alone; one beside real hosts is a mistake and the real hosts win.
            return mx.Records.All(r => r.IsNullMx) ? SenderDomainStatus.NullMx : SenderDomainStatus.CanReceive;
        }
        var addresses = await resolver.ResolveAddressesAsync(domain, cancellationToken).ConfigureAwait(false);
        if (addresses.Records.Count > 0) return SenderDomainStatus.CanReceive;
        return addresses.IsTemporaryFailure ? SenderDomainStatus.TemporaryFailure : SenderDomainStatus.NoMail;
    }
}
