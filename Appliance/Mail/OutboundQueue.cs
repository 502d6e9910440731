using System.Data.Common;
using Appliance.Storage;
using Dapper;

namespace Appliance.Mail;

public sealed class QueuedRecipient
{
    public long Id { get; init; }
    public long MessageId { get; init; }
    public string Recipient { get; init; } = "";
    public string Domain { get; init; } = "";
    public int Attempts { get; init; }
    public DateTimeOffset NextAttemptAt { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    public string? LastError { get; init; }
    public string Sender { get; init; } = "";
    public string BlobHash { get; init; } = "";
    public long Size { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool IsBounce { get; init; }
}

/// <summary>How much mail waits to leave: recipients queued, those already deferred once or more, and the oldest message's arrival.</summary>
public sealed class QueueSummary
{
    public int Total { get; init; }
    public int Deferred { get; init; }
    public DateTimeOffset? Oldest { get; init; }
}

/// <summary>
/// Mail waiting to leave (the <c>queue_messages</c> and <c>queue_recipients</c> tables). A row is
/// written in the transaction that accepts the message, and removed once its recipient is delivered or
/// bounced; the message and its blob reference go with the last recipient (triggers).
/// </summary>
public sealed class OutboundQueue(Database database, TimeProvider time)
{
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public async Task<long> EnqueueAsync(DbConnection connection, DbTransaction transaction, BlobRef blob, string sender, IEnumerable<string> recipients, bool isBounce)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(recipients);
        var now = time.GetUtcNow();
        var id = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO queue_messages(blob_hash, size, sender, created_at, is_bounce) VALUES (@hash, @size, @sender, @now, @isBounce) RETURNING id
            """, new { hash = blob.Hash, size = blob.Size, sender, now, isBounce }, transaction).ConfigureAwait(false);
        foreach (var recipient in recipients)
        {
            var domain = recipient[(recipient.LastIndexOf('@') + 1)..].ToLowerInvariant();
            await connection.ExecuteAsync("""
                INSERT INTO queue_recipients(message_id, recipient, domain, next_attempt_at) VALUES (@id, @recipient, @domain, @now)
                """, new { id, recipient, domain, now }, transaction).ConfigureAwait(false);
        }
        return id;
    }

    /// <summary>Tells the queue runner there is new work (after the accepting transaction committed).</summary>
    public void Wake() => _wake.Release();

    /// <summary>Waits until woken or until <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _wake.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        // Several wakes for one batch are one pass of work.
        while (_wake.CurrentCount > 0 && await _wake.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    private const string Select = """
        SELECT r.id, r.message_id, r.recipient, r.domain, r.attempts, r.next_attempt_at, r.last_attempt_at, r.last_error,
               m.sender, m.blob_hash, m.size, m.created_at, m.is_bounce
        FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
        """;

    public async Task<IReadOnlyList<QueuedRecipient>> DueAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<QueuedRecipient>($"{Select} WHERE r.next_attempt_at <= @now ORDER BY r.next_attempt_at LIMIT @limit",
            new { now = time.GetUtcNow(), limit }).ConfigureAwait(false)).AsList();
    }

    public async Task<(IReadOnlyList<QueuedRecipient> Items, int Total)> ListAsync(string? search, int skip, int take, CancellationToken cancellationToken = default)
    {
        var where = string.IsNullOrWhiteSpace(search) ? "" : "WHERE r.recipient LIKE @pattern ESCAPE '\\' OR m.sender LIKE @pattern ESCAPE '\\' OR r.last_error LIKE @pattern ESCAPE '\\'";
        var args = new { pattern = Sql.LikePattern(search), skip, take };
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<QueuedRecipient>($"{Select} {where} ORDER BY r.next_attempt_at LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return (items.AsList(), total);
    }

    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(QueuedRecipient.Recipient)] = "r.recipient",
        [nameof(QueuedRecipient.Sender)] = "m.sender",
        [nameof(QueuedRecipient.Attempts)] = "r.attempts",
        [nameof(QueuedRecipient.NextAttemptAt)] = "r.next_attempt_at",
        [nameof(QueuedRecipient.LastError)] = "r.last_error",
        [nameof(QueuedRecipient.CreatedAt)] = "m.created_at",
    };

    /// <summary>
    /// One page for an administrator, the next due first unless sorted; <see cref="PageQuery.Search"/> matches
    /// recipient, sender or the last error.
    /// </summary>
    public async Task<Page<QueuedRecipient>> PageAsync(Accounts.Actor actor, PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(query);
        actor.DemandAdministrator();
        var where = query.HasSearch ? "WHERE r.recipient LIKE @pattern ESCAPE '\\' OR m.sender LIKE @pattern ESCAPE '\\' OR r.last_error LIKE @pattern ESCAPE '\\'" : "";
        var args = new { pattern = Sql.LikePattern(query.Search), skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "r.next_attempt_at, r.id", "r.id");
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<QueuedRecipient>($"{Select} {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return new Page<QueuedRecipient>(items.AsList(), total);
    }

    /// <summary>Delivered or bounced: the recipient leaves the queue (and the message with its last one).</summary>
    public async Task RemoveAsync(long recipientId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM queue_recipients WHERE id = @recipientId", new { recipientId }).ConfigureAwait(false);
    }

    public async Task DeferAsync(long recipientId, DateTimeOffset next, string error, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("""
            UPDATE queue_recipients SET attempts = attempts + 1, next_attempt_at = @next, last_attempt_at = @now, last_error = @error WHERE id = @recipientId
            """, new { recipientId, next, now = time.GetUtcNow(), error }).ConfigureAwait(false);
    }

    /// <summary>"Retry now": the recipient is due at once.</summary>
    public async Task RetryNowAsync(long recipientId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE queue_recipients SET next_attempt_at = @now WHERE id = @recipientId", new { recipientId, now = time.GetUtcNow() }).ConfigureAwait(false);
        Wake();
    }

    /// <summary>An administrator retries a queued recipient now (console), recorded in the audit log.</summary>
    public async Task RetryNowAsync(Accounts.Actor actor, long recipientId, Accounts.AddressRules rules, Accounts.AuditLog audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(audit);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var recipient = await connection.ExecuteScalarAsync<string?>("SELECT recipient FROM queue_recipients WHERE id = @recipientId", new { recipientId }, transaction).ConfigureAwait(false)
                ?? throw new Accounts.AccountException("Queue.Gone");
            await connection.ExecuteAsync("UPDATE queue_recipients SET next_attempt_at = @now WHERE id = @recipientId", new { recipientId, now = time.GetUtcNow() }, transaction).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "queue.retry", recipient).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Wake();
    }

    /// <summary>An administrator deletes a queued recipient: it is neither delivered nor bounced. Audited.</summary>
    public async Task DeleteAsync(Accounts.Actor actor, long recipientId, Accounts.AddressRules rules, Accounts.AuditLog audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(audit);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var recipient = await connection.ExecuteScalarAsync<string?>("SELECT recipient FROM queue_recipients WHERE id = @recipientId", new { recipientId }, transaction).ConfigureAwait(false)
                ?? throw new Accounts.AccountException("Queue.Gone");
            await connection.ExecuteAsync("DELETE FROM queue_recipients WHERE id = @recipientId", new { recipientId }, transaction).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "queue.delete", recipient).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The queue at a glance (the administrator's dashboard): how many recipients wait, how many of them were already deferred, since when.</summary>
    public async Task<QueueSummary> SummaryAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleAsync<QueueSummary>("""
            SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN r.attempts > 0 THEN 1 ELSE 0 END), 0) AS deferred, MIN(m.created_at) AS oldest
            FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
            """).ConfigureAwait(false);
    }
}
