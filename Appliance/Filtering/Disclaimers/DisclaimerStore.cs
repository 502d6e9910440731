using System.Text.Json;
using Appliance.Storage;

namespace Appliance.Filtering.Disclaimers;

/// <summary>
/// Each domain's disclaimer as JSON in the settings table (<c>disclaimer.domain.&lt;domain&gt;</c>), as the UCE policy is
/// kept (UceSettingsStore), read through the settings' short cache because every outgoing message reads it.
/// </summary>
public sealed class DisclaimerStore(SettingsRepository settings)
{
    /// <summary>How stale a disclaimer may be when the console of another process changed it.</summary>
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);

    /// <summary>The most of each disclaimer kept: a footer, not a newsletter.</summary>
    public const int MaxLength = 8000;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static string Key(string domain) => "disclaimer.domain." + (domain ?? "").Trim().TrimEnd('.').ToLowerInvariant();

    public async Task<DisclaimerSettings> GetAsync(string domain, CancellationToken cancellationToken = default)
    {
        var text = await settings.GetRecentAsync(Key(domain), MaxAge, cancellationToken).ConfigureAwait(false);
        return Parse(text);
    }

    /// <summary>Writes the domain's disclaimer in the caller's transaction (with its audit entry).</summary>
    internal Task SaveAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string domain, DisclaimerSettings value) =>
        settings.SetAsync(connection, transaction, Key(domain), JsonSerializer.Serialize(value, Json));

    private static DisclaimerSettings Parse(string? text)
    {
        if (text is null)
        {
            return DisclaimerSettings.None;
        }
        try
        {
            return JsonSerializer.Deserialize<DisclaimerSettings>(text, Json) ?? DisclaimerSettings.None;
        }
        catch (JsonException)
        {
            // A hand-edited row that does not parse: mail leaves without a disclaimer rather than not at all.
            return DisclaimerSettings.None;
        }
    }
}
