using System.Globalization;
using System.Net;
using Appliance.Mime;

namespace Appliance.Filtering.Uce;

/// <summary>
/// The UCE checks of one SMTP connection. The session calls it at connect, HELO, MAIL and RCPT; each call
/// returns a refusal or null. Lookups (DNS lists, reverse DNS) start at connect and run while the client talks;
/// refusals that depend on the client (DNSBL, HELO, reverse DNS) are given at RCPT, as Postfix's delayed reject
/// does, so that an allow-listed sender or a recipient domain's allow list can still let the mail through, and so
/// that the log names sender and recipient. The symbols found go into the message's <see cref="Verdict"/> through
/// <see cref="AddTo"/>. Not thread-safe: one session, one caller.
/// </summary>
public sealed class UceSession
{
    private readonly UceGuard _guard;
    private readonly IPAddress? _client;
    private readonly IPAddress? _local;
    private readonly bool _inbound;
    private readonly string _hostName;
    private readonly string _id;

    private UceSettings? _settings;
    private readonly List<FilterSymbol> _connectionSymbols = [];
    private readonly List<FilterSymbol> _heloSymbols = [];
    private readonly List<FilterSymbol> _transactionSymbols = [];
    private bool _active;
    private bool _clientAllowed;
    private bool _senderAllowed;
    private Task<IReadOnlyList<DnsListResult>>? _listsLookup;
    private Task<ReverseDnsResult>? _reverseLookup;
    private ClientVerdict? _clientVerdict;
    private HeloProblem _heloProblem;
    private string _helo = "";
    private string _sender = "";
    private readonly List<string> _recipients = [];

    internal UceSession(UceGuard guard, IPAddress? client, IPAddress? local, bool inbound, string hostName, string sessionId)
    {
        _guard = guard;
        _client = client is { IsIPv4MappedToIPv6: true } ? client.MapToIPv4() : client;
        _local = local is { IsIPv4MappedToIPv6: true } ? local.MapToIPv4() : local;
        _inbound = inbound;
        _hostName = hostName;
        _id = sessionId;
    }

    /// <summary>What the client-level checks concluded, once their lookups are in.</summary>
    private sealed record ClientVerdict(UceRefusal? Refusal, bool Welcomed, string? ConfirmedName);

    /// <summary>The checks apply: inbound, enabled, a client address known and not trusted.</summary>
    public bool IsActive => _active;

    /// <summary>Whether the console has header, body or envelope rules to run at DATA (the message is parsed only then).</summary>
    public bool HasRules => _active && _settings is { Rules.Count: > 0 };

    /// <summary>The symbols of this connection and of the current transaction, in the order they were found.</summary>
    public IReadOnlyList<FilterSymbol> Symbols => [.. _connectionSymbols, .. _heloSymbols, .. _transactionSymbols];

    /// <summary>Adds this connection's and transaction's symbols to the message's verdict (the DATA stage calls it).</summary>
    public void AddTo(Verdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        foreach (var symbol in Symbols)
        {
            verdict.Add(symbol.Name, symbol.Points, symbol.Reason, symbol.Source);
        }
    }

    private string ClientText => _client?.ToString() ?? "unknown";

