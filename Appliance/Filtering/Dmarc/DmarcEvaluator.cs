using System.Globalization;
using Appliance.Dns;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Spf;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Dmarc;

/// <summary>
/// RFC 7489's receiver side: finds the author domain's policy (§6.6.3), checks whether SPF or DKIM passed for an
/// identifier aligned with the From domain (§3.1), and says what to do (§6.6.4, pct sampling included). It reads the
/// SPF and DKIM results the session already has; its own DNS work is one or two TXT lookups. DNS failures are
/// temperror, never a pass or a reject. Nothing but cancellation escapes as an exception.
/// </summary>
public sealed class DmarcEvaluator(IDnsResolver dns, PublicSuffixList suffixes, IOptions<DmarcOptions> options)
{
    private readonly DmarcOptions _options = options.Value;

    /// <summary>
    /// A number from 0 to 99 for pct= sampling: a failing message is in the sample when it is below pct. Random by
    /// default; a test fixes it.
    /// </summary>
    public Func<int> PercentRoll { get; init; } = () => Random.Shared.Next(100);

    public PublicSuffixList Suffixes => suffixes;

    /// <summary>Evaluates a message with the session's SPF result (MAIL FROM, or HELO for a null reverse-path) and its DKIM results.</summary>
    public Task<DmarcResult> EvaluateAsync(ReadOnlyMemory<byte> message, SpfResult? spf, DkimVerificationResult? dkim, CancellationToken cancellationToken = default) =>
        EvaluateAsync(DmarcAuthor.FromMessage(message, cancellationToken), spf, dkim, cancellationToken);

    public async Task<DmarcResult> EvaluateAsync(DmarcAuthor author, SpfResult? spf, DkimVerificationResult? dkim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(author);
        if (author.Status != DmarcAuthorStatus.Found || author.Domain is null)
        {
            // §6.6.1: without exactly one author domain there is nothing to look up; the local choice decides.
            var disposition = author.Status == DmarcAuthorStatus.Missing ? _options.MissingFromDisposition : _options.InvalidFromDisposition;
            return new DmarcResult(DmarcStatus.Fail, null, author.Reason)
            {
                AuthorStatus = author.Status,
                AppliedPolicy = disposition switch
                {
                    DmarcDisposition.Reject => DmarcPolicy.Reject,
                    DmarcDisposition.Quarantine => DmarcPolicy.Quarantine,
                    _ => DmarcPolicy.None,
                },
                Disposition = disposition,
            };
        }
        var fromDomain = author.Domain;
        var organizational = suffixes.OrganizationalDomain(fromDomain) ?? fromDomain;

        var discovery = await DiscoverAsync(fromDomain, cancellationToken);
        if (discovery.TryOrganizational && !string.Equals(organizational, fromDomain, StringComparison.Ordinal))
        {
            // §6.6.3 step 3: no record at the author domain; the organisational domain's record speaks for it.
            discovery = await DiscoverAsync(organizational, cancellationToken);
        }
        if (discovery.Record is not { } record)
        {
            return new DmarcResult(discovery.Status, fromDomain, discovery.Reason) { PolicyDomain = discovery.Domain };
        }

        var isSubdomainFallback = !string.Equals(discovery.Domain, fromDomain, StringComparison.Ordinal);
        var requested = isSubdomainFallback ? record.SubdomainPolicy ?? record.Policy : record.Policy;

        var spfDomain = SpfDomain(spf);
        var spfAligned = spf?.Verdict == SpfVerdict.Pass && spfDomain is not null && Aligned(spfDomain, fromDomain, record.SpfAlignment);
        var dkimAligned = dkim?.PassingDomains.FirstOrDefault(d => Aligned(d, fromDomain, record.DkimAlignment));
        var result = new DmarcResult(DmarcStatus.Pass, fromDomain, "")
        {
            PolicyDomain = discovery.Domain,
            Record = record,
            RequestedPolicy = requested,
            AlignedSpfDomain = spfAligned ? spfDomain : null,
            AlignedDkimDomain = dkimAligned,
        };
        if (spfAligned || dkimAligned is not null)
        {
            return result with { Reason = spfAligned ? $"SPF passed for the aligned domain {spfDomain}" : $"DKIM passed for the aligned domain {dkimAligned}" };
        }

        // Not a pass. If an aligned identifier could not be checked for a reason a retry may cure, it is not a fail
        // either: a DNS hiccup at the key or SPF lookup must not make a reject of a domain's genuine mail.
        var spfTemporary = spf?.Verdict == SpfVerdict.TempError && spfDomain is not null && Aligned(spfDomain, fromDomain, record.SpfAlignment);
        var dkimTemporary = dkim?.Signatures.FirstOrDefault(s => s.Result == DkimResult.TempError && s.Domain is not null && Aligned(s.Domain.ToLowerInvariant(), fromDomain, record.DkimAlignment));
        if (spfTemporary || dkimTemporary is not null)
        {
            return result with
            {
                Status = DmarcStatus.TempError,
                Reason = spfTemporary ? $"SPF of the aligned domain {spfDomain} could not be checked (temperror)" : $"the DKIM key of the aligned domain {dkimTemporary!.Domain} could not be fetched (temperror)",
            };
        }

        var sampled = requested == DmarcPolicy.None || PercentRoll() < record.Percent;
        // §6.6.4: a message outside the pct sample gets the next less strict policy.
        var applied = sampled ? requested : requested - 1;
        var reason = spf is null && dkim is null
            ? "neither SPF nor DKIM was checked"
            : $"no aligned SPF or DKIM pass for {fromDomain} (SPF {spf?.Keyword ?? "not checked"} for {spfDomain ?? "no domain"}, DKIM passed for {Describe(dkim)})";
        return result with
        {
            Status = DmarcStatus.Fail,
            Reason = reason,
            Sampled = sampled,
            AppliedPolicy = applied,
            Disposition = applied switch
            {
                DmarcPolicy.Reject => _options.HonourReject ? DmarcDisposition.Reject : DmarcDisposition.Quarantine,
                DmarcPolicy.Quarantine => _options.HonourQuarantine ? DmarcDisposition.Quarantine : DmarcDisposition.Accept,
                _ => DmarcDisposition.Accept,
            },
        };
    }

