using Appliance.Dns;
using Appliance.Filtering.Dmarc;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Dkim;

/// <summary>
/// A TXT record the domain page asks to publish. <paramref name="Strings"/> are its character-strings, each at most
/// 255 bytes (RFC 1035 §3.3.14: a 2048-bit RSA key does not fit one); <paramref name="Purpose"/> is a resource key.
/// </summary>
public sealed record PublishedRecord(string Name, string Type, IReadOnlyList<string> Strings, string Purpose)
{
    /// <summary>The value as a zone file writes it: each string quoted, separated by spaces.</summary>
    public string Value => string.Join(' ', Strings.Select(s => $"\"{s}\""));
}

/// <summary>What a published record came to in the check: right, absent, not what we ask for, right with a caveat, or not known (DNS failed).</summary>
public enum RecordStatus
{
    Ok,
    Missing,
    Wrong,
    Warning,
    Unknown,
}

/// <summary>
/// One record looked up by <see cref="DomainRecordCheck"/>: which (<c>MX</c>, <c>SPF</c>, <c>DKIM</c>, <c>DMARC</c>),
/// where, the outcome, why (a resource key under <c>DomainCheck.Reason.</c>), what DNS holds and what we expect.
/// </summary>
public sealed record RecordCheckResult(string Record, string Name, RecordStatus Status, string Reason, string Found, string Expected);

/// <summary>The sender-authentication records a hosted domain should publish: DKIM for each key the store lists, SPF, DMARC.</summary>
public sealed class DomainRecords(DkimKeyStore keys, IOptions<DkimOptions> options)
{
    /// <summary>The SPF policy the domain page shows (DomainService lists it too): our MX hosts may send, nobody else.</summary>
    public const string Spf = "v=spf1 mx -all";

    /// <summary>RFC 1035 §3.3.14: one character-string holds at most 255 bytes.</summary>
    public const int MaxStringLength = 255;

    /// <summary>The DMARC record (RFC 7489 §6.3) with the configured policy and the reporting address at the domain.</summary>
    public string Dmarc(string domain) =>
        $"v=DMARC1; p={options.Value.DmarcPolicy}; rua=mailto:{ReportAddress(domain)}";

    public string ReportAddress(string domain) => $"{options.Value.DmarcReportLocalPart}@{domain}";

    /// <summary>DKIM (every key still listed: retired keys stay published for the grace period), then DMARC.</summary>
    public IReadOnlyList<PublishedRecord> For(string domain)
    {
        var records = keys.Keys(domain)
            .Select(k => new PublishedRecord(k.RecordName + ".", "TXT", Split(k.TxtRecord), k.IsActive ? "Dns.Purpose.Dkim" : "Dns.Purpose.DkimRetired"))
            .ToList();
        records.Add(new PublishedRecord($"_dmarc.{domain}.", "TXT", Split(Dmarc(domain)), "Dns.Purpose.Dmarc"));
        return records;
    }

    /// <summary>The text in character-strings of at most 255 bytes; the receiver joins them without separators (RFC 6376 §3.6.2.2).</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<string>();
        for (var i = 0; i < text.Length; i += MaxStringLength)
        {
            parts.Add(text.Substring(i, Math.Min(MaxStringLength, text.Length - i)));
        }
        return parts.Count == 0 ? [""] : parts;
    }
}

