using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Dns;

/// <summary>
/// The stub resolver: asks recursive servers over UDP, falls back to TCP on TC=1, follows CNAMEs, and
/// turns every failure into a <see cref="DnsStatus"/>; nothing but cancellation escapes as an exception.
/// </summary>
public sealed partial class DnsResolver : IDnsResolver
{
    private readonly DnsOptions _options;
    private readonly ILogger<DnsResolver> _logger;
    private readonly DnsTransport _transport;
    private readonly DnsCache _cache;
    private readonly IReadOnlyList<IPEndPoint>? _configuredServers;
    private readonly Lock _gate = new();
    private Settings? _settings;
    private DateTime _resolvConfWritten;

    public DnsResolver(IOptions<DnsOptions> options, ILogger<DnsResolver> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _transport = new DnsTransport(_options.MaxRecords);
        _cache = new DnsCache(_options.CacheMaxEntries, TimeSpan.FromSeconds(_options.CacheMinTtlSeconds),
            TimeSpan.FromSeconds(_options.CacheMaxTtlSeconds), TimeSpan.FromSeconds(_options.CacheMaxNegativeTtlSeconds), time ?? TimeProvider.System);
        if (_options.Servers.Count > 0)
        {
            _configuredServers = _options.Servers
                .Select(s => DnsOptions.TryParseServer(s, out var endPoint) ? endPoint : throw new OptionsValidationException(
                    DnsOptions.Section, typeof(DnsOptions), [$"{DnsOptions.Section}:Servers has an entry that is not an address: '{s}'."]))
                .ToArray();
        }
    }

    /// <summary>How many answers the cache holds now.</summary>
    internal int CachedAnswers => _cache.Count;

    /// <summary>The servers, timeout and attempts in force now.</summary>
    internal sealed record Settings(IReadOnlyList<IPEndPoint> Servers, TimeSpan Timeout, int Attempts);

    public async Task<DnsAnswer<MxRecord>> ResolveMxAsync(string domain, CancellationToken cancellationToken = default)
    {
        var (status, records) = await LookupAsync(domain, DnsRecordType.MX, cancellationToken);
        // RFC 5321 §5.1: lowest preference first; equal preferences in random order to spread the load.
        var ordered = records.Cast<MxData>()
            .Select(mx => new MxRecord(mx.Preference, mx.Exchange))
            .GroupBy(mx => mx.Preference)
            .OrderBy(g => g.Key)
            .SelectMany(g =>
            {
                var tied = g.ToArray();
                Random.Shared.Shuffle(tied);
                return tied;
            })
            .ToArray();
        return new(status, ordered);
    }

