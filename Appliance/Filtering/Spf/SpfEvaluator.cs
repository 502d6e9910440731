using System.Net;
using System.Net.Sockets;
using Appliance.Dns;

namespace Appliance.Filtering.Spf;

/// <summary>The processing limits of RFC 7208 §4.6.4. They are the RFC's numbers, not settings: a receiver that allowed more would pass records other receivers fail.</summary>
public static class SpfLimits
{
    /// <summary>Terms that cause DNS queries (include, a, mx, ptr, exists, redirect) over the whole evaluation; the 11th is a permerror.</summary>
    public const int DnsLookups = 10;

    /// <summary>Lookups that find nothing (NODATA or NXDOMAIN); the 3rd is a permerror. Stops a record that makes a victim's DNS answer for it.</summary>
    public const int VoidLookups = 2;

    /// <summary>MX names one mx mechanism may look up; more is a permerror.</summary>
    public const int MxNames = 10;

    /// <summary>PTR names one ptr mechanism (or %{p}) looks at; the rest are ignored.</summary>
    public const int PtrNames = 10;
}

/// <summary>
/// RFC 7208's check_host() on the appliance's resolver. Every path is bounded by <see cref="SpfLimits"/>: include and
/// redirect count as lookups, so a loop ends at the 11th with a permerror. DNS failures (timeout, SERVFAIL) are
/// temperror, never a pass. Nothing but cancellation escapes as an exception.
/// </summary>
public sealed class SpfEvaluator(IDnsResolver dns)
{
    /// <summary>The receiving host's name for the %{r} macro of explanations (§7.2); "unknown" as the RFC suggests when not set.</summary>
    public string Receiver { get; init; } = "unknown";

    /// <summary>The clock for %{t}; a test may fix it.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    private sealed class State(IPAddress ip, string sender, string localPart, string senderDomain, string helo)
    {
        public IPAddress Ip { get; } = ip;
        public string Sender { get; } = sender;
        public string LocalPart { get; } = localPart;
        public string SenderDomain { get; } = senderDomain;
        public string Helo { get; } = helo;
        public int Lookups { get; set; }
        public int VoidLookups { get; set; }
        public string? ValidatedDomain { get; set; }
    }

    /// <summary>An evaluation's end: a result, or (for a directive) "no match, go on".</summary>
    private sealed record Outcome(SpfVerdict Verdict, string? Mechanism, string Reason, string? Explanation = null, string? Domain = null);

    private static readonly Outcome NoMatch = new(SpfVerdict.Neutral, null, "no match");

    /// <summary>The MAIL FROM identity (§2.4); with a null reverse-path (bounces) the HELO name stands in, as postmaster@helo.</summary>
    public Task<SpfResult> CheckMailFromAsync(IPAddress ip, string mailFrom, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        ArgumentNullException.ThrowIfNull(helo);
        return mailFrom.Length == 0 ? CheckHeloAsync(ip, helo, cancellationToken) : CheckHostCoreAsync(ip, DomainOf(mailFrom), mailFrom, helo, SpfIdentity.MailFrom, cancellationToken);
    }

    /// <summary>The HELO identity (§2.3): check_host(ip, helo, postmaster@helo).</summary>
    public Task<SpfResult> CheckHeloAsync(IPAddress ip, string helo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(helo);
        return CheckHostCoreAsync(ip, helo, "postmaster@" + helo, helo, SpfIdentity.Helo, cancellationToken);
    }

    /// <summary>check_host(ip, domain, sender) of §4, with the HELO name for %{h}.</summary>
    public Task<SpfResult> CheckHostAsync(IPAddress ip, string domain, string sender, string helo, CancellationToken cancellationToken = default) =>
        CheckHostCoreAsync(ip, domain, sender, helo, SpfIdentity.MailFrom, cancellationToken);

