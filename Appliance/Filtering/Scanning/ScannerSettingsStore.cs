using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Accounts;
using Appliance.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

/// <summary>The scanners as the console sets them: clamd, spamd, rspamd, and what a configured scanner that is down means.</summary>
public sealed class ScannerSettings
{
    public ClamAvOptions ClamAv { get; set; } = new();

    public SpamAssassinOptions SpamAssassin { get; set; } = new();

    public RspamdOptions Rspamd { get; set; } = new();

    public ScannerDownAction ScannerDown { get; set; } = ScannerDownAction.TempFail;
}

/// <summary>Which scanner a health check asks.</summary>
public enum ScannerKind
{
    ClamAv,
    SpamAssassin,
    Rspamd,
}

/// <summary>A scanner's health as the console shows it: up with its version (or PONG), or down with the error.</summary>
public sealed record ScannerStatus(ScannerKind Kind, string Endpoint, bool IsUp, string? Version, string? Error, TimeSpan RoundTrip);

/// <summary>The clients built for one version of the settings; the inspector takes one set per message.</summary>
public sealed class Scanners(ScannerSettings settings, ClamdClient clamd, SpamdClient spamd, RspamdClient rspamd)
{
    public ScannerSettings Settings { get; } = settings;
    public ClamdClient Clamd { get; } = clamd;
    public SpamdClient Spamd { get; } = spamd;
    public RspamdClient Rspamd { get; } = rspamd;
}