    /// <summary>Identifier alignment (§3.1.1, §3.1.2): strict needs the same name, relaxed the same organisational domain.</summary>
    public bool Aligned(string authenticated, string fromDomain, DmarcAlignment mode)
    {
        if (!DmarcAuthor.TryNormalize(authenticated, out var a) || !DmarcAuthor.TryNormalize(fromDomain, out var b))
        {
            return false;
        }
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }
        return mode == DmarcAlignment.Relaxed
            && string.Equals(suffixes.OrganizationalDomain(a), suffixes.OrganizationalDomain(b), StringComparison.Ordinal);
    }

    /// <summary>
    /// The SPF-authenticated identifier (§3.1.2): the MAIL FROM domain, or the HELO name when the reverse-path was
    /// null (RFC 7208 §2.4, which <see cref="SpfEvaluator.CheckMailFromAsync"/> follows). Not <see cref="SpfResult.Domain"/>,
    /// which after a redirect= names the record's domain instead.
    /// </summary>
    private static string? SpfDomain(SpfResult? spf)
    {
        if (spf is null)
        {
            return null;
        }
        var value = spf.IdentityValue;
        if (spf.Identity == SpfIdentity.MailFrom)
        {
            var at = value.LastIndexOf('@');
            value = at >= 0 ? value[(at + 1)..] : value;
        }
        return DmarcAuthor.TryNormalize(value, out var domain) ? domain : null;
    }

    private static string Describe(DkimVerificationResult? dkim)
    {
        var domains = dkim?.PassingDomains.ToList() ?? [];
        return domains.Count == 0 ? "no domain" : string.Join(", ", domains);
    }

    /// <summary>One step of discovery: a record, or a status and a reason; <see cref="TryOrganizational"/> when the set was empty.</summary>
    private sealed record Discovery(DmarcStatus Status, string Domain, string Reason, DmarcRecord? Record, bool TryOrganizational);

    /// <summary>§6.6.3 steps 1–2 and 4–6 for one domain: the TXT records at _dmarc.&lt;domain&gt; that start with v=DMARC1.</summary>
    private async Task<Discovery> DiscoverAsync(string domain, CancellationToken cancellationToken)
    {
        var name = "_dmarc." + domain;
        var answer = await dns.ResolveAsync(name, DnsRecordType.TXT, cancellationToken);
        if (answer.IsTemporaryFailure)
        {
            return new(DmarcStatus.TempError, domain, $"DNS lookup of {name} failed ({answer.Status})", null, false);
        }
        var records = answer.Status == DnsStatus.Ok
            ? answer.Records.OfType<TxtData>().Select(t => t.Joined).Where(DmarcRecord.IsDmarcRecord).ToList()
            : [];
        if (records.Count == 0)
        {
            return new(DmarcStatus.None, domain, $"{domain} publishes no DMARC record", null, true);
        }
        if (records.Count > 1)
        {
            // Step 4: "If the remaining set contains multiple records ... DMARC processing is not applied."
            return new(DmarcStatus.None, domain, string.Create(CultureInfo.InvariantCulture, $"{domain} publishes {records.Count} DMARC records"), null, false);
        }
        if (!DmarcRecord.TryParse(records[0], out var record, out var error))
        {
            return new(DmarcStatus.PermError, domain, $"the DMARC record of {domain} is malformed: {error}", null, false);
        }
        return new(DmarcStatus.Pass, domain, "", record, false);
    }
}
