using System.Collections.Concurrent;
using System.Text.Json;
using Appliance.Accounts;
using Appliance.Storage;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Uce;

/// <summary>
/// The UCE policy the console edits: the server's (<see cref="ServerKey"/>) and each domain's (<see cref="DomainKey"/>),
/// JSON in the settings table, read through a short cache (<see cref="UceOptions.SettingsCacheSeconds"/>) because
/// every connection reads them. Until the console saves the server's, <c>Appliance:Uce</c> is the policy.
/// </summary>
public sealed class UceSettingsStore(SettingsRepository settings, IOptions<UceOptions> options)
{
    public const string ServerKey = "uce.server";

    public static string DomainKey(string domain) => "uce.domain." + (domain ?? "").ToLowerInvariant();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, PropertyNameCaseInsensitive = true };

    // Parsed JSON by key, with the text it came from: parsing once per change, not once per connection.
    private readonly ConcurrentDictionary<string, (string Text, object Value)> _parsed = new(StringComparer.Ordinal);

    private TimeSpan MaxAge => TimeSpan.FromSeconds(options.Value.SettingsCacheSeconds);

    public async Task<UceSettings> GetServerAsync(CancellationToken cancellationToken = default)
    {
        var text = await settings.GetRecentAsync(ServerKey, MaxAge, cancellationToken).ConfigureAwait(false);
        return text is null ? options.Value : Parse<UceSettings>(ServerKey, text) ?? options.Value;
    }

    public async Task<UceDomainSettings> GetDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var key = DomainKey(domain);
        var text = await settings.GetRecentAsync(key, MaxAge, cancellationToken).ConfigureAwait(false);
        return text is null ? new UceDomainSettings() : Parse<UceDomainSettings>(key, text) ?? new UceDomainSettings();
    }

    /// <summary>Saves the server's policy (administrators only); refuses, with the first problem named, one the checks could not apply.</summary>
    public async Task SaveServerAsync(Actor actor, UceSettings value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(value);
        if (!actor.IsAdmin) throw new ForbiddenException();
        var problems = UceSettingsValidation.Problems(value);
        if (problems.Count > 0) throw new AccountException("Protection.Invalid", problems[0]);
        // Serialized as the policy alone, even when handed the options (which carry operational settings too).
        await settings.SetAsync(ServerKey, JsonSerializer.Serialize(value, typeof(UceSettings), Json), cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveDomainAsync(Actor actor, string domain, UceDomainSettings value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(value);
        if (!actor.IsAdmin) throw new ForbiddenException();
        var bad = value.Allow.Concat(value.Deny).Where(e => !AccessEntry.TryParse(e, out _)).ToArray();
        if (bad.Length > 0) throw new AccountException("Protection.Invalid", $"not an address, network, domain or mail address: {string.Join(", ", bad)}");
        await settings.SetAsync(DomainKey(domain), JsonSerializer.Serialize(value, Json), cancellationToken).ConfigureAwait(false);
    }

    private T? Parse<T>(string key, string text) where T : class
    {
        if (_parsed.TryGetValue(key, out var seen) && ReferenceEquals(seen.Text, text) && seen.Value is T cached) return cached;
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(text, Json);
        }
        catch (JsonException)
        {
            // A hand-edited row that does not parse: the configured defaults apply rather than no protection.
            value = null;
        }
        if (value is not null) _parsed[key] = (text, value);
        return value;
    }
}
