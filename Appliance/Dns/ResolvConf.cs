using System.Globalization;
using System.Net;

namespace Appliance.Dns;

/// <summary>
/// What the appliance takes from resolv.conf(5): the <c>nameserver</c> lines and
/// <c>options timeout:N attempts:N</c>. Search domains are ignored: mail routing asks fully qualified names.
/// </summary>
public sealed record ResolvConf(IReadOnlyList<IPEndPoint> Servers, int? TimeoutSeconds, int? Attempts)
{
    /// <summary>glibc's MAXNS: later nameserver lines are ignored, as the system resolver does.</summary>
    public const int MaxServers = 3;

    public const int DnsPort = 53;

    public static readonly ResolvConf Empty = new([], null, null);

    /// <summary>Parses the file's text leniently, as glibc does: unknown keywords and malformed lines are skipped.</summary>
    public static ResolvConf Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<IPEndPoint>();
        int? timeout = null;
        int? attempts = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.AsSpan();
            var comment = line.IndexOfAny('#', ';');
            if (comment >= 0)
            {
                line = line[..comment];
            }
            var words = line.ToString().Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2)
            {
                continue;
            }
            if (words[0] == "nameserver")
            {
                // A zone index (fe80::1%eth0) is allowed by glibc and by IPAddress.TryParse alike.
                if (servers.Count < MaxServers && IPAddress.TryParse(words[1], out var address))
                {
                    servers.Add(new IPEndPoint(address, DnsPort));
                }
            }
            else if (words[0] == "options")
            {
                foreach (var option in words.Skip(1))
                {
                    // glibc caps timeout at 30 s and attempts at 5 (RES_MAXRETRANS, RES_MAXRETRY).
                    if (TryOption(option, "timeout:", 30, out var seconds))
                    {
                        timeout = Math.Max(1, seconds);
                    }
                    else if (TryOption(option, "attempts:", 5, out var count))
                    {
                        attempts = Math.Max(1, count);
                    }
                }
            }
        }
        return new ResolvConf(servers, timeout, attempts);
    }

    /// <summary>The file at <paramref name="path"/>, or <see cref="Empty"/> when it is missing or unreadable.</summary>
    public static ResolvConf Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
    }

    private static bool TryOption(string option, string prefix, int max, out int value)
    {
        value = 0;
        if (!option.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(option.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }
        value = Math.Min(value, max);
        return true;
    }
}
