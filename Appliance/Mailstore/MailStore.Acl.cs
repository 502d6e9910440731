using Dapper;

namespace Appliance.Mailstore;

/// <summary>A mailbox of another user that someone may see, with their rights on it.</summary>
public sealed class SharedMailbox
{
    public long Id { get; init; }
    public long OwnerId { get; init; }
    public string Owner { get; init; } = "";
    public string Name { get; init; } = "";
    public string Rights { get; init; } = "";

    /// <summary>Readers other than the owner keep their own \Seen here (migration 15).</summary>
    public bool PrivateSeen { get; init; }
}

/// <summary>RFC 4314 access control lists on mailboxes.</summary>
public sealed partial class MailStore
{
    /// <summary>Every right there is; an owner has them all.</summary>
    public const string AllRights = "lrswipkxtea";
    public const string Anyone = "anyone";

    /// <summary>
    /// Normalizes a rights string: known letters once each in canonical order; the obsolete "c" and "d"
    /// of RFC 2086 become "kx" and "etx" (RFC 4314 §2.1.1). Null when a letter is unknown.
    /// </summary>
    public static string? NormalizeRights(string rights)
    {
        ArgumentNullException.ThrowIfNull(rights);
        var letters = new HashSet<char>();
        foreach (var c in rights)
        {
            switch (c)
            {
                case 'c': letters.UnionWith("kx"); break;
                case 'd': letters.UnionWith("etx"); break;
                case var r when AllRights.Contains(r): letters.Add(r); break;
                case >= '0' and <= '9': break; // RFC 4314 §2.1: implementation-defined rights, none here
                default: return null;
            }
        }
        return new string([.. AllRights.Where(letters.Contains)]);
    }

    /// <summary>
    /// The rights of <paramref name="address"/> on a mailbox: all for its owner (for a public folder,
    /// for administrators), else their entry joined with "anyone".
    /// </summary>
    public async Task<string> RightsAsync(long mailboxId, long userId, string address, bool isAdmin = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var found = (await connection.QueryAsync<(long Id, long? Owner)>("SELECT id, user_id FROM mailboxes WHERE id = @mailboxId", new { mailboxId }).ConfigureAwait(false)).ToList();
        if (found.Count == 0)
        {
            return "";
        }
        var owner = found[0].Owner;
        if (owner == userId || (owner is null && isAdmin))
        {
            return AllRights;
        }
        var rights = await connection.QueryAsync<string>("SELECT rights FROM mailbox_acl WHERE mailbox_id = @mailboxId AND identifier IN (@address, 'anyone')",
            new { mailboxId, address = address.ToLowerInvariant() }).ConfigureAwait(false);
        return NormalizeRights(string.Concat(rights)) ?? "";
    }

