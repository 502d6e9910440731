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

    /// <summary>The rights of <paramref name="address"/> on a mailbox: all for its owner, else their entry joined with "anyone".</summary>
    public async Task<string> RightsAsync(long mailboxId, long userId, string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var owner = await connection.ExecuteScalarAsync<long?>("SELECT user_id FROM mailboxes WHERE id = @mailboxId", new { mailboxId }).ConfigureAwait(false);
        if (owner is null)
        {
            return "";
        }
        if (owner == userId)
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
            SELECT b.id, b.user_id AS owner_id, u.address AS owner, b.name, group_concat(a.rights, '') AS rights
            FROM mailbox_acl a JOIN mailboxes b ON b.id = a.mailbox_id JOIN users u ON u.id = b.user_id
            WHERE a.identifier IN (@address, 'anyone') AND b.user_id <> @userId
            GROUP BY b.id ORDER BY u.address, b.name
            """, new { userId, address = address.ToLowerInvariant() }).ConfigureAwait(false);
        return [.. rows.Select(r => new SharedMailbox { Id = r.Id, OwnerId = r.OwnerId, Owner = r.Owner, Name = r.Name, Rights = NormalizeRights(r.Rights) ?? "" })
            .Where(r => r.Rights.Contains('l', StringComparison.Ordinal))];
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

    public async Task<MailboxState?> FindMailboxByIdAsync(long mailboxId, CancellationToken cancellationToken = default) =>
        await MailboxStateAsync(mailboxId, cancellationToken).ConfigureAwait(false);
}
