using System.Collections.Concurrent;
using Appliance.Dns;
using MimeKit.Cryptography;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto;

namespace Appliance.Filtering.Dkim;

/// <summary>
/// MimeKit's key lookup on the appliance's own resolver: the TXT record at <c>selector._domainkey.domain</c>
/// (RFC 6376 §3.6.2.1), parsed by <see cref="DkimPublicKeyRecord"/>. Every failure is a <see cref="DkimKeyException"/>
/// that says whether it may pass (DNS timeout, SERVFAIL: temperror) or not (no record, bad record: permerror).
/// </summary>
public sealed class DnsDkimPublicKeyLocator(IDnsResolver resolver, IOptions<DkimOptions> options) : IDkimPublicKeyLocator
{
    private readonly DkimOptions _options = options.Value;

    /// <summary>The most parsed key records kept; past it the cache starts over.</summary>
    internal const int MaxCachedRecords = 1024;

    /// <summary>
    /// Records parsed before, by their exact text and the key size limits they were checked against. BouncyCastle checks
    /// that an RSA modulus is composite (Miller-Rabin) whenever a key is built: about 25 ms of CPU for a 2048-bit key, over half
    /// of what a message cost at the door (bench/smtp.sh --filtered). The DNS lookup is still made for every signature,
    /// so a changed or revoked record takes effect at once; only the parse of an unchanged text is skipped.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Txt, int MinBits, int MaxBits), DkimPublicKeyRecord> Parsed = new();

    /// <summary>The record found by the last lookup of this instance; one instance serves one signature at a time.</summary>
    internal DkimPublicKeyRecord? LastRecord { get; private set; }

    /// <summary>The k= the signature's a= needs ("rsa", "ed25519"); a record of another type is a permerror (RFC 6376 §6.1.2 step 8), not a bad signature.</summary>
    public string? ExpectedKeyType { get; init; }

    /// <summary>Async only: a synchronous lookup would block a thread on the network (STYLE.md 10).</summary>
    public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("DKIM keys are looked up asynchronously only; call VerifyAsync.");

    public async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        LastRecord = null;
        var record = await LookupAsync(methods, domain, selector, cancellationToken);
        if (ExpectedKeyType is { } expected && record.KeyType != expected)
        {
            throw new DkimKeyException($"k={record.KeyType} key for a {expected} signature");
        }
        LastRecord = record;
        return record.Key;
    }

    public async Task<DkimPublicKeyRecord> LookupAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(selector);
        // §3.5 q=: "dns/txt" is the only method defined; a signature asking for another cannot be checked.
        if (!(methods ?? "dns/txt").Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            throw new DkimKeyException("no supported query method");
        }
        var name = $"{selector}._domainkey.{domain}";
        if (!DnsName.TryNormalize(name, out var normalized))
        {
            throw new DkimKeyException("selector or domain is not a DNS name");
        }
        var answer = await resolver.ResolveTxtAsync(normalized, cancellationToken);
        switch (answer.Status)
        {
            case DnsStatus.Timeout:
                throw new DkimKeyException("key lookup timed out", temporary: true);
            case DnsStatus.ServerFailure:
                throw new DkimKeyException("key lookup failed (SERVFAIL)", temporary: true);
            case DnsStatus.NameError or DnsStatus.NoData:
                throw new DkimKeyException("no key for signature");
        }
        // §3.6.2.2: several records are ambiguous; the first that parses is used, as dkimpy and OpenDKIM do.
        DkimKeyException? first = null;
        foreach (var txt in answer.Records)
        {
            try
            {
                return Parse(txt);
            }
            catch (DkimKeyException e)
            {
                first ??= e;
            }
        }
        throw first ?? new DkimKeyException("no key for signature");
    }

    private DkimPublicKeyRecord Parse(string txt)
    {
        var key = (txt, _options.MinRsaKeyBits, _options.MaxRsaKeyBits);
        if (Parsed.TryGetValue(key, out var known))
        {
            return known;
        }
        var record = DkimPublicKeyRecord.Parse(txt, _options);
        if (Parsed.Count >= MaxCachedRecords)
        {
            Parsed.Clear();
        }
        Parsed[key] = record;
        return record;
    }
}
