using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Mail;

public static class MessageStatus
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Delivered = "delivered";
    public const string Deferred = "deferred";
    public const string Bounced = "bounced";
    /// <summary>Held in the quarantine (a virus, or spam when the action says so), not delivered.</summary>
    public const string Quarantined = "quarantined";
}

public sealed class MessageLogEntry
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public string Status { get; init; } = "";
    public string Sender { get; init; } = "";
    public string Recipient { get; init; } = "";
    public string Remote { get; init; } = "";
    public string MessageId { get; init; } = "";
    public long Size { get; init; }
    public string Detail { get; init; } = "";
}

/// <summary>What happened to each message and recipient: accepted, rejected (and why), delivered, deferred, bounced.</summary>
public sealed class MessageLog(Database database, TimeProvider time)
{
    public async Task WriteAsync(string status, string sender, string recipient, string remote = "", string messageId = "", long size = 0, string detail = "", CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await WriteAsync(connection, null, status, sender, recipient, remote, messageId, size, detail).ConfigureAwait(false);
    }

    public Task WriteAsync(DbConnection connection, DbTransaction? transaction, string status, string sender, string recipient, string remote = "", string messageId = "", long size = 0, string detail = "")
    {
        ArgumentNullException.ThrowIfNull(connection);
        // Once per delivered copy: a statement kept prepared on the writer's connection.
        return Statements.ExecuteAsync(connection, transaction, """
            INSERT INTO message_log(at, status, sender, recipient, remote, message_id, size, detail)
            VALUES (@at, @status, @sender, @recipient, @remote, @messageId, @size, @detail)
            """, ("@at", time.GetUtcNow()), ("@status", status), ("@sender", sender), ("@recipient", recipient), ("@remote", remote), ("@messageId", messageId), ("@size", size), ("@detail", Truncate(detail, 1000)));
    }

    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(MessageLogEntry.At)] = "id",
        [nameof(MessageLogEntry.Status)] = "status",
        [nameof(MessageLogEntry.Sender)] = "sender",
        [nameof(MessageLogEntry.Recipient)] = "recipient",
        [nameof(MessageLogEntry.Remote)] = "remote",
    };

    /// <summary>
    /// One page for an administrator, newest first unless sorted; the filters are those of
    /// <see cref="ListAsync"/> (search, status, and a time range with <paramref name="to"/> excluded).
    /// </summary>
    public async Task<Page<MessageLogEntry>> PageAsync(Accounts.Actor actor, PageQuery query, string? status, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(query);
        actor.DemandAdministrator();
        var where = Filter(query.Search, status, from, to);
        var args = new { pattern = Sql.LikePattern(query.Search), status, from, to, skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "id DESC", "id");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM message_log {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<MessageLogEntry>(
            $"SELECT id, at, status, sender, recipient, remote, message_id, size, detail FROM message_log {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return new Page<MessageLogEntry>(items.AsList(), total);
    }

    private static string Filter(string? search, string? status, DateTimeOffset? from, DateTimeOffset? to)
    {
        var conditions = new List<string>();
        if (!string.IsNullOrWhiteSpace(search))
        {
            conditions.Add("(sender LIKE @pattern ESCAPE '\\' OR recipient LIKE @pattern ESCAPE '\\' OR message_id LIKE @pattern ESCAPE '\\' OR detail LIKE @pattern ESCAPE '\\')");
        }
        if (!string.IsNullOrWhiteSpace(status)) conditions.Add("status = @status");
        if (from is not null) conditions.Add("at >= @from");
        if (to is not null) conditions.Add("at < @to");
        return conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
    }

    /// <summary>Newest first; <paramref name="search"/> matches sender, recipient, message id or detail.</summary>
    public async Task<(IReadOnlyList<MessageLogEntry> Items, int Total)> ListAsync(string? search, string? status, DateTimeOffset? from, DateTimeOffset? to, int skip, int take, CancellationToken cancellationToken = default)
    {
        var where = Filter(search, status, from, to);
        var args = new { pattern = Sql.LikePattern(search), status, from, to, skip, take };
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM message_log {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<MessageLogEntry>(
            $"SELECT id, at, status, sender, recipient, remote, message_id, size, detail FROM message_log {where} ORDER BY id DESC LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return (items.AsList(), total);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
