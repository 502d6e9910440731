using Appliance.Storage;

namespace Appliance.Accounts;

/// <summary>Distribution groups: an address that expands to its member users.</summary>
public sealed class GroupService(Database database, GroupRepository groups, UserRepository users, AliasRepository aliases, AddressRules rules, AuditLog audit, TimeProvider time)
{
    public Task<IReadOnlyList<Group>> ListAsync(CancellationToken cancellationToken = default) => groups.ListAsync(cancellationToken);

    /// <summary>One page of groups for the console; only an administrator may list them.</summary>
    public Task<Page<Group>> PageAsync(Actor actor, PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        return groups.PageAsync(query, cancellationToken);
    }

    public async Task<Group> AddAsync(Actor actor, string address, string? displayName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var name = UserService.CleanDisplayName(displayName);
        string key = "";
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var (parsed, domain) = await rules.ClaimAsync(connection, transaction, address).ConfigureAwait(false);
            key = parsed.ToString();
            await groups.InsertAsync(connection, transaction, key, domain.Id, name, time.GetUtcNow()).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "group.add", key, $"name={name}").ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (await FindAsync(key, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<Group?> FindAsync(string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await groups.FindAsync(connection, null, (address ?? "").Trim().ToLowerInvariant()).ConfigureAwait(false);
    }

    public async Task RemoveAsync(Actor actor, string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var key = (address ?? "").Trim().ToLowerInvariant();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var group = await groups.FindAsync(connection, transaction, key).ConfigureAwait(false)
                ?? throw new AccountException("Group.Unknown", key);
            var pointing = await aliases.PointingAtAsync(connection, transaction, key).ConfigureAwait(false);
            if (pointing.Count > 0)
            {
                throw new AccountException("Alias.InUse", key, string.Join(", ", pointing));
            }
            await groups.DeleteAsync(connection, transaction, group.Id).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "group.remove", key).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task AddMemberAsync(Actor actor, string groupAddress, string userAddress, CancellationToken cancellationToken = default) =>
        ChangeMemberAsync(actor, groupAddress, userAddress, add: true, cancellationToken);

    public Task RemoveMemberAsync(Actor actor, string groupAddress, string userAddress, CancellationToken cancellationToken = default) =>
        ChangeMemberAsync(actor, groupAddress, userAddress, add: false, cancellationToken);

    private async Task ChangeMemberAsync(Actor actor, string groupAddress, string userAddress, bool add, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var groupKey = (groupAddress ?? "").Trim().ToLowerInvariant();
        var userKey = (userAddress ?? "").Trim().ToLowerInvariant();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var group = await groups.FindAsync(connection, transaction, groupKey).ConfigureAwait(false)
                ?? throw new AccountException("Group.Unknown", groupKey);
            var user = await users.FindAsync(connection, transaction, userKey).ConfigureAwait(false)
                ?? throw new AccountException("User.Unknown", userKey);
            var changed = add
                ? await groups.AddMemberAsync(connection, transaction, group.Id, user.Id).ConfigureAwait(false)
                : await groups.RemoveMemberAsync(connection, transaction, group.Id, user.Id).ConfigureAwait(false);
            if (changed == 0)
            {
                throw new AccountException(add ? "Group.AlreadyMember" : "Group.NotMember", userKey, groupKey);
            }
            await audit.WriteAsync(connection, transaction, actor, add ? "group.member.add" : "group.member.remove", groupKey, userKey).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