    /// <summary>A and AAAA records, IPv4 first. An IP literal is returned as it is, without a query.</summary>
    public async Task<DnsAnswer<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var literal = host.Trim().TrimStart('[').TrimEnd(']');
        if (IPAddress.TryParse(literal, out var address) && (address.AddressFamily == AddressFamily.InterNetworkV6 || literal.Count(c => c == '.') == 3))
        {
            return new(DnsStatus.Ok, [address]);
        }
        var v4 = LookupAsync(host, DnsRecordType.A, cancellationToken);
        var v6 = LookupAsync(host, DnsRecordType.AAAA, cancellationToken);
        var (a, aaaa) = (await v4, await v6);
        var addresses = a.Records.Concat(aaaa.Records).Cast<AddressData>().Select(r => r.Address).ToArray();
        // Any address is enough to deliver; a name error on either side speaks for the name.
        var status = addresses.Length > 0 ? DnsStatus.Ok
            : a.Status == DnsStatus.NameError || aaaa.Status == DnsStatus.NameError ? DnsStatus.NameError
            : a.Status == DnsStatus.ServerFailure || aaaa.Status == DnsStatus.ServerFailure ? DnsStatus.ServerFailure
            : a.Status == DnsStatus.Timeout || aaaa.Status == DnsStatus.Timeout ? DnsStatus.Timeout
            : DnsStatus.NoData;
        return new(status, addresses);
    }

    public async Task<DnsAnswer<string>> ResolveTxtAsync(string name, CancellationToken cancellationToken = default)
    {
        var (status, records) = await LookupAsync(name, DnsRecordType.TXT, cancellationToken);
        return new(status, records.Cast<TxtData>().Select(t => t.Joined).ToArray());
    }

    public async Task<DnsAnswer<string>> ResolvePtrAsync(IPAddress address, CancellationToken cancellationToken = default)
    {
        var (status, records) = await LookupAsync(DnsName.ReverseLookupName(address), DnsRecordType.PTR, cancellationToken);
        return new(status, records.Cast<NameData>().Select(n => n.Target).ToArray());
    }

    /// <summary>Records of any type, CNAMEs followed (none followed when asking for CNAME itself).</summary>
    public async Task<DnsAnswer<DnsRecordData>> ResolveAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        var (status, records) = await LookupAsync(name, type, cancellationToken);
        return new(status, records);
    }

    private async Task<(DnsStatus Status, IReadOnlyList<DnsRecordData> Records)> LookupAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!DnsName.TryNormalize(name, out var current))
        {
            // A name that cannot be put on the wire cannot exist.
            return (DnsStatus.NameError, []);
        }
        var links = 0;
        while (true)
        {
            var (status, reply) = await QueryAsync(current, type, cancellationToken);
            if (reply is null)
            {
                return (status, []);
            }
            var owner = current;
            while (type != DnsRecordType.CNAME
                && reply.Answers.FirstOrDefault(r => r.Data is NameData { NameType: DnsRecordType.CNAME } && DnsName.Equal(r.Name, owner)) is { } alias)
            {
                if (++links > _options.MaxCnameChain)
                {
                    LogCnameChainTooLong(name, type, _options.MaxCnameChain);
                    return (DnsStatus.ServerFailure, []);
                }
                owner = ((NameData)alias.Data).Target;
            }
            var records = reply.Answers.Where(r => r.Type == type && DnsName.Equal(r.Name, owner)).Select(r => r.Data).ToArray();
            if (records.Length > 0)
            {
                return (DnsStatus.Ok, records);
            }
            // RFC 6604: with a chain, the RCODE speaks for its last name.
            if (reply.ResponseCode == DnsResponseCode.NameError)
            {
                return (DnsStatus.NameError, []);
            }
            if (DnsName.Equal(owner, current))
            {
                return (DnsStatus.NoData, []);
            }
            // The chain stops before the asked type (a server that does not chase out-of-zone targets): ask for the target.
            current = owner;
        }
    }

    /// <summary>
    /// Asks each server in turn, <see cref="Settings.Attempts"/> rounds. A reply of NOERROR or NXDOMAIN ends the search;
    /// SERVFAIL, REFUSED and malformed replies move on to the next server, as glibc does. Replies that end the search
    /// are kept in the <see cref="DnsCache"/> for their TTL; failures are never kept.
    /// </summary>
    private async Task<(DnsStatus Status, DnsMessage? Reply)> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        if (_cache.TryGet(name, type, out var cached))
        {
            return (DnsStatus.Ok, cached);
        }
        var settings = CurrentSettings();
        var failed = false;
        for (var attempt = 0; attempt < settings.Attempts; attempt++)
        {
            foreach (var server in settings.Servers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var exchange = await ExchangeAsync(server, name, type, _options.UdpPayloadSize, settings.Timeout, cancellationToken);
                // RFC 6891 §7: a FORMERR to a query with OPT may be a server that predates EDNS; ask it again without.
                if (exchange.Reply is { ResponseCode: DnsResponseCode.FormatError } && _options.UdpPayloadSize > 0)
                {
                    exchange = await ExchangeAsync(server, name, type, 0, settings.Timeout, cancellationToken);
                }
                switch (exchange.Outcome)
                {
                    case ExchangeOutcome.Reply when exchange.Reply!.ResponseCode is DnsResponseCode.NoError or DnsResponseCode.NameError:
                        _cache.Store(name, type, exchange.Reply);
                        return (DnsStatus.Ok, exchange.Reply);
                    case ExchangeOutcome.Reply:
                        failed = true;
                        LogServerFailed(server, name, type, exchange.Reply!.ResponseCode.ToString());
                        break;
                    case ExchangeOutcome.Malformed:
                        failed = true;
                        LogServerFailed(server, name, type, exchange.Detail ?? "a malformed reply");
                        break;
                    default:
                        LogNoAnswer(server, name, type, exchange.Detail ?? "no answer");
                        break;
                }
            }
        }
        var status = failed ? DnsStatus.ServerFailure : DnsStatus.Timeout;
        LogLookupFailed(name, type, status, settings.Servers.Count, settings.Attempts);
        return (status, null);
    }

    private async Task<Exchange> ExchangeAsync(IPEndPoint server, string name, DnsRecordType type, int udpPayloadSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var query = DnsMessage.Query(NewId(), name, type, (ushort)udpPayloadSize);
        var bytes = new byte[DnsName.MaxWireLength + 64];
        if (!DnsMessageWriter.TryWrite(query, bytes, out var length))
        {
            // TryNormalize checked the name; only a bug gets here.
            return new(ExchangeOutcome.Malformed, Detail: "the query could not be encoded");
        }
        var wire = bytes.AsMemory(0, length);
        var exchange = await _transport.UdpAsync(server, wire, query, timeout, cancellationToken);
        if (exchange.Reply is { Truncated: true })
        {
            LogTruncated(server, name, type);
            exchange = await _transport.TcpAsync(server, wire, query, timeout, cancellationToken);
        }
        return exchange;
    }

    /// <summary>An unpredictable id (RFC 5452 §9.2): a counter or System.Random would help a spoofer.</summary>
    private static ushort NewId()
    {
        Span<byte> id = stackalloc byte[2];
        RandomNumberGenerator.Fill(id);
        return BitConverter.ToUInt16(id);
    }

    /// <summary>The configured servers, or resolv.conf's, re-read when the file changes.</summary>
    internal Settings CurrentSettings()
    {
        if (_configuredServers is not null)
        {
            return _settings ??= Build(_configuredServers, ResolvConf.Empty);
        }
        var written = File.Exists(_options.ResolvConfPath) ? File.GetLastWriteTimeUtc(_options.ResolvConfPath) : DateTime.MinValue;
        lock (_gate)
        {
            if (_settings is null || written != _resolvConfWritten)
            {
                var conf = ResolvConf.Load(_options.ResolvConfPath);
                // glibc's fallback when resolv.conf names no server: a resolver on this machine.
                IReadOnlyList<IPEndPoint> servers = conf.Servers.Count > 0 ? conf.Servers : [new IPEndPoint(IPAddress.Loopback, ResolvConf.DnsPort)];
                _settings = Build(servers, conf);
                _resolvConfWritten = written;
            }
            return _settings;
        }
    }

    private Settings Build(IReadOnlyList<IPEndPoint> servers, ResolvConf conf) => new(
        servers,
        TimeSpan.FromMilliseconds(_options.TimeoutMilliseconds ?? (conf.TimeoutSeconds * 1000) ?? DnsOptions.DefaultTimeoutMilliseconds),
        _options.Attempts ?? conf.Attempts ?? DnsOptions.DefaultAttempts);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "DNS server {Server} gave no answer for {Name} {Type}: {Detail}")]
    private partial void LogNoAnswer(IPEndPoint server, string name, DnsRecordType type, string detail);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "DNS server {Server} failed {Name} {Type}: {Detail}")]
    private partial void LogServerFailed(IPEndPoint server, string name, DnsRecordType type, string detail);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "DNS server {Server} truncated the reply for {Name} {Type}; asking over TCP")]
    private partial void LogTruncated(IPEndPoint server, string name, DnsRecordType type);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "DNS lookup of {Name} {Type} failed ({Status}) after {Servers} server(s) x {Attempts} attempt(s)")]
    private partial void LogLookupFailed(string name, DnsRecordType type, DnsStatus status, int servers, int attempts);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "DNS lookup of {Name} {Type} met more than {Limit} CNAMEs")]
    private partial void LogCnameChainTooLong(string name, DnsRecordType type, int limit);
}