/// <summary>
/// Looks up a domain's MX, SPF, DKIM (each active selector) and DMARC records through the server's own resolver and
/// says of each whether it is there and right, missing, or wrong (with what was found and what is expected).
/// </summary>
public sealed class DomainRecordCheck(IDnsResolver resolver, DkimKeyStore keys, DomainRecords records)
{
    /// <param name="host">The host name the MX should point to and SPF should allow (the server's).</param>
    public async Task<IReadOnlyList<RecordCheckResult>> CheckAsync(string domain, string host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(host);
        domain = domain.TrimEnd('.').ToLowerInvariant();
        host = host.TrimEnd('.').ToLowerInvariant();
        var results = new List<RecordCheckResult>();
        var mx = await CheckMxAsync(domain, host, cancellationToken).ConfigureAwait(false);
        results.Add(mx);
        results.Add(await CheckSpfAsync(domain, host, mx.Status == RecordStatus.Ok, cancellationToken).ConfigureAwait(false));
        var active = keys.ActiveKeys(domain);
        if (active.Count == 0)
        {
            results.Add(new("DKIM", $"*._domainkey.{domain}", RecordStatus.Missing, "DkimNoKey", "", ""));
        }
        foreach (var key in active)
        {
            results.Add(await CheckDkimAsync(key, cancellationToken).ConfigureAwait(false));
        }
        results.Add(await CheckDmarcAsync(domain, cancellationToken).ConfigureAwait(false));
        return results;
    }

    private async Task<RecordCheckResult> CheckMxAsync(string domain, string host, CancellationToken cancellationToken)
    {
        var expected = $"10 {host}.";
        var answer = await resolver.ResolveMxAsync(domain, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return new("MX", domain, RecordStatus.Unknown, "Temporary", "", expected);
        }
        var found = string.Join(", ", answer.Records.Select(r => $"{r.Preference} {r.Host}."));
        if (answer.Records.Count == 0)
        {
            return new("MX", domain, RecordStatus.Missing, "Missing", "", expected);
        }
        return answer.Records.Any(r => SameHost(r.Host, host))
            ? new("MX", domain, RecordStatus.Ok, "Ok", found, expected)
            : new("MX", domain, RecordStatus.Wrong, "MxElsewhere", found, expected);
    }