/// <summary>
/// The scanners' settings the console edits, JSON in the settings table under <see cref="Key"/>, read through a short
/// cache (<see cref="MaxAge"/>) because every message reads them. Until the console saves, the configuration is the
/// setting: <c>Appliance:Filtering:ClamAV</c>, <c>:SpamAssassin</c>, <c>:Rspamd</c> and <c>Appliance:Filtering:ScannerDown</c>.
/// Saving is for administrators only, checked here against the database, validated as the options are at start, and audited.
/// </summary>
public sealed class ScannerSettingsStore(
    SettingsRepository settings,
    Database database,
    AddressRules rules,
    AuditLog audit,
    IOptions<ClamAvOptions> clamAv,
    IOptions<SpamAssassinOptions> spamAssassin,
    IOptions<RspamdOptions> rspamd,
    IOptions<FilteringOptions> filtering,
    ILoggerFactory loggers)
{
    public const string Key = "scanners";

    /// <summary>How long a read of the row is reused: a change made here shows at once, one made by another process within this.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, Converters = { new JsonStringEnumConverter() } };

    // The clients built for the row's text last read (null: the configuration); rebuilt only when the text changes.
    private (string? Text, Scanners Set)? _current;
    private readonly Lock _gate = new();

    /// <summary>The effective settings and the clients for them.</summary>
    public async Task<Scanners> GetAsync(CancellationToken cancellationToken = default)
    {
        var text = await settings.GetRecentAsync(Key, MaxAge, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_current is { } current && string.Equals(current.Text, text, StringComparison.Ordinal))
            {
                return current.Set;
            }
        }
        var value = (text is null ? null : Parse(text)) ?? Defaults();
        // A previous set's rspamd client is not disposed: a message being scanned may still hold it. Its pooled
        // connections close when idle (SocketsHttpHandler's PooledConnectionIdleTimeout).
        var set = Build(value);
        lock (_gate)
        {
            _current = (text, set);
        }
        return set;
    }

    /// <summary>A copy of the effective settings for the console's form to edit.</summary>
    public async Task<ScannerSettings> GetSettingsAsync(CancellationToken cancellationToken = default) =>
        Copy((await GetAsync(cancellationToken).ConfigureAwait(false)).Settings);

    /// <summary>Saves the settings; refuses with the first problem named (the option's own words) what the scanners could not use.</summary>
    public async Task SaveAsync(Actor actor, ScannerSettings value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(value);
        if (!actor.IsAdmin) throw new ForbiddenException();
        var problems = Problems(value);
        if (problems.Count > 0) throw new AccountException("Scanners.Invalid", problems[0]);
        var text = JsonSerializer.Serialize(value, Json);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            // The claim is checked against the database: an administrator demoted since signing in is one no more.
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            await settings.SetAsync(connection, transaction, Key, text).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "scanners.save", Key, Describe(value)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks one scanner, as <paramref name="value"/> sets it (the form's values, saved or not), for its version (clamd
    /// VERSION, rspamd's Server field) or its PONG (spamd). Administrators only: it connects where the form says.
    /// </summary>
    public async Task<ScannerStatus> TestAsync(Actor actor, ScannerKind kind, ScannerSettings value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(value);
        if (!actor.IsAdmin) throw new ForbiddenException();
        await database.InTransactionAsync((connection, transaction) => rules.DemandAdministratorAsync(connection, transaction, actor), cancellationToken).ConfigureAwait(false);
        var problems = Problems(value, kind);
        if (problems.Count > 0)
        {
            return new ScannerStatus(kind, "", false, null, problems[0], TimeSpan.Zero);
        }
        return await CheckAsync(kind, value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The health of the saved settings' scanner, for the page as it opens.</summary>
    public async Task<ScannerStatus> CheckAsync(ScannerKind kind, CancellationToken cancellationToken = default) =>
        await CheckAsync(kind, (await GetAsync(cancellationToken).ConfigureAwait(false)).Settings, cancellationToken).ConfigureAwait(false);

    private async Task<ScannerStatus> CheckAsync(ScannerKind kind, ScannerSettings value, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case ScannerKind.ClamAv:
            {
                var client = new ClamdClient(Options.Create(value.ClamAv), loggers.CreateLogger<ClamdClient>());
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var (version, failure) = await client.GetVersionAsync(cancellationToken).ConfigureAwait(false);
                return new ScannerStatus(kind, client.Endpoint.ToString(), failure is null, version, failure?.Detail, clock.Elapsed);
            }
            case ScannerKind.SpamAssassin:
            {
                var client = new SpamdClient(Options.Create(value.SpamAssassin), loggers.CreateLogger<SpamdClient>());
                var health = await client.PingAsync(cancellationToken).ConfigureAwait(false);
                return new ScannerStatus(kind, client.Endpoint.ToString(), health.IsUp, health.IsUp ? "PONG" : null, health.Failure?.Detail, health.RoundTrip);
            }
            default:
            {
                using var client = new RspamdClient(Options.Create(value.Rspamd), loggers.CreateLogger<RspamdClient>());
                var (health, version) = await client.PingAsync(cancellationToken).ConfigureAwait(false);
                return new ScannerStatus(kind, client.Endpoint, health.IsUp, health.IsUp ? version ?? "pong" : null, health.Failure?.Detail, health.RoundTrip);
            }
        }
    }

    /// <summary>What the options' validators say of the settings (all of them, or one scanner's).</summary>
    public static List<string> Problems(ScannerSettings value, ScannerKind? only = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var problems = new List<string>();
        void Add(ValidateOptionsResult result)
        {
            if (result.Failed) problems.AddRange(result.Failures);
        }
        if (only is null or ScannerKind.ClamAv) Add(new ClamAvOptionsValidator().Validate(null, value.ClamAv ?? new()));
        if (only is null or ScannerKind.SpamAssassin) Add(new SpamAssassinOptionsValidator().Validate(null, value.SpamAssassin ?? new()));
        if (only is null or ScannerKind.Rspamd) Add(new RspamdOptionsValidator().Validate(null, value.Rspamd ?? new()));
        if (only is null && !Enum.IsDefined(value.ScannerDown)) problems.Add($"{FilteringOptions.Section}:ScannerDown must be TempFail or AcceptUnscanned (was {value.ScannerDown}).");
        return problems;
    }

    private ScannerSettings Defaults() => Copy(new ScannerSettings
    {
        ClamAv = clamAv.Value,
        SpamAssassin = spamAssassin.Value,
        Rspamd = rspamd.Value,
        ScannerDown = filtering.Value.ScannerDown,
    });

    private Scanners Build(ScannerSettings value) => new(value,
        new ClamdClient(Options.Create(value.ClamAv), loggers.CreateLogger<ClamdClient>()),
        new SpamdClient(Options.Create(value.SpamAssassin), loggers.CreateLogger<SpamdClient>()),
        new RspamdClient(Options.Create(value.Rspamd), loggers.CreateLogger<RspamdClient>()));

    private static ScannerSettings? Parse(string text)
    {
        try
        {
            var value = JsonSerializer.Deserialize<ScannerSettings>(text, Json);
            // A hand-edited row the scanners could not use: the configuration applies rather than a broken scanner.
            return value is null || Problems(value).Count > 0 ? null : value;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ScannerSettings Copy(ScannerSettings value) => JsonSerializer.Deserialize<ScannerSettings>(JsonSerializer.Serialize(value, Json), Json)!;

    /// <summary>The audit line: what is on and where, never the rspamd password.</summary>
    private static string Describe(ScannerSettings value)
    {
        var clam = value.ClamAv.SocketPath.Length > 0 ? value.ClamAv.SocketPath : $"{value.ClamAv.Address}:{value.ClamAv.Port}";
        return string.Create(CultureInfo.InvariantCulture,
            $"clamd {(value.ClamAv.Enabled ? "on" : "off")} {clam}; spamd {(value.SpamAssassin.Enabled ? "on" : "off")} {value.SpamAssassin.Address}:{value.SpamAssassin.Port}; " +
            $"rspamd {(value.Rspamd.Enabled ? "on" : "off")} {value.Rspamd.Url}; down={value.ScannerDown}");
    }
}