    private async Task<SpfResult> CheckHostCoreAsync(IPAddress ip, string domain, string sender, string helo, SpfIdentity identity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ip);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(helo);
        // §5: a client on an IPv4-mapped IPv6 address is an IPv4 client.
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        var at = sender.LastIndexOf('@');
        // §4.3: "If the <sender> has no local-part, substitute the string 'postmaster' for the local-part."
        var localPart = at > 0 ? sender[..at] : "postmaster";
        var senderDomain = at >= 0 ? sender[(at + 1)..] : sender;
        var state = new State(ip, sender, localPart, DnsName.TrimFinalDot(senderDomain), helo);
        var outcome = await CheckAsync(state, DnsName.TrimFinalDot(domain.Trim()), depth: 0, explain: true, cancellationToken);
        return new SpfResult(outcome.Verdict, outcome.Domain ?? domain, outcome.Mechanism, outcome.Reason, outcome.Explanation)
        {
            Identity = identity,
            IdentityValue = identity == SpfIdentity.Helo ? helo : sender,
        };
    }

    private static string DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at >= 0 ? address[(at + 1)..] : address;
    }

    /// <summary>
    /// One check_host() (§4). <paramref name="explain"/> is false inside include: §6.2 says the target's exp= is not
    /// used there, while a redirect's target's exp= is.
    /// </summary>
    private async Task<Outcome> CheckAsync(State state, string domain, int depth, bool explain, CancellationToken cancellationToken)
    {
        // The lookup limit already stops recursion at depth 10; this is the belt to its braces.
        if (depth > SpfLimits.DnsLookups)
        {
            return new(SpfVerdict.PermError, null, "include or redirect nested too deep", Domain: domain);
        }
        // §4.3: a malformed or single-label domain has no SPF record.
        if (!IsValidDomain(domain))
        {
            return new(SpfVerdict.None, null, $"'{domain}' is not a valid domain name", Domain: domain);
        }
        var txt = await dns.ResolveTxtAsync(domain, cancellationToken);
        if (txt.IsTemporaryFailure)
        {
            return new(SpfVerdict.TempError, null, $"DNS lookup of the TXT records of {domain} failed ({txt.Status})", Domain: domain);
        }
        // §4.5: records that do not begin with "v=spf1" are discarded; more than one left is a permerror.
        var records = txt.Records.Where(SpfRecord.IsSpfRecord).ToArray();
        if (records.Length == 0)
        {
            return new(SpfVerdict.None, null, txt.Status == DnsStatus.NameError ? $"{domain} does not exist" : $"{domain} has no SPF record", Domain: domain);
        }
        if (records.Length > 1)
        {
            return new(SpfVerdict.PermError, null, $"{domain} has {records.Length} SPF records", Domain: domain);
        }
        if (!SpfRecord.TryParse(records[0], out var record, out var syntax))
        {
            return new(SpfVerdict.PermError, null, $"syntax error in the SPF record of {domain}: {syntax}", Domain: domain);
        }
        var context = Context(state, domain);
        foreach (var directive in record.Directives)
        {
            if (directive.CountsAsLookup && ++state.Lookups > SpfLimits.DnsLookups)
            {
                return new(SpfVerdict.PermError, directive.Text, $"more than {SpfLimits.DnsLookups} DNS lookups", Domain: domain);
            }
            var match = await MatchAsync(state, context, domain, directive, depth, cancellationToken);
            if (ReferenceEquals(match, NoMatch))
            {
                continue;
            }
            if (match.Verdict is SpfVerdict.TempError or SpfVerdict.PermError)
            {
                return match with { Domain = match.Domain ?? domain };
            }
            var verdict = directive.Qualifier switch
            {
                SpfQualifier.Fail => SpfVerdict.Fail,
                SpfQualifier.SoftFail => SpfVerdict.SoftFail,
                SpfQualifier.Neutral => SpfVerdict.Neutral,
                _ => SpfVerdict.Pass,
            };
            var explanation = verdict == SpfVerdict.Fail && explain && record.Explanation is { } exp
                ? await ExplainAsync(context, exp, cancellationToken)
                : null;
            return new(verdict, directive.Text, $"{state.Ip} matched {directive.Text}", explanation, domain);
        }
        if (record.Redirect is { } redirect)
        {
            // §6.1: redirect is used only when no mechanism matched, and counts as a lookup (§4.6.4).
            if (++state.Lookups > SpfLimits.DnsLookups)
            {
                return new(SpfVerdict.PermError, "redirect=" + redirect.Text, $"more than {SpfLimits.DnsLookups} DNS lookups", Domain: domain);
            }
            var target = DnsName.TrimFinalDot(await redirect.ExpandAsync(context, domainName: true, cancellationToken));
            var outcome = await CheckAsync(state, target, depth + 1, explain, cancellationToken);
            // §6.1: "if no SPF record is found, or if the <target-name> is malformed, the result is a 'permerror'".
            return outcome.Verdict == SpfVerdict.None
                ? outcome with { Verdict = SpfVerdict.PermError, Reason = $"redirect={target}: {outcome.Reason}" }
                : outcome;
        }
        // §4.7: no mechanism matched and no redirect: neutral.
        return new(SpfVerdict.Neutral, null, "no mechanism matched", Domain: domain);
    }

    private SpfMacroContext Context(State state, string domain) => new(
        state.Ip, state.Sender, state.LocalPart, state.SenderDomain, domain, state.Helo, Receiver, Clock.GetUtcNow(),
        ct => ValidatedDomainAsync(state, domain, ct));

    private async Task<Outcome> MatchAsync(State state, SpfMacroContext context, string domain, SpfDirective directive, int depth, CancellationToken cancellationToken)
    {
        switch (directive.Kind)
        {
            case SpfMechanismKind.All:
                return Matched;

            case SpfMechanismKind.Ip4:
                return state.Ip.AddressFamily == AddressFamily.InterNetwork && InNetwork(state.Ip, directive.Network!, directive.Cidr4) ? Matched : NoMatch;

            case SpfMechanismKind.Ip6:
                return state.Ip.AddressFamily == AddressFamily.InterNetworkV6 && InNetwork(state.Ip, directive.Network!, directive.Cidr6) ? Matched : NoMatch;

            case SpfMechanismKind.A:
                {
                    var target = await TargetAsync(directive, context, domain, cancellationToken);
                    var answer = await AddressesAsync(target, state.Ip.AddressFamily, cancellationToken);
                    if (Failed(answer, directive, target) is { } failed)
                    {
                        return failed;
                    }
                    if (IsVoid(answer) && CountVoid(state, directive) is { } tooMany)
                    {
                        return tooMany;
                    }
                    return answer.Records.Any(a => InNetwork(state.Ip, a, Cidr(state, directive))) ? Matched : NoMatch;
                }

            case SpfMechanismKind.Mx:
                {
                    var target = await TargetAsync(directive, context, domain, cancellationToken);
                    var mx = await dns.ResolveMxAsync(target, cancellationToken);
                    if (Failed(mx, directive, target) is { } failed)
                    {
                        return failed;
                    }
                    if (IsVoid(mx) && CountVoid(state, directive) is { } tooMany)
                    {
                        return tooMany;
                    }
                    // §4.6.4: "the evaluation of each 'MX' record MUST NOT result in querying more than 10 address records";
                    // "if this limit is exceeded, the 'mx' mechanism MUST produce a 'permerror' result".
                    if (mx.Records.Count > SpfLimits.MxNames)
                    {
                        return new(SpfVerdict.PermError, directive.Text, $"{target} has more than {SpfLimits.MxNames} MX records");
                    }
                    foreach (var exchange in mx.Records.Where(r => !r.IsNullMx))
                    {
                        var addresses = await AddressesAsync(exchange.Host, state.Ip.AddressFamily, cancellationToken);
                        if (Failed(addresses, directive, exchange.Host) is { } hostFailed)
                        {
                            return hostFailed;
                        }
                        if (addresses.Records.Any(a => InNetwork(state.Ip, a, Cidr(state, directive))))
                        {
                            return Matched;
                        }
                    }
                    return NoMatch;
                }

            case SpfMechanismKind.Ptr:
                {
                    var target = await TargetAsync(directive, context, domain, cancellationToken);
                    var ptr = await dns.ResolvePtrAsync(state.Ip, cancellationToken);
                    // §5.5: "If a DNS error occurs while doing the PTR RR lookup, then this mechanism fails to match."
                    if (ptr.IsTemporaryFailure)
                    {
                        return NoMatch;
                    }
                    if (IsVoid(ptr) && CountVoid(state, directive) is { } tooMany)
                    {
                        return tooMany;
                    }
                    foreach (var name in await ValidatedNamesAsync(state, ptr.Records, cancellationToken))
                    {
                        if (IsSameOrSubdomain(name, target))
                        {
                            return Matched;
                        }
                    }
                    return NoMatch;
                }

            case SpfMechanismKind.Exists:
                {
                    var target = DnsName.TrimFinalDot(await directive.DomainSpec!.ExpandAsync(context, domainName: true, cancellationToken));
                    // §5.7: an A query whatever the client's address family.
                    var answer = await AddressesAsync(target, AddressFamily.InterNetwork, cancellationToken);
                    if (Failed(answer, directive, target) is { } failed)
                    {
                        return failed;
                    }
                    if (IsVoid(answer) && CountVoid(state, directive) is { } tooMany)
                    {
                        return tooMany;
                    }
                    return answer.Records.Count > 0 ? Matched : NoMatch;
                }

            default:
                {
                    // include (§5.2)
                    var target = DnsName.TrimFinalDot(await directive.DomainSpec!.ExpandAsync(context, domainName: true, cancellationToken));
                    var inner = await CheckAsync(state, target, depth + 1, explain: false, cancellationToken);
                    return inner.Verdict switch
                    {
                        SpfVerdict.Pass => Matched,
                        SpfVerdict.Fail or SpfVerdict.SoftFail or SpfVerdict.Neutral => NoMatch,
                        // §5.2: an included domain with no record is a permerror; temperror and permerror propagate.
                        SpfVerdict.None => new(SpfVerdict.PermError, directive.Text, $"include:{target} has no SPF record"),
                        _ => inner with { Mechanism = inner.Mechanism ?? directive.Text },
                    };
                }
        }
    }

    private static readonly Outcome Matched = new(SpfVerdict.Pass, null, "matched");

    private static int Cidr(State state, SpfDirective directive) =>
        state.Ip.AddressFamily == AddressFamily.InterNetworkV6 ? directive.Cidr6 : directive.Cidr4;

    private static async Task<string> TargetAsync(SpfDirective directive, SpfMacroContext context, string domain, CancellationToken cancellationToken) =>
        directive.DomainSpec is { } spec ? DnsName.TrimFinalDot(await spec.ExpandAsync(context, domainName: true, cancellationToken)) : domain;

    /// <summary>§5: a DNS error other than "no such name" while evaluating a mechanism ends check_host() with temperror.</summary>
    private static Outcome? Failed<T>(DnsAnswer<T> answer, SpfDirective directive, string name) =>
        answer.IsTemporaryFailure ? new(SpfVerdict.TempError, directive.Text, $"DNS lookup of {name} failed ({answer.Status})") : null;

    private static bool IsVoid<T>(DnsAnswer<T> answer) => answer.Status is DnsStatus.NameError or DnsStatus.NoData || answer.Records.Count == 0;

    /// <summary>§4.6.4: "SPF implementations SHOULD limit 'void lookups' to two"; the third is a permerror.</summary>
    private static Outcome? CountVoid(State state, SpfDirective directive) =>
        ++state.VoidLookups > SpfLimits.VoidLookups
            ? new(SpfVerdict.PermError, directive.Text, $"more than {SpfLimits.VoidLookups} DNS lookups found nothing")
            : null;

    /// <summary>A records for an IPv4 client, AAAA for an IPv6 one (§5).</summary>
    private async Task<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken)
    {
        var type = family == AddressFamily.InterNetworkV6 ? DnsRecordType.AAAA : DnsRecordType.A;
        var answer = await dns.ResolveAsync(name, type, cancellationToken);
        return new(answer.Status, answer.Records.OfType<AddressData>().Select(a => a.Address).ToArray());
    }

    /// <summary>
    /// §5.5: of the first 10 PTR names, those whose own A/AAAA records include the client's address. An address
    /// lookup that fails skips that name.
    /// </summary>
    private async Task<List<string>> ValidatedNamesAsync(State state, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var validated = new List<string>();
        foreach (var name in names.Take(SpfLimits.PtrNames))
        {
            var addresses = await AddressesAsync(name, state.Ip.AddressFamily, cancellationToken);
            if (addresses.Records.Any(a => a.Equals(state.Ip)))
            {
                validated.Add(DnsName.TrimFinalDot(name));
            }
        }
        return validated;
    }

    /// <summary>§7.3 %{p}: a validated name of the client, preferring the domain itself, then a subdomain of it; "unknown" when there is none.</summary>
    private async Task<string> ValidatedDomainAsync(State state, string domain, CancellationToken cancellationToken)
    {
        var ptr = await dns.ResolvePtrAsync(state.Ip, cancellationToken);
        if (ptr.Status != DnsStatus.Ok)
        {
            return "unknown";
        }
        var validated = await ValidatedNamesAsync(state, ptr.Records, cancellationToken);
        return validated.FirstOrDefault(n => DnsName.Equal(n, domain))
            ?? validated.FirstOrDefault(n => IsSameOrSubdomain(n, domain))
            ?? validated.FirstOrDefault()
            ?? "unknown";
    }

    /// <summary>§6.2: the exp= text, or null if the lookup fails, finds no or several records, or the text does not parse.</summary>
    private async Task<string?> ExplainAsync(SpfMacroContext context, SpfMacroString exp, CancellationToken cancellationToken)
    {
        var name = DnsName.TrimFinalDot(await exp.ExpandAsync(context, domainName: true, cancellationToken));
        if (!IsValidDomain(name))
        {
            return null;
        }
        var txt = await dns.ResolveTxtAsync(name, cancellationToken);
        if (txt.Status != DnsStatus.Ok || txt.Records.Count != 1)
        {
            return null;
        }
        if (!SpfMacroString.TryParse(txt.Records[0], explanation: true, out var text, out _))
        {
            return null;
        }
        return await text.ExpandAsync(context, domainName: false, cancellationToken);
    }

    private static bool IsSameOrSubdomain(string name, string domain)
    {
        name = DnsName.TrimFinalDot(name);
        domain = DnsName.TrimFinalDot(domain);
        return name.Equals(domain, StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>§4.3: labels of 1-63 characters, at most 253 in all, and more than one label.</summary>
    internal static bool IsValidDomain(string domain)
    {
        if (domain.Length is 0 or > 253)
        {
            return false;
        }
        var labels = domain.Split('.');
        return labels.Length > 1 && labels.All(l => l.Length is > 0 and <= DnsName.MaxLabelLength);
    }

    internal static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }
        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        address.TryWriteBytes(a, out var length);
        network.TryWriteBytes(n, out _);
        var full = prefix / 8;
        if (!a[..full].SequenceEqual(n[..full]))
        {
            return false;
        }
        var rest = prefix % 8;
        if (rest == 0 || full >= length)
        {
            return true;
        }
        var mask = (byte)(0xFF << (8 - rest));
        return (a[full] & mask) == (n[full] & mask);
    }
}
