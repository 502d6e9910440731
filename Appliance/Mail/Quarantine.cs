using System.Data.Common;
using System.Text.Json;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Mailstore;
using Appliance.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace Appliance.Mail;

/// <summary>Why a message was held.</summary>
public static class QuarantineReason
{
    public const string Virus = "virus";
    public const string Spam = "spam";
}

/// <summary>One held copy, as the user's list, the digest and the administrator's page show it.</summary>
public sealed class QuarantineEntry
{
    public string Id { get; init; } = "";
    public long? UserId { get; init; }
    public string Recipient { get; init; } = "";
    public string Sender { get; init; } = "";
    public string Subject { get; init; } = "";
    public string BlobHash { get; init; } = "";
    public long Size { get; init; }
    public string Reason { get; init; } = "";
    public string Detail { get; init; } = "";
    /// <summary>The verdict's symbols as JSON (<see cref="FilterSymbol"/>s).</summary>
    public string Verdict { get; init; } = "[]";
    public string Client { get; init; } = "";
    public DateTimeOffset HeldAt { get; init; }

    public IReadOnlyList<FilterSymbol> Symbols => JsonSerializer.Deserialize<List<FilterSymbol>>(Verdict) ?? [];
}

/// <summary>
/// The one place for held mail, spam and viruses alike (the <c>quarantine</c> table). A held copy keeps its blob
/// until it is released into the recipient's inbox, deleted, or expires after <see cref="FilteringOptions.QuarantineDays"/>.
/// </summary>
public sealed class Quarantine(Database database, GroupCommit commits, MailStore store, MailboxEvents events, MessageLog log, TimeProvider time,
    IOptions<FilteringOptions> options, AddressRules rules, AuditLog audit)
{
    private static readonly Dictionary<string, string> s_sortColumns = new(StringComparer.Ordinal)
    {
        [nameof(QuarantineEntry.HeldAt)] = "held_at",
        [nameof(QuarantineEntry.Recipient)] = "recipient",
        [nameof(QuarantineEntry.Sender)] = "sender",
        [nameof(QuarantineEntry.Subject)] = "subject",
        [nameof(QuarantineEntry.Reason)] = "reason",
    };

    /// <summary>
    /// One page of held mail as the console shows it: an administrator sees everyone's, anyone else only their own
    /// (decided here from the actor, not by the page). Newest first unless sorted; the search matches recipient,
    /// sender, subject and detail.
    /// </summary>
    public async Task<Page<QuarantineEntry>> PageAsync(Actor actor, PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(query);
        var conditions = new List<string>();
        if (!actor.IsAdmin) conditions.Add("recipient = @me COLLATE NOCASE AND user_id IS NOT NULL");
        if (query.HasSearch) conditions.Add("(recipient LIKE @pattern ESCAPE '\\' OR sender LIKE @pattern ESCAPE '\\' OR subject LIKE @pattern ESCAPE '\\' OR detail LIKE @pattern ESCAPE '\\')");
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var args = new { me = actor.Name, pattern = Sql.LikePattern(query.Search), skip = query.SafeSkip, take = query.SafeTake };
        var order = query.OrderBy(s_sortColumns, "held_at DESC, id, recipient", "held_at");
        if (actor.IsAdmin)
        {
            await DemandAsync(actor, "", cancellationToken).ConfigureAwait(false);
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = await connection.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM quarantine {where}", args).ConfigureAwait(false);
        var items = await connection.QueryAsync<QuarantineEntry>($"SELECT {Columns} FROM quarantine {where} ORDER BY {order} LIMIT @take OFFSET @skip", args).ConfigureAwait(false);
        return new Page<QuarantineEntry>(items.AsList(), total);
    }

    /// <summary>Releases a held copy for the console: its recipient may, or an administrator. Audited.</summary>
    public async Task ReleaseAsync(Actor actor, string id, string recipient, CancellationToken cancellationToken = default)
    {
        await DemandAsync(actor, recipient, cancellationToken).ConfigureAwait(false);
        if (!await ReleaseAsync(id, recipient, cancellationToken).ConfigureAwait(false))
        {
            throw new AccountException("Quarantine.Gone");
        }
        await AuditAsync(actor, "quarantine.release", $"{id} {recipient}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a held copy for the console: its recipient may, or an administrator. Audited.</summary>
    public async Task DeleteAsync(Actor actor, string id, string recipient, CancellationToken cancellationToken = default)
    {
        await DemandAsync(actor, recipient, cancellationToken).ConfigureAwait(false);
        if (!await DeleteAsync(id, recipient, cancellationToken).ConfigureAwait(false))
        {
            throw new AccountException("Quarantine.Gone");
        }
        await AuditAsync(actor, "quarantine.delete", $"{id} {recipient}", cancellationToken).ConfigureAwait(false);
    }

    private Task AuditAsync(Actor actor, string action, string target, CancellationToken cancellationToken) =>
        database.InTransactionAsync((connection, transaction) => audit.WriteAsync(connection, transaction, actor, action, target), cancellationToken);

    private async Task DemandAsync(Actor actor, string recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(recipient);
        if (actor.IsAdmin)
        {
            // The claim is checked against the database: an administrator demoted since signing in is one no more.
            await database.InTransactionAsync((connection, transaction) => rules.DemandAdministratorAsync(connection, transaction, actor), cancellationToken).ConfigureAwait(false);
        }
        else if (!string.Equals(actor.Name, recipient, StringComparison.OrdinalIgnoreCase))
        {
            throw new ForbiddenException();
        }
    }

    /// <summary>Records one held copy in the caller's transaction; the blob is registered by the caller.</summary>
    public static Task HoldAsync(DbConnection connection, DbTransaction transaction, QuarantineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return connection.ExecuteAsync("""
            INSERT INTO quarantine(id, user_id, recipient, sender, subject, blob_hash, size, reason, detail, verdict, client, held_at)
            VALUES (@Id, @UserId, @Recipient, @Sender, @Subject, @BlobHash, @Size, @Reason, @Detail, @Verdict, @Client, @HeldAt)
            ON CONFLICT(id, recipient) DO NOTHING
            """, entry, transaction);
    }

    /// <summary>The verdict as the table keeps it.</summary>
    public static string ToJson(Verdict verdict) => JsonSerializer.Serialize(verdict?.Symbols ?? []);

    /// <summary>Held copies, newest first: one user's, or everyone's for an administrator (<paramref name="userId"/> null).</summary>
    public async Task<IReadOnlyList<QuarantineEntry>> ListAsync(long? userId, int limit = 500, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var sql = userId is null
            ? $"SELECT {Columns} FROM quarantine ORDER BY held_at DESC LIMIT @limit"
            : $"SELECT {Columns} FROM quarantine WHERE user_id = @userId ORDER BY held_at DESC LIMIT @limit";
        return (await connection.QueryAsync<QuarantineEntry>(sql, new { userId, limit }).ConfigureAwait(false)).AsList();
    }

    /// <summary>Copies held for users here (not for administrators only) after <paramref name="since"/> up to <paramref name="until"/>, oldest first: what a digest lists.</summary>
    public async Task<IReadOnlyList<QuarantineEntry>> HeldBetweenAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<QuarantineEntry>(
            $"SELECT {Columns} FROM quarantine WHERE user_id IS NOT NULL AND held_at > @since AND held_at <= @until ORDER BY recipient, held_at",
            new { since, until }).ConfigureAwait(false)).AsList();
    }

    public async Task<QuarantineEntry?> FindAsync(string id, string recipient, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<QuarantineEntry>(
            $"SELECT {Columns} FROM quarantine WHERE id = @id AND recipient = @recipient COLLATE NOCASE", new { id, recipient }).ConfigureAwait(false);
    }

    /// <summary>
    /// Delivers a held copy into its recipient's inbox and removes it from the quarantine, in one transaction, so
    /// that it is in exactly one of the two. Only a copy held for a user here can be released; false when there is none.
    /// </summary>
    public async Task<bool> ReleaseAsync(string id, string recipient, CancellationToken cancellationToken = default)
    {
        var entry = await FindAsync(id, recipient, cancellationToken).ConfigureAwait(false);
        if (entry?.UserId is not { } userId)
        {
            return false;
        }
        long inbox = 0;
        var released = false;
        await commits.RunAsync(async (connection, transaction) =>
        {
            var deleted = await connection.ExecuteAsync("DELETE FROM quarantine WHERE id = @Id AND recipient = @Recipient", entry, transaction).ConfigureAwait(false);
            if (deleted == 0)
            {
                return;
            }
            // The row's delete dropped the blob's count; the new message takes it up again in the same transaction.
            inbox = await store.EnsureInboxAsync(connection, transaction, userId).ConfigureAwait(false);
            await store.AppendAsync(connection, transaction, inbox, new BlobRef(entry.BlobHash, entry.Size), time.GetUtcNow()).ConfigureAwait(false);
            await log.WriteAsync(connection, transaction, MessageStatus.Delivered, entry.Sender, entry.Recipient, entry.Client, "", entry.Size, $"id={entry.Id}; released from quarantine").ConfigureAwait(false);
            released = true;
        }, cancellationToken).ConfigureAwait(false);
        if (released)
        {
            events.Changed([inbox]);
        }
        return released;
    }

    public async Task<bool> DeleteAsync(string id, string recipient, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await commits.RunAsync(async (connection, transaction) =>
            deleted = await connection.ExecuteAsync("DELETE FROM quarantine WHERE id = @id AND recipient = @recipient COLLATE NOCASE", new { id, recipient }, transaction).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return deleted > 0;
    }

    /// <summary>Deletes copies held longer than the retention; returns how many went.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.QuarantineDays);
        var deleted = 0;
        await commits.RunAsync(async (connection, transaction) =>
            deleted = await connection.ExecuteAsync("DELETE FROM quarantine WHERE held_at < @cutoff", new { cutoff }, transaction).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private const string Columns =
        "id AS Id, user_id AS UserId, recipient AS Recipient, sender AS Sender, subject AS Subject, blob_hash AS BlobHash, size AS Size, " +
        "reason AS Reason, detail AS Detail, verdict AS Verdict, client AS Client, held_at AS HeldAt";
}
