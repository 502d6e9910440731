using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Uce;

/// <summary>
/// <c>Appliance:Uce</c>: the UCE checks at the SMTP door. The policy part (<see cref="UceSettings"/>: zones, lists,
/// actions, rules, greylisting, rate limits) is the default until the console saves its own to the settings table;
/// the rest here (timeouts, cache, table sizes) is operational and lives only in configuration.
/// </summary>
public sealed class UceOptions : UceSettings
{
    public const string Section = "Appliance:Uce";

    /// <summary>All UCE checks on inbound SMTP. Default on; off makes every check pass without a look.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Connections from the machine itself (127.0.0.0/8, ::1) skip the UCE checks, as Postfix's mynetworks does:
    /// local scripts and monitoring hand mail over on loopback. Default true.
    /// </summary>
    public bool TrustLoopback { get; set; } = true;

    /// <summary>
    /// Milliseconds all DNS list lookups of one connection may take together (they run in parallel). Default 3000:
    /// a list that does not answer in time is skipped (a list's outage must not stop mail), and noted in the verdict.
    /// </summary>
    public int DnsListTimeoutMilliseconds { get; set; } = 3000;

    /// <summary>Milliseconds one rule's regular expression may run on one text. Default 100: a catastrophic pattern stops there, and the rest still run.</summary>
    public int RuleTimeoutMilliseconds { get; set; } = 100;

    /// <summary>Seconds the settings table's UCE settings are cached. Default 10: read per connection, so a change shows within seconds.</summary>
    public int SettingsCacheSeconds { get; set; } = 10;

    /// <summary>Clients and users each rate limit remembers at most; beyond it the stalest are forgotten. Default 100000 (a few MB), so a flood of addresses cannot grow memory.</summary>
    public int MaxTrackedClients { get; set; } = 100_000;
}

public sealed class UceOptionsValidator : IValidateOptions<UceOptions>
{
    public ValidateOptionsResult Validate(string? name, UceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Range(string setting, double value, double min, double max)
        {
            if (value < min || value > max)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{UceOptions.Section}:{setting} must be between {min} and {max} (was {value})."));
            }
        }
        Range(nameof(options.DnsListTimeoutMilliseconds), options.DnsListTimeoutMilliseconds, 100, 60_000);
        Range(nameof(options.RuleTimeoutMilliseconds), options.RuleTimeoutMilliseconds, 1, 10_000);
        Range(nameof(options.SettingsCacheSeconds), options.SettingsCacheSeconds, 0, 3600);
        Range(nameof(options.MaxTrackedClients), options.MaxTrackedClients, 100, 10_000_000);
        failures.AddRange(UceSettingsValidation.Problems(options).Select(p => $"{UceOptions.Section}:{p}"));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>What is wrong with a policy: for the options at start and for the console before it saves.</summary>
public static class UceSettingsValidation
{
    public static IReadOnlyList<string> Problems(UceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        void Zones(string list, List<DnsListZone> zones)
        {
            for (var i = 0; i < zones.Count; i++)
            {
                if (!Dns.DnsName.TryNormalize(zones[i].Zone, out _) || !zones[i].Zone.Contains('.', StringComparison.Ordinal))
                {
                    problems.Add($"{list}:{i}:Zone must be a domain name (was '{zones[i].Zone}').");
                }
                foreach (var code in zones[i].Codes)
                {
                    if (!DnsListCodes.TryParse(code, out _))
                    {
                        problems.Add($"{list}:{i}:Codes has '{code}', which is neither an IPv4 address nor a range 127.0.0.2-127.0.0.11.");
                    }
                }
            }
        }
        Zones(nameof(settings.DnsblZones), settings.DnsblZones);
        Zones(nameof(settings.DnswlZones), settings.DnswlZones);
        foreach (var (list, entries) in new[] { (nameof(settings.Allow), settings.Allow), (nameof(settings.Deny), settings.Deny) })
        {
            for (var i = 0; i < entries.Count; i++)
            {
                if (!AccessEntry.TryParse(entries[i], out _))
                {
                    problems.Add($"{list}:{i} must be an address, a CIDR network, a domain or a mail address (was '{entries[i]}').");
                }
            }
        }
        for (var i = 0; i < settings.Rules.Count; i++)
        {
            var rule = settings.Rules[i];
            if (rule.Name.Length == 0 || !rule.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                problems.Add($"Rules:{i}:Name must be letters, digits, '_' or '-' (was '{rule.Name}').");
            }
            if (UceRules.PatternError(rule.Pattern) is { } error)
            {
                problems.Add($"Rules:{i}:Pattern is not a valid regular expression: {error}");
            }
        }
        var g = settings.Greylisting;
        if (g.DelaySeconds is < 0 or > 86_400) problems.Add("Greylisting:DelaySeconds must be between 0 and 86400.");
        if (g.RetryWindowHours is < 1 or > 24 * 30) problems.Add("Greylisting:RetryWindowHours must be between 1 and 720.");
        if (g.AutoAllowAfter is < 0 or > 1000) problems.Add("Greylisting:AutoAllowAfter must be between 0 (never) and 1000.");
        if (g.ExpiryDays is < 1 or > 3650) problems.Add("Greylisting:ExpiryDays must be between 1 and 3650.");
        var r = settings.RateLimits;
        if (r.ConnectionsPerMinute < 0 || r.MessagesPerMinute < 0 || r.RecipientsPerHourPerUser < 0) problems.Add("RateLimits must not be negative (0 is off).");
        return problems;
    }
}