    /// <summary>
    /// RFC 7208 §4.5: more than one v=spf1 record is a permerror. The policy allows us when it names our host by
    /// <c>mx</c> (and the MX is ours), <c>a:host</c>, or one of the host's addresses; <c>include</c> and <c>redirect</c>
    /// point elsewhere and cannot be judged here, which is a warning; <c>+all</c> allows the whole internet.
    /// </summary>
    private async Task<RecordCheckResult> CheckSpfAsync(string domain, string host, bool mxIsOurs, CancellationToken cancellationToken)
    {
        var answer = await resolver.ResolveTxtAsync(domain, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return new("SPF", domain, RecordStatus.Unknown, "Temporary", "", DomainRecords.Spf);
        }
        var spf = answer.Records.Where(IsSpf).ToArray();
        if (spf.Length == 0)
        {
            return new("SPF", domain, RecordStatus.Missing, "Missing", "", DomainRecords.Spf);
        }
        if (spf.Length > 1)
        {
            return new("SPF", domain, RecordStatus.Wrong, "SpfSeveral", string.Join(" | ", spf), DomainRecords.Spf);
        }
        var terms = spf[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(t => t.ToLowerInvariant()).ToArray();
        string Mechanism(string term) => term.Length > 0 && term[0] is '+' ? term[1..] : term;
        if (terms.Any(t => t is "all" or "+all"))
        {
            return new("SPF", domain, RecordStatus.Wrong, "SpfPassAll", spf[0], DomainRecords.Spf);
        }
        var mechanisms = terms.Where(t => t.Length > 0 && t[0] is not ('-' or '~' or '?')).Select(Mechanism).ToArray();
        var allowed = (mxIsOurs && mechanisms.Any(m => m == "mx" || m.StartsWith("mx/", StringComparison.Ordinal)))
            || mechanisms.Any(m => m == $"a:{host}" || m == $"mx:{host}" || ((m == "a" || m.StartsWith("a/", StringComparison.Ordinal)) && SameHost(domain, host)));
        if (!allowed && mechanisms.Any(m => m.StartsWith("ip4:", StringComparison.Ordinal) || m.StartsWith("ip6:", StringComparison.Ordinal)))
        {
            var addresses = await resolver.ResolveAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            allowed = addresses.Records.Any(a => mechanisms.Contains((a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "ip4:" : "ip6:") + a));
        }
        if (allowed)
        {
            return new("SPF", domain, RecordStatus.Ok, "Ok", spf[0], DomainRecords.Spf);
        }
        return mechanisms.Any(m => m.StartsWith("include:", StringComparison.Ordinal) || m.StartsWith("redirect=", StringComparison.Ordinal))
            ? new("SPF", domain, RecordStatus.Warning, "SpfIndirect", spf[0], DomainRecords.Spf)
            : new("SPF", domain, RecordStatus.Wrong, "SpfLacksHost", spf[0], DomainRecords.Spf);
    }

    private async Task<RecordCheckResult> CheckDkimAsync(DkimKey key, CancellationToken cancellationToken)
    {
        var answer = await resolver.ResolveTxtAsync(key.RecordName, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return new("DKIM", key.RecordName, RecordStatus.Unknown, "Temporary", "", key.TxtRecord);
        }
        if (answer.Records.Count == 0)
        {
            return new("DKIM", key.RecordName, RecordStatus.Missing, "Missing", "", key.TxtRecord);
        }
        var expectedType = key.Algorithm == DkimKeyAlgorithm.Rsa ? "rsa" : "ed25519";
        foreach (var txt in answer.Records)
        {
            // RFC 6376 §3.6.1: k= defaults to rsa; p= may carry folding whitespace.
            if (DkimTagList.TryParse(txt, out var tags) && tags.TryGetValue("p", out var p)
                && string.Concat(p.Where(c => !char.IsWhiteSpace(c))) == key.PublicKey
                && (tags.TryGetValue("k", out var k) ? k.Trim() : "rsa").Equals(expectedType, StringComparison.OrdinalIgnoreCase))
            {
                return new("DKIM", key.RecordName, RecordStatus.Ok, "Ok", txt, key.TxtRecord);
            }
        }
        return new("DKIM", key.RecordName, RecordStatus.Wrong, "DkimMismatch", string.Join(" | ", answer.Records), key.TxtRecord);
    }

    private async Task<RecordCheckResult> CheckDmarcAsync(string domain, CancellationToken cancellationToken)
    {
        var name = $"_dmarc.{domain}";
        var expected = records.Dmarc(domain);
        var answer = await resolver.ResolveTxtAsync(name, cancellationToken).ConfigureAwait(false);
        if (answer.IsTemporaryFailure)
        {
            return new("DMARC", name, RecordStatus.Unknown, "Temporary", "", expected);
        }
        var dmarc = answer.Records.Where(DmarcRecord.IsDmarcRecord).ToArray();
        if (dmarc.Length == 0)
        {
            return new("DMARC", name, RecordStatus.Missing, "Missing", "", expected);
        }
        // RFC 7489 §6.6.3 step 5: more than one record means no policy at all.
        if (dmarc.Length > 1)
        {
            return new("DMARC", name, RecordStatus.Wrong, "DmarcSeveral", string.Join(" | ", dmarc), expected);
        }
        if (!DmarcRecord.TryParse(dmarc[0], out var record, out _) || record.PolicyFallback)
        {
            return new("DMARC", name, RecordStatus.Wrong, "DmarcInvalid", dmarc[0], expected);
        }
        if (record.Policy == DmarcPolicy.None)
        {
            return new("DMARC", name, RecordStatus.Warning, "DmarcNone", dmarc[0], expected);
        }
        return record.AggregateReportUris.Count == 0
            ? new("DMARC", name, RecordStatus.Warning, "DmarcNoReports", dmarc[0], expected)
            : new("DMARC", name, RecordStatus.Ok, "Ok", dmarc[0], expected);
    }

    /// <summary>§4.5: "v=spf1" followed by a space or the end, case-insensitively.</summary>
    private static bool IsSpf(string txt) =>
        txt.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (txt.Length == 6 || txt[6] == ' ');

    private static bool SameHost(string a, string b) =>
        string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
