using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Accounts;
using Appliance.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Junk;

/// <summary>
/// The junk settings: each domain's (JSON in the settings table, as the UCE policy is) and each user's (migration 22:
/// <c>user_junk_settings</c>, <c>user_junk_senders</c>). A user's methods take the user's id, which callers derive
/// from the signed-in user, never from what a browser sends: a user changes only their own lists.
/// </summary>
public sealed class JunkSettingsStore(Database database, SettingsRepository settings, IOptions<JunkOptions> options, TimeProvider time)
{
    public static string DomainKey(string domain) => "junk.domain." + (domain ?? "").ToLowerInvariant();

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, Converters = { new JsonStringEnumConverter() } };

    public async Task<DomainJunkSettings> GetDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var text = await settings.GetRecentAsync(DomainKey(domain), TimeSpan.FromSeconds(options.Value.SettingsCacheSeconds), cancellationToken).ConfigureAwait(false);
        if (text is null) return new DomainJunkSettings();
        try
        {
            return JsonSerializer.Deserialize<DomainJunkSettings>(text, Json) ?? new DomainJunkSettings();
        }
        catch (JsonException)
        {
            // A hand-edited row that does not parse: the server's settings apply rather than none.
            return new DomainJunkSettings();
        }
    }

    /// <summary>Saves a domain's spam actions (administrators only); refuses settings the delivery could not apply.</summary>
    public async Task SaveDomainAsync(Actor actor, string domain, DomainJunkSettings value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(value);
        actor.DemandAdministrator();
        if (JunkSettingsValidation.Problem(value) is { } problem) throw new AccountException("Protection.Invalid", problem);
        await settings.SetAsync(DomainKey(domain), JsonSerializer.Serialize(value, Json), cancellationToken).ConfigureAwait(false);
    }

    public async Task<UserJunkSettings> GetUserAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var results = await connection.QueryMultipleAsync(new CommandDefinition("""
            SELECT junk_score, action FROM user_junk_settings WHERE user_id = @userId;
            SELECT entry, kind, created_at FROM user_junk_senders WHERE user_id = @userId ORDER BY entry;
            """, new { userId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var own = await results.ReadSingleOrDefaultAsync<(double? Score, string? Action)>().ConfigureAwait(false);
        var senders = (await results.ReadAsync<(string Entry, string Kind, string CreatedAt)>().ConfigureAwait(false))
            .Select(r => new SenderEntry(r.Entry, r.Kind == "block" ? SenderListKind.Block : SenderListKind.Allow,
                DateTimeOffset.Parse(r.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)))
            .ToList();
        return new UserJunkSettings(own.Score, own.Action is { } a ? Enum.Parse<SpamAction>(a) : null, senders);
    }

    /// <summary>The user's own threshold and action; null for either follows the domain.</summary>
    public async Task SaveUserAsync(long userId, double? junkScore, SpamAction? action, CancellationToken cancellationToken = default)
    {
        if (junkScore is { } score && !JunkSettingsValidation.IsScore(score))
        {
            throw new AccountException("Junk.Error.Threshold", JunkSettingsValidation.MinScore, JunkSettingsValidation.MaxScore);
        }
        if (action is { } chosen && chosen is not (SpamAction.Junk or SpamAction.Quarantine))
        {
            throw new AccountException("Junk.Error.Action");
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO user_junk_settings(user_id, junk_score, action) VALUES (@userId, @junkScore, @action)
            ON CONFLICT(user_id) DO UPDATE SET junk_score = excluded.junk_score, action = excluded.action
            """, new { userId, junkScore, action = action?.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts <paramref name="text"/> (an address or <c>@domain</c>) on the user's allow or block list, taking it off the
    /// other: a sender is allowed or blocked, never both. Returns the entry as stored.
    /// </summary>
    public async Task<string> AddSenderAsync(long userId, string text, SenderListKind kind, CancellationToken cancellationToken = default)
    {
        if (!SenderEntry.TryNormalize(text, out var entry)) throw new AccountException("Junk.Error.Entry", text ?? "");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM user_junk_senders WHERE user_id = @userId AND entry <> @entry", new { userId, entry }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (count >= options.Value.MaxSenders) throw new AccountException("Junk.Error.TooMany", options.Value.MaxSenders);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO user_junk_senders(user_id, entry, kind, created_at) VALUES (@userId, @entry, @kind, @now)
            ON CONFLICT(user_id, entry) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at
            """, new { userId, entry, kind = Kind(kind), now = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return entry;
    }

    /// <summary>Takes an entry off the user's lists; false when it was on neither.</summary>
    public async Task<bool> RemoveSenderAsync(long userId, string entry, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM user_junk_senders WHERE user_id = @userId AND entry = @entry", new { userId, entry = (entry ?? "").ToLowerInvariant() },
            cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    private static string Kind(SenderListKind kind) => kind == SenderListKind.Block ? "block" : "allow";
}
