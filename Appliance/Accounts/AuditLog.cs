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

    /// <summary>The areas an entry's action starts with ("user.add" is in "user"), for the console's filter.</summary>
    public static IReadOnlyList<string> Areas { get; } = ["setup", "domain", "user", "alias", "group", "queue"];

    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(AuditEntry.At)] = "id",
        [nameof(AuditEntry.Actor)] = "actor",
        [nameof(AuditEntry.Action)] = "action",
        [nameof(AuditEntry.Target)] = "target",
    };

    /// <summary>
    /// One page for an administrator, newest first unless sorted; <see cref="PageQuery.Search"/> matches actor,
    /// action, target or detail, and <paramref name="area"/> (one of <see cref="Areas"/>) keeps that area's actions.
    /// </summary>
    public async Task<Page<AuditEntry>> PageAsync(Actor actor, PageQuery query, string? area = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(query);
        actor.DemandAdministrator();
        var conditions = new List<string>();
        if (query.HasSearch)
        {
            conditions.Add("(actor LIKE @pattern ESCAPE '\\' OR action LIKE @pattern ESCAPE '\\' OR target LIKE @pattern ESCAPE '\\' OR detail LIKE @pattern ESCAPE '\\')");
        }
        if (area is not null && Areas.Contains(area))
        {
            conditions.Add("action LIKE @areaPattern");
        }
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var args = new { pattern = Sql.LikePattern(query.Search), areaPattern = area + ".%", skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "id DESC", "id");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM audit_log {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<AuditEntry>(
            $"SELECT id, at, actor, action, target, detail FROM audit_log {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return new Page<AuditEntry>(items.AsList(), total);
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