    /// <summary>At connect, before the greeting: the deny list, the connection rate; starts the DNS lookups.</summary>
    public async Task<UceRefusal?> ConnectAsync(CancellationToken cancellationToken)
    {
        var options = _guard.Options;
        if (!_inbound || !options.Enabled || _client is null || (options.TrustLoopback && IPAddress.IsLoopback(_client)))
        {
            return null;
        }
        _active = true;
        var settings = _settings = await _guard.Store.GetServerAsync(cancellationToken).ConfigureAwait(false);
        var allow = new AccessList(settings.Allow);
        var deny = new AccessList(settings.Deny);
        if (deny.MatchClient(_client, null) is { } denied)
        {
            _connectionSymbols.Add(new("DENYLIST_CLIENT", 0, $"The client [{ClientText}] is on the deny list ({denied.Text})", "list"));
            return Refuse("connect", new UceRefusal(554, "5.7.1", $"{_hostName} Access denied for [{ClientText}]", Close: true));
        }
        if (allow.MatchClient(_client, null) is { } allowed)
        {
            _clientAllowed = true;
            _connectionSymbols.Add(new("ALLOWLIST_CLIENT", settings.AllowPoints, $"The client [{ClientText}] is on the allow list ({allowed.Text})", "list"));
            return null;
        }
        if (!_guard.Connections.TryTake(ClientText, settings.RateLimits.ConnectionsPerMinute))
        {
            return Refuse("connect", new UceRefusal(421, "4.7.1",
                Invariant($"{_hostName} Too many connections from [{ClientText}] (more than {settings.RateLimits.ConnectionsPerMinute} a minute); try again later"), Close: true));
        }
        var zones = settings.DnsblZones.Concat(settings.DnswlZones).ToArray();
        _listsLookup = _guard.Lists.CheckAsync(_client, zones, TimeSpan.FromMilliseconds(options.DnsListTimeoutMilliseconds), cancellationToken);
        // The PTR name also serves domain entries of the allow and deny lists, so it is looked up when any list has one.
        if (settings.ReverseDnsCheck != UceAction.Off || settings.Allow.Concat(settings.Deny).Any(e => AccessEntry.TryParse(e, out var a) && a.Kind == AccessEntryKind.Domain))
        {
            _reverseLookup = _guard.ReverseDns.CheckAsync(_client, cancellationToken);
        }
        return null;
    }

    /// <summary>At HELO/EHLO (again after STARTTLS): checks the name; a refusal for it waits for RCPT.</summary>
    public Task<UceRefusal?> HeloAsync(string helo, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        _helo = helo ?? "";
        _heloSymbols.Clear();
        _heloProblem = HeloProblem.None;
        if (!_active || _clientAllowed || _settings!.HeloCheck == UceAction.Off)
        {
            return Task.FromResult<UceRefusal?>(null);
        }
        _heloProblem = HeloCheck.Check(_helo, _hostName, _local is null ? [] : [_local]);
        var (name, reason) = _heloProblem switch
        {
            HeloProblem.Syntax => ("HELO_INVALID", $"The client's HELO '{_helo}' is neither a domain nor an address literal"),
            HeloProblem.NotQualified => ("HELO_NOT_FQDN", $"The client's HELO '{_helo}' is not a fully qualified domain name"),
            HeloProblem.OurName => ("HELO_IS_OUR_NAME", $"The client greeted with our own name '{_helo}'"),
            HeloProblem.OurAddress => ("HELO_IS_OUR_ADDRESS", $"The client greeted with our own address {_helo}"),
            _ => (null, null),
        };
        if (name is not null)
        {
            _heloSymbols.Add(new(name, _settings.HeloPoints, reason!, "helo"));
        }
        return Task.FromResult<UceRefusal?>(null);
    }

    /// <summary>
    /// At MAIL FROM: a new transaction. Submission: nothing here. Inbound: the message rate, the sender deny and allow
    /// lists, the sender domain (550 5.1.8, null MX 550 5.7.27, DNS silent 451 4.1.8).
    /// </summary>
    public async Task<UceRefusal?> MailAsync(string sender, CancellationToken cancellationToken)
    {
        _sender = sender ?? "";
        _recipients.Clear();
        _transactionSymbols.Clear();
        _senderAllowed = false;
        if (!_active)
        {
            return null;
        }
        var settings = _settings!;
        await ClientChecksAsync(cancellationToken).ConfigureAwait(false);
        if (_clientAllowed)
        {
            return null;
        }
        if (!_guard.Messages.TryTake(ClientText, settings.RateLimits.MessagesPerMinute))
        {
            return Refuse("MAIL", new UceRefusal(450, "4.7.1",
                Invariant($"Too many messages from [{ClientText}] (more than {settings.RateLimits.MessagesPerMinute} a minute); try again later")));
        }
        if (new AccessList(settings.Deny).MatchSender(_sender) is { } denied)
        {
            _transactionSymbols.Add(new("DENYLIST_SENDER", 0, $"The sender {_sender} is on the deny list ({denied.Text})", "list"));
            return Refuse("MAIL", new UceRefusal(554, "5.7.1", $"<{_sender}>: Sender address rejected: Access denied"));
        }
        if (new AccessList(settings.Allow).MatchSender(_sender) is { } allowed)
        {
            _senderAllowed = true;
            _transactionSymbols.Add(new("ALLOWLIST_SENDER", settings.AllowPoints, $"The sender {_sender} is on the allow list ({allowed.Text})", "list"));
            return null;
        }
        return await SenderDomainAsync(settings, cancellationToken).ConfigureAwait(false);
    }

