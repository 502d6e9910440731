using Dapper;

namespace Appliance.Storage;

/// <summary>Small server-wide settings (host name, language, setup state) in the <c>settings</c> table.</summary>
public sealed class SettingsRepository(Database database)
{
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>("SELECT value FROM settings WHERE key = @key", new { key }).ConfigureAwait(false);
    }

    /// <summary>Inserts a setting in the caller's transaction; fails (SQLite constraint) if it exists.</summary>
    public Task InsertAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string key, string value) =>
        connection.ExecuteAsync("INSERT INTO settings(key, value) VALUES (@key, @value)", new { key, value }, transaction);

    public Task<string?> GetAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string key) =>
        connection.ExecuteScalarAsync<string?>("SELECT value FROM settings WHERE key = @key", new { key }, transaction);

    public async Task SetAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "INSERT INTO settings(key, value) VALUES (@key, @value) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            new { key, value }).ConfigureAwait(false);
    }
}
