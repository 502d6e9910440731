using Appliance.Accounts;
using Appliance.Storage;

namespace Appliance.Mail;

/// <summary>A mailbox owner a message will be delivered to.</summary>
public sealed record LocalMailbox(long UserId, string Address, long QuotaBytes);

/// <summary>What one RCPT TO address means here: mailboxes on this server and addresses elsewhere.</summary>
public sealed record ResolvedRecipient(string Address, IReadOnlyList<LocalMailbox> Local, IReadOnlyList<string> Remote);

public enum RecipientStatus
{
    Ok,
    /// <summary>In a hosted domain, but nobody has the address: 550 5.1.1.</summary>
    Unknown,
    /// <summary>The user exists but is disabled: 550 5.2.1.</summary>
    Disabled,
    /// <summary>Not in a hosted domain: a relay, only for authenticated senders.</summary>
    Remote,
}

/// <summary>
/// Resolves an envelope recipient: a user, an alias (expanded, recursively, to users and outside
/// addresses), a group (to its members), or an address elsewhere. Loops and deep chains stop at
/// <see cref="MaxDepth"/>.
/// </summary>
public sealed class RecipientResolver(Database database, DomainRepository domains, UserRepository users, AliasRepository aliases, GroupRepository groups, Srs srs)
{
    /// <summary>Alias chains longer than this are a configuration mistake; 8 is far beyond real use.</summary>
    public const int MaxDepth = 8;

    public async Task<(RecipientStatus Status, ResolvedRecipient? Recipient)> ResolveAsync(string address, CancellationToken cancellationToken = default)
    {
        var key = address.Trim().ToLowerInvariant();
        var at = key.LastIndexOf('@');
        var domain = at < 0 ? "" : key[(at + 1)..];
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (await domains.FindAsync(connection, null, domain).ConfigureAwait(false) is null)
        {
            return (RecipientStatus.Remote, new ResolvedRecipient(key, [], [key]));
        }
        if (Srs.IsSrs(key))
        {
            return await ReverseAsync(key, cancellationToken).ConfigureAwait(false);
        }
        var user = await users.FindAsync(connection, null, key).ConfigureAwait(false);
        if (user is not null)
        {
            return user.Disabled
                ? (RecipientStatus.Disabled, null)
                : (RecipientStatus.Ok, new ResolvedRecipient(key, [new LocalMailbox(user.Id, user.Address, user.QuotaBytes)], []));
        }
        var local = new Dictionary<long, LocalMailbox>();
        var remote = new List<string>();
        if (!await ExpandAsync(connection, key, local, remote, new HashSet<string>(), 0).ConfigureAwait(false))
        {
            return (RecipientStatus.Unknown, null);
        }
        return (RecipientStatus.Ok, new ResolvedRecipient(key, [.. local.Values], remote));
    }

    /// <summary>
    /// A bounce to an address we rewrote when forwarding (SRS0) goes back to the original sender, from anyone, as a relay
    /// would; a forged or expired one is nobody's (550), so the rewriting cannot be used to relay.
    /// </summary>
    private async Task<(RecipientStatus Status, ResolvedRecipient? Recipient)> ReverseAsync(string key, CancellationToken cancellationToken)
    {
        if (await srs.ReverseAsync(key, cancellationToken).ConfigureAwait(false) is not { } original || Srs.IsSrs(original))
        {
            return (RecipientStatus.Unknown, null);
        }
        var (status, recipient) = await ResolveAsync(original, cancellationToken).ConfigureAwait(false);
        return status == RecipientStatus.Remote ? (RecipientStatus.Ok, new ResolvedRecipient(key, [], [original.ToLowerInvariant()])) : (status, recipient);
    }

    /// <returns>false when <paramref name="address"/> is neither an alias nor a group.</returns>
    private async Task<bool> ExpandAsync(System.Data.Common.DbConnection connection, string address, Dictionary<long, LocalMailbox> local, List<string> remote, HashSet<string> seen, int depth)
    {
        if (!seen.Add(address) || depth > MaxDepth)
        {
            return true;
        }
        var alias = await aliases.FindAsync(connection, null, address).ConfigureAwait(false);
        if (alias is not null)
        {
            foreach (var target in alias.Targets)
            {
                var user = await users.FindAsync(connection, null, target).ConfigureAwait(false);
                if (user is not null)
                {
                    if (!user.Disabled)
                    {
                        local.TryAdd(user.Id, new LocalMailbox(user.Id, user.Address, user.QuotaBytes));
                    }
                }
                else if (!await ExpandAsync(connection, target, local, remote, seen, depth + 1).ConfigureAwait(false))
                {
                    var targetDomain = target[(target.LastIndexOf('@') + 1)..];
                    if (await domains.FindAsync(connection, null, targetDomain).ConfigureAwait(false) is null && !remote.Contains(target))
                    {
                        remote.Add(target);
                    }
                }
            }
            return true;
        }
        var group = await groups.FindAsync(connection, null, address).ConfigureAwait(false);
        if (group is not null)
        {
            foreach (var member in group.Members)
            {
                var user = await users.FindAsync(connection, null, member).ConfigureAwait(false);
                if (user is { Disabled: false })
                {
                    local.TryAdd(user.Id, new LocalMailbox(user.Id, user.Address, user.QuotaBytes));
                }
            }
            return true;
        }
        return false;
    }

    /// <summary>
    /// Whether an authenticated user may send as <paramref name="from"/>: their own address, an alias
    /// that delivers to them, or a group they belong to.
    /// </summary>
    public async Task<bool> MaySendAsAsync(string user, string from, CancellationToken cancellationToken = default)
    {
        var me = user.Trim().ToLowerInvariant();
        var key = from.Trim().ToLowerInvariant();
        if (key == me)
        {
            return true;
        }
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var alias = await aliases.FindAsync(connection, null, key).ConfigureAwait(false);
        if (alias is not null)
        {
            return alias.Targets.Contains(me);
        }
        var group = await groups.FindAsync(connection, null, key).ConfigureAwait(false);
        return group is not null && group.Members.Contains(me);
    }
}