    public async Task<IReadOnlyList<(string Identifier, string Rights)>> AclAsync(long mailboxId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<(string, string)>("SELECT identifier, rights FROM mailbox_acl WHERE mailbox_id = @mailboxId ORDER BY identifier",
            new { mailboxId }).ConfigureAwait(false)).AsList();
    }

    /// <summary>Sets (or with empty rights removes) an identifier's entry.</summary>
    public async Task SetAclAsync(long mailboxId, string identifier, string rights, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(rights.Length == 0
            ? "DELETE FROM mailbox_acl WHERE mailbox_id = @mailboxId AND identifier = @identifier"
            : "INSERT INTO mailbox_acl(mailbox_id, identifier, rights) VALUES (@mailboxId, @identifier, @rights) ON CONFLICT DO UPDATE SET rights = excluded.rights",
            new { mailboxId, identifier = identifier.ToLowerInvariant(), rights }).ConfigureAwait(false);
    }

    /// <summary>Other users' mailboxes that <paramref name="address"/> (or anyone) may at least look up.</summary>
    public async Task<IReadOnlyList<SharedMailbox>> SharedWithAsync(long userId, string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<SharedMailbox>("""
            SELECT b.id, b.user_id AS owner_id, u.address AS owner, b.name, group_concat(a.rights, '') AS rights, b.private_seen
            FROM mailbox_acl a JOIN mailboxes b ON b.id = a.mailbox_id JOIN users u ON u.id = b.user_id
            WHERE a.identifier IN (@address, 'anyone') AND b.user_id <> @userId
            GROUP BY b.id ORDER BY u.address, b.name
            """, new { userId, address = address.ToLowerInvariant() }).ConfigureAwait(false);
        return [.. rows.Select(r => new SharedMailbox { Id = r.Id, OwnerId = r.OwnerId, Owner = r.Owner, Name = r.Name, Rights = NormalizeRights(r.Rights) ?? "", PrivateSeen = r.PrivateSeen })
            .Where(r => r.Rights.Contains('l', StringComparison.Ordinal))];
    }

    public async Task<MailboxState?> FindPublicMailboxAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<MailboxState>(
            $"SELECT {StateColumns} FROM mailboxes WHERE user_id IS NULL AND name = @name", new { name }).ConfigureAwait(false);
    }

    /// <summary>Public folders a user may look up, with their rights: administrators see and may do everything.</summary>
    public async Task<IReadOnlyList<(string Name, string Rights)>> PublicMailboxesAsync(string address, bool isAdmin, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (isAdmin)
        {
            return [.. (await connection.QueryAsync<string>("SELECT name FROM mailboxes WHERE user_id IS NULL ORDER BY name").ConfigureAwait(false)).Select(n => (n, AllRights))];
        }
        var rows = await connection.QueryAsync<(string Name, string Rights)>(
            "SELECT b.name, group_concat(a.rights, '') FROM mailbox_acl a JOIN mailboxes b ON b.id = a.mailbox_id " +
            "WHERE b.user_id IS NULL AND a.identifier IN (@address, 'anyone') GROUP BY b.id ORDER BY b.name",
            new { address = address.ToLowerInvariant() }).ConfigureAwait(false);
        return [.. rows.Select(r => (r.Name, Rights: NormalizeRights(r.Rights) ?? "")).Where(r => r.Rights.Contains('l', StringComparison.Ordinal))];
    }

    /// <summary>Creates a public folder and any missing parents (administrators only; the caller checks).</summary>
    public async Task CreatePublicMailboxAsync(string name, CancellationToken cancellationToken = default)
    {
        name = name.TrimEnd(Separator);
        if (!IsValidName(name))
        {
            throw new MailboxException("CANNOT", "Invalid mailbox name");
        }
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mailboxes WHERE user_id IS NULL AND name = @name", new { name }, transaction).ConfigureAwait(false) > 0)
            {
                throw new MailboxException("ALREADYEXISTS", "Mailbox already exists");
            }
            var parts = name.Split(Separator);
            for (var i = 1; i <= parts.Length; i++)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO mailboxes(user_id, name, uidvalidity, created_at) VALUES (NULL, @path, @validity, @now) ON CONFLICT DO NOTHING",
                    new { path = string.Join(Separator, parts.Take(i)), validity = NextUidValidity(), now = time.GetUtcNow() }, transaction).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        events.FoldersChanged(null);
    }

    /// <summary>Deletes a public folder and its messages; not one with folders below it.</summary>
    public async Task DeletePublicMailboxAsync(string name, CancellationToken cancellationToken = default)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            var id = await connection.ExecuteScalarAsync<long?>("SELECT id FROM mailboxes WHERE user_id IS NULL AND name = @name", new { name }, transaction).ConfigureAwait(false)
                ?? throw new MailboxException("NONEXISTENT", "No such mailbox");
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mailboxes WHERE user_id IS NULL AND substr(name, 1, @length) = @prefix",
                new { prefix = name + Separator, length = name.Length + 1 }, transaction).ConfigureAwait(false) > 0)
            {
                throw new MailboxException("INUSE", "Mailbox has folders below it; delete them first");
            }
            await connection.ExecuteAsync("DELETE FROM mailboxes WHERE id = @id", new { id }, transaction).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        events.FoldersChanged(null);
    }

    /// <summary>A user's quota in bytes (0: none).</summary>
    public async Task<long> QuotaOfAsync(long userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>("SELECT quota_bytes FROM users WHERE id = @userId", new { userId }).ConfigureAwait(false) ?? 0;
    }

    /// <summary>The id of an active user by address, or null.</summary>
    public async Task<long?> UserIdAsync(string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>("SELECT id FROM users WHERE address = @address", new { address = address.ToLowerInvariant() }).ConfigureAwait(false);
    }
}
