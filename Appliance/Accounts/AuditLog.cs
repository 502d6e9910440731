using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Accounts;

public sealed class AuditEntry
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public string Actor { get; init; } = "";
    public string Action { get; init; } = "";
    public string Target { get; init; } = "";
    public string Detail { get; init; } = "";
}

/// <summary>
/// Who changed what, and when. Entries are written in the same transaction as the change they
/// describe, so the log never claims a change that did not happen, nor misses one that did.
/// </summary>
public sealed class AuditLog(Database database, TimeProvider time)
{
    public Task WriteAsync(DbConnection connection, DbTransaction transaction, Actor actor, string action, string target, string detail = "")
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(actor);
        return connection.ExecuteAsync(
            "INSERT INTO audit_log(at, actor, action, target, detail) VALUES (@at, @actor, @action, @target, @detail)",
            new { at = time.GetUtcNow(), actor = actor.Name, action, target, detail }, transaction);
    }

    /// <summary>Newest first; <paramref name="search"/> matches actor, action, target or detail.</summary>
    public async Task<(IReadOnlyList<AuditEntry> Items, int Total)> ListAsync(string? search, int skip, int take, CancellationToken cancellationToken = default)
    {
        var where = string.IsNullOrWhiteSpace(search) ? "" : "WHERE actor LIKE @pattern ESCAPE '\\' OR action LIKE @pattern ESCAPE '\\' OR target LIKE @pattern ESCAPE '\\' OR detail LIKE @pattern ESCAPE '\\'";
        var args = new { pattern = Sql.LikePattern(search), skip, take };
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM audit_log {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<AuditEntry>(
            $"SELECT id, at, actor, action, target, detail FROM audit_log {where} ORDER BY id DESC LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return (items.AsList(), total);
    }
}
