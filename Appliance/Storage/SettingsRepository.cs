using Dapper;

namespace Appliance.Storage;

/// <summary>Small server-wide settings (host name, language, setup state) in the <c>settings</c> table.</summary>
public sealed class SettingsRepository(Database database)
{
    // Values read by GetRecentAsync: key → (value, when read). Changes through this repository drop the entry.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string? Value, long At)> _recent = new(StringComparer.Ordinal);

    /// <summary>
    /// The setting as read at most <paramref name="maxAge"/> ago: for values read per message or per connection
    /// (the host name), where a database read each time costs more than the message's own rows. A change made
    /// through this repository shows at once; one made by another process (the command line) within maxAge.
    /// </summary>
    public async Task<string?> GetRecentAsync(string key, TimeSpan maxAge, CancellationToken cancellationToken = default)
    {
        if (_recent.TryGetValue(key, out var seen) && Environment.TickCount64 - seen.At <= (long)maxAge.TotalMilliseconds)
        {
            return seen.Value;
        }
        var value = await GetAsync(key, cancellationToken).ConfigureAwait(false);
        _recent[key] = (value, Environment.TickCount64);
        return value;
    }

    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>("SELECT value FROM settings WHERE key = @key", new { key }).ConfigureAwait(false);
    }

    /// <summary>Inserts a setting in the caller's transaction; fails (SQLite constraint) if it exists.</summary>
    public Task InsertAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string key, string value)
    {
        _recent.TryRemove(key, out _);
        return connection.ExecuteAsync("INSERT INTO settings(key, value) VALUES (@key, @value)", new { key, value }, transaction);
    }

    public Task<string?> GetAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string key) =>
        connection.ExecuteScalarAsync<string?>("SELECT value FROM settings WHERE key = @key", new { key }, transaction);

    /// <summary>Inserts or replaces a setting in the caller's transaction, so that a change and its audit entry commit together.</summary>
    public async Task SetAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string key, string value)
    {
        await connection.ExecuteAsync(
            "INSERT INTO settings(key, value) VALUES (@key, @value) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            new { key, value }, transaction).ConfigureAwait(false);
        _recent.TryRemove(key, out _);
    }

    public async Task SetAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "INSERT INTO settings(key, value) VALUES (@key, @value) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            new { key, value }).ConfigureAwait(false);
        _recent.TryRemove(key, out _);
    }
}