    private async Task<UceRefusal?> SenderDomainAsync(UceSettings settings, CancellationToken cancellationToken)
    {
        var at = _sender.LastIndexOf('@');
        if (settings.SenderDomainCheck == UceAction.Off || at < 0 || _sender[(at + 1)..].StartsWith('['))
        {
            // The null sender (bounces) and address literals name no domain to look up.
            return null;
        }
        var domain = _sender[(at + 1)..];
        var status = await _guard.SenderDomain.CheckAsync(domain, cancellationToken).ConfigureAwait(false);
        var reject = settings.SenderDomainCheck == UceAction.Reject;
        switch (status)
        {
            case SenderDomainStatus.NullMx:
                _transactionSymbols.Add(new("SENDER_DOMAIN_NULL_MX", settings.SenderDomainPoints, $"The sender's domain {domain} says it accepts no mail (null MX)", "sender"));
                // RFC 7505 §4.2: mail from a null-MX domain is refused with 550 5.7.27.
                return reject ? Refuse("MAIL", new UceRefusal(550, "5.7.27", $"<{_sender}>: Sender address rejected: Domain {domain} accepts no mail (null MX)")) : null;
            case SenderDomainStatus.NoMail:
                _transactionSymbols.Add(new("SENDER_DOMAIN_NO_MAIL", settings.SenderDomainPoints, $"The sender's domain {domain} has no MX, A or AAAA record", "sender"));
                return reject ? Refuse("MAIL", new UceRefusal(550, "5.1.8", $"<{_sender}>: Sender address rejected: Domain {domain} has no MX, A or AAAA record")) : null;
            case SenderDomainStatus.TemporaryFailure:
                _transactionSymbols.Add(new("SENDER_DOMAIN_DNS_TEMPFAIL", 0, $"The sender's domain {domain} could not be looked up", "sender"));
                // A DNS failure is never a pass: the sender retries and the domain is looked up again.
                return reject ? Refuse("MAIL", new UceRefusal(451, "4.1.8", $"<{_sender}>: Sender address rejected: Domain {domain} could not be looked up; try again later")) : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// At RCPT TO, once the recipient is known to be ours (or relayable). <paramref name="user"/>: the authenticated
    /// user, whose recipients per hour are limited. Inbound: the recipient domain's deny and allow lists, the client's
    /// refusals (DNSBL unless a DNSWL lists it, HELO, reverse DNS), then greylisting.
    /// </summary>
    public async Task<UceRefusal?> RcptAsync(string recipient, string? user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (user is not null)
        {
            var server = _settings ?? await _guard.Store.GetServerAsync(cancellationToken).ConfigureAwait(false);
            var limit = server.RateLimits.RecipientsPerHourPerUser;
            if (!_guard.Recipients.TryTake(user.ToLowerInvariant(), limit))
            {
                return Refuse("RCPT", new UceRefusal(450, "4.7.1", Invariant($"<{recipient}>: Too many recipients for {user} (more than {limit} an hour); try again later")));
            }
            _recipients.Add(recipient);
            return null;
        }
        if (!_active)
        {
            _recipients.Add(recipient);
            return null;
        }
        var settings = _settings!;
        var client = await ClientChecksAsync(cancellationToken).ConfigureAwait(false);
        var at = recipient.LastIndexOf('@');
        var domain = at < 0 ? "" : recipient[(at + 1)..];
        var domainSettings = await _guard.Store.GetDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        var domainDeny = new AccessList(domainSettings.Deny);
        if ((domainDeny.MatchClient(_client, client.ConfirmedName) ?? domainDeny.MatchSender(_sender)) is { } denied && !_clientAllowed)
        {
            _transactionSymbols.Add(new("DENYLIST_DOMAIN", 0, $"{domain}'s deny list has {denied.Text}", "list"));
            return Refuse("RCPT", new UceRefusal(554, "5.7.1", $"<{recipient}>: Recipient address rejected: Access denied"));
        }
        var domainAllow = new AccessList(domainSettings.Allow);
        var allowed = _clientAllowed || _senderAllowed;
        if (!allowed && (domainAllow.MatchClient(_client, client.ConfirmedName) ?? domainAllow.MatchSender(_sender)) is { } welcome)
        {
            allowed = true;
            if (!_transactionSymbols.Exists(s => s.Name == "ALLOWLIST_DOMAIN"))
            {
                _transactionSymbols.Add(new("ALLOWLIST_DOMAIN", settings.AllowPoints, $"{domain}'s allow list has {welcome.Text}", "list"));
            }
        }
        if (!allowed && client.Refusal is { } refusal)
        {
            return Refuse("RCPT", refusal);
        }
        if (!allowed && !client.Welcomed && (domainSettings.Greylisting ?? settings.Greylisting.Enabled))
        {
            var grey = await _guard.Greylisting.CheckAsync(_client!, _sender, recipient, settings.Greylisting, cancellationToken).ConfigureAwait(false);
            if (grey.Status == GreylistStatus.Deferred)
            {
                return Refuse("RCPT", new UceRefusal(451, "4.7.1",
                    Invariant($"<{recipient}>: Greylisted, try again in {Math.Max(1, (int)Math.Ceiling(grey.RetryAfter.TotalSeconds))} seconds")));
            }
            var name = grey.Status == GreylistStatus.AutoAllowed ? "GREYLIST_AUTO_ALLOWED" : "GREYLIST_PASSED";
            if (!_transactionSymbols.Exists(s => s.Name == name))
            {
                _transactionSymbols.Add(new(name, 0, grey.Status == GreylistStatus.AutoAllowed
                    ? "The client's network has retried often enough to skip greylisting" : "The client retried after greylisting, as real mail servers do", "greylist"));
            }
        }
        _recipients.Add(recipient);
        return null;
    }

    /// <summary>
    /// The header, body and envelope rules over the message at DATA: adds their symbols to <paramref name="verdict"/> and
    /// returns what they ask for. Inbound only; for an allow-listed client or sender the symbols are added but no action is asked.
    /// </summary>
    public async Task<UceRulesOutcome> EvaluateMessageAsync(MimeMessage message, Verdict verdict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_active)
        {
            return new UceRulesOutcome(null, [], []);
        }
        var client = await ClientChecksAsync(cancellationToken).ConfigureAwait(false);
        var envelope = new UceEnvelope(_sender, [.. _recipients], _helo, ClientText, client.ConfirmedName);
        var outcome = UceRules.Evaluate(_settings!.Rules, message, envelope, verdict, TimeSpan.FromMilliseconds(_guard.Options.RuleTimeoutMilliseconds));
        return _clientAllowed || _senderAllowed ? outcome with { Action = null } : outcome;
    }

    /// <summary>The rules over the message as received (its bytes), parsed here with the configured MIME limits.</summary>
    public async Task<UceRulesOutcome> EvaluateMessageAsync(ReadOnlyMemory<byte> message, Verdict verdict, CancellationToken cancellationToken)
    {
        using var loaded = _guard.Loader.FromBytes(message);
        return await EvaluateMessageAsync(loaded.Message, verdict, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the connection's lookups (started at connect), once, and turns them into symbols and a refusal.</summary>
    private async Task<ClientVerdict> ClientChecksAsync(CancellationToken cancellationToken)
    {
        if (_clientVerdict is { } done && _heloVerdictFor == _helo)
        {
            return done;
        }
        var settings = _settings!;
        if (_clientAllowed)
        {
            return _clientVerdict = new ClientVerdict(null, true, null);
        }
        _ = cancellationToken;
        var lists = _listsLookup is null ? [] : await _listsLookup.ConfigureAwait(false);
        var reverse = _reverseLookup is null ? null : await _reverseLookup.ConfigureAwait(false);
        if (_clientVerdict is null)
        {
            AddListSymbols(lists, settings);
            AddReverseSymbols(reverse, settings);
        }
        var welcomed = lists.Any(r => r.Status == DnsListStatus.Listed && settings.DnswlZones.Contains(r.Zone));
        UceRefusal? refusal = null;
        // A DNSWL listing outweighs a DNSBL's rejection (the points of both still count).
        if (!welcomed && lists.FirstOrDefault(r => r.Status == DnsListStatus.Listed && r.Zone.Action == UceAction.Reject && settings.DnsblZones.Contains(r.Zone)) is { } blocked)
        {
            refusal = new UceRefusal(554, "5.7.1", $"Service unavailable; client [{ClientText}] blocked using {DnsNameOf(blocked.Zone)}");
        }
        else if (settings.HeloCheck == UceAction.Reject && _heloProblem != HeloProblem.None)
        {
            refusal = new UceRefusal(550, "5.7.1", _heloProblem switch
            {
                HeloProblem.OurName or HeloProblem.OurAddress => $"Helo command rejected: {_helo} is this server, not you",
                HeloProblem.NotQualified => $"Helo command rejected: {_helo} is not a fully qualified host name",
                _ => "Helo command rejected: Invalid name",
            });
        }
        else if (settings.ReverseDnsCheck == UceAction.Reject && reverse is { } r && r.Status != ReverseDnsStatus.Confirmed)
        {
            // RFC 7372 §3.3: 5.7.25, reverse DNS validation failed; a lookup that did not answer is temporary.
            refusal = r.Status == ReverseDnsStatus.TemporaryFailure
                ? new UceRefusal(450, "4.7.25", $"Client host rejected: cannot find your reverse hostname, [{ClientText}]; try again later")
                : new UceRefusal(550, "5.7.25", $"Client host rejected: cannot find your hostname, [{ClientText}]");
        }
        _heloVerdictFor = _helo;
        return _clientVerdict = new ClientVerdict(refusal, welcomed, reverse?.Status == ReverseDnsStatus.Confirmed ? reverse.Name : null);
    }

    private string? _heloVerdictFor;

    private static string DnsNameOf(DnsListZone zone) => Dns.DnsName.TrimFinalDot(zone.Zone);

    private void AddListSymbols(IReadOnlyList<DnsListResult> lists, UceSettings settings)
    {
        foreach (var result in lists)
        {
            var white = settings.DnswlZones.Contains(result.Zone);
            var symbol = result.Symbol(white ? "DNSWL_" : "DNSBL_");
            switch (result.Status)
            {
                case DnsListStatus.Listed:
                    _connectionSymbols.Add(new(symbol, result.Zone.Points,
                        $"The client [{ClientText}] is listed in {DnsNameOf(result.Zone)} ({DnsListChecker.Describe(result.Answers)})", white ? "dnswl" : "dnsbl"));
                    break;
                case DnsListStatus.Failed:
                    _connectionSymbols.Add(new(symbol + "_FAIL", 0, $"{DnsNameOf(result.Zone)} did not answer in time", white ? "dnswl" : "dnsbl"));
                    break;
            }
        }
    }

    private void AddReverseSymbols(ReverseDnsResult? reverse, UceSettings settings)
    {
        if (reverse is null || settings.ReverseDnsCheck == UceAction.Off) return;
        switch (reverse.Status)
        {
            case ReverseDnsStatus.None:
                _connectionSymbols.Add(new("RDNS_NONE", settings.ReverseDnsPoints, $"The client [{ClientText}] has no reverse DNS name", "rdns"));
                break;
            case ReverseDnsStatus.NotConfirmed:
                _connectionSymbols.Add(new("RDNS_NOT_CONFIRMED", settings.ReverseDnsPoints, $"The client's reverse name {reverse.Name} does not resolve back to [{ClientText}]", "rdns"));
                break;
            case ReverseDnsStatus.TemporaryFailure:
                _connectionSymbols.Add(new("RDNS_TEMPFAIL", 0, $"The reverse DNS of [{ClientText}] could not be looked up", "rdns"));
                break;
        }
    }

    private UceRefusal Refuse(string stage, UceRefusal refusal)
    {
        UceGuard.LogRefused(_guard.Logger, _id, ClientText, stage, refusal.ToString());
        return refusal;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
