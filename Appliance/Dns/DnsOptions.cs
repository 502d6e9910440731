using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Appliance.Dns;

/// <summary><c>Appliance:Dns</c>: which servers the stub resolver asks and how patiently.</summary>
public sealed class DnsOptions
{
    public const string Section = "Appliance:Dns";

    /// <summary>
    /// Recursive servers, each "ip" or "ip:port" ("[ip6]:port" for IPv6), asked in order. Default: none,
    /// meaning the <c>nameserver</c> lines of <see cref="ResolvConfPath"/>, so the appliance resolves as the
    /// machine does; with none there either, 127.0.0.1, as glibc does.
    /// </summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>Where the system's resolver configuration lives. Default /etc/resolv.conf; re-read when it changes (DHCP).</summary>
    public string ResolvConfPath { get; set; } = "/etc/resolv.conf";

    /// <summary>
    /// How long to wait for one server's reply. Default: resolv.conf's <c>timeout:N</c>, else 2000 ms. Shorter than
    /// glibc's 5 s because a queue run waits on many lookups and a recursive server that has not answered in
    /// 2 s on a LAN is usually not going to; a deferred message is retried anyway.
    /// </summary>
    public int? TimeoutMilliseconds { get; set; }

    /// <summary>Rounds over the server list. Default: resolv.conf's <c>attempts:N</c>, else 2, glibc's default: one lost datagram is not a failure.</summary>
    public int? Attempts { get; set; }

    /// <summary>
    /// EDNS(0) UDP payload size advertised (RFC 6891); 0 sends no OPT record and caps replies at 512 bytes.
    /// Default 1232, DNS Flag Day 2020's value: fits the IPv6 minimum MTU, so replies are not fragmented.
    /// </summary>
    public int UdpPayloadSize { get; set; } = 1232;

    /// <summary>Most questions plus records accepted in one reply; a larger reply is treated as malformed. Default 512 (see <see cref="DnsMessageReader.DefaultMaxRecords"/>).</summary>
    public int MaxRecords { get; set; } = DnsMessageReader.DefaultMaxRecords;

    /// <summary>CNAMEs followed for one lookup, within replies and across re-queries. Default 8, as many resolvers do: real chains are 1–3 long and a loop must end.</summary>
    public int MaxCnameChain { get; set; } = 8;

    /// <summary>
    /// Answers kept in memory, for their TTL; 0 turns the cache off. Default 10000: a busy door asks a few names per
    /// message (DNSBL, PTR, SPF, DKIM key, DMARC), mostly the same senders' again; an entry is a few hundred bytes.
    /// </summary>
    public int CacheMaxEntries { get; set; } = 10_000;

    /// <summary>Shortest time an answer is kept, whatever its TTL says. Default 0: the TTL is honoured, and a TTL of 0 is not kept.</summary>
    public int CacheMinTtlSeconds { get; set; }

    /// <summary>Longest time a positive answer is kept. Default 86400 (a day), as Unbound's <c>cache-max-ttl</c>.</summary>
    public int CacheMaxTtlSeconds { get; set; } = 86_400;

    /// <summary>
    /// Longest time an NXDOMAIN or NODATA answer is kept (its TTL is the SOA's, RFC 2308 §5). Default 3600, as Unbound's
    /// <c>cache-max-negative-ttl</c> and RFC 2308 §5's "one to three hours": a name that appears is seen within the hour.
    /// </summary>
    public int CacheMaxNegativeTtlSeconds { get; set; } = 3600;

    public const int DefaultTimeoutMilliseconds = 2000;
    public const int DefaultAttempts = 2;

    /// <summary>Parses "ip", "ip:port" or "[ip6]:port".</summary>
    public static bool TryParseServer(string? value, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        value = value.Trim();
        if (IPAddress.TryParse(value, out var bare) && !value.StartsWith('['))
        {
            endPoint = new IPEndPoint(bare, ResolvConf.DnsPort);
            return true;
        }
        if (IPEndPoint.TryParse(value, out var withPort) && withPort.Port != 0
            && (value.StartsWith('[') || withPort.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
        {
            endPoint = withPort;
            return true;
        }
        return false;
    }
}

public sealed class DnsOptionsValidator : IValidateOptions<DnsOptions>
{
    public ValidateOptionsResult Validate(string? name, DnsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = DnsOptions.Section;
        for (var i = 0; i < options.Servers.Count; i++)
        {
            if (!DnsOptions.TryParseServer(options.Servers[i], out _))
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{section}:Servers:{i} must be an IP address, optionally with a port (\"192.0.2.53\", \"192.0.2.53:5353\", \"[2001:db8::53]:53\"); was '{options.Servers[i]}'."));
            }
        }
        if (options.Servers.Count == 0 && string.IsNullOrWhiteSpace(options.ResolvConfPath))
        {
            failures.Add($"{section}:ResolvConfPath must name a file when {section}:Servers is empty.");
        }
        if (options.TimeoutMilliseconds is { } timeout and (< 50 or > 60_000))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:TimeoutMilliseconds must be between 50 and 60000 (was {timeout})."));
        }
        if (options.Attempts is { } attempts and (< 1 or > 10))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:Attempts must be between 1 and 10 (was {attempts})."));
        }
        if (options.UdpPayloadSize is not 0 and (< 512 or > 4096))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:UdpPayloadSize must be 0 (no EDNS) or between 512 and 4096 (was {options.UdpPayloadSize})."));
        }
        if (options.MaxRecords is < 16 or > 8192)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxRecords must be between 16 and 8192 (was {options.MaxRecords})."));
        }
        if (options.MaxCnameChain is < 1 or > 32)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxCnameChain must be between 1 and 32 (was {options.MaxCnameChain})."));
        }
        if (options.CacheMaxEntries is < 0 or > 1_000_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:CacheMaxEntries must be between 0 (no cache) and 1000000 (was {options.CacheMaxEntries})."));
        }
        if (options.CacheMinTtlSeconds < 0 || options.CacheMaxTtlSeconds < 0 || options.CacheMaxNegativeTtlSeconds < 0
            || options.CacheMinTtlSeconds > Math.Min(options.CacheMaxTtlSeconds, options.CacheMaxNegativeTtlSeconds) || options.CacheMaxTtlSeconds > 604_800)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"{section}:CacheMinTtlSeconds, CacheMaxTtlSeconds and CacheMaxNegativeTtlSeconds must be 0 or more, the minimum no larger than either maximum, and CacheMaxTtlSeconds at most 604800 (were {options.CacheMinTtlSeconds}, {options.CacheMaxTtlSeconds}, {options.CacheMaxNegativeTtlSeconds})."));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
