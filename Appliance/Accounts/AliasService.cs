using Appliance.Storage;

namespace Appliance.Accounts;

/// <summary>Aliases: one hosted address delivering to one or more targets, local or external.</summary>
public sealed class AliasService(Database database, AliasRepository aliases, AddressRules rules, AuditLog audit, TimeProvider time)
{
    /// <summary>An alias fans out to at most this many targets; a larger list is a mailing list's job.</summary>
    public const int MaxTargets = 100;

    public Task<IReadOnlyList<Alias>> ListAsync(CancellationToken cancellationToken = default) => aliases.ListAsync(cancellationToken);

    /// <summary>One page of aliases for the console; only an administrator may list them.</summary>
    public Task<Page<Alias>> PageAsync(Actor actor, PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        return aliases.PageAsync(query, cancellationToken);
    }

    public async Task<Alias> AddAsync(Actor actor, string address, IEnumerable<string> targets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(targets);
        actor.DemandAdministrator();
        var parsedTargets = new List<string>();
        foreach (var target in targets.SelectMany(t => (t ?? "").Split([',', ';', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var parsed = MailAddress.TryParse(target, out var a) ? a.Value.ToString() : throw new AccountException("Alias.InvalidTarget", target);
            if (!parsedTargets.Contains(parsed))
            {
                parsedTargets.Add(parsed);
            }
        }
        if (parsedTargets.Count == 0)
        {
            throw new AccountException("Alias.NoTargets");
        }
        if (parsedTargets.Count > MaxTargets)
        {
            throw new AccountException("Alias.TooManyTargets", MaxTargets);
        }
        string key = "";
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var (parsed, domain) = await rules.ClaimAsync(connection, transaction, address).ConfigureAwait(false);
            key = parsed.ToString();
            foreach (var target in parsedTargets)
            {
                if (target == key)
                {
                    throw new AccountException("Alias.PointsToItself", key);
                }
                // A hosted target must exist now; an external one is the recipient's business.
                var targetDomain = target[(target.LastIndexOf('@') + 1)..];
                if (await rules.IsHostedDomainAsync(connection, transaction, targetDomain).ConfigureAwait(false)
                    && !await rules.IsTakenAsync(connection, transaction, target).ConfigureAwait(false))
                {
                    throw new AccountException("Alias.UnknownLocalTarget", target);
                }
            }
            await aliases.InsertAsync(connection, transaction, key, domain.Id, parsedTargets, time.GetUtcNow()).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "alias.add", key, string.Join(", ", parsedTargets)).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await using var c = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await aliases.FindAsync(c, null, key).ConfigureAwait(false))!;
    }

    public async Task RemoveAsync(Actor actor, string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var key = (address ?? "").Trim().ToLowerInvariant();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var alias = await aliases.FindAsync(connection, transaction, key).ConfigureAwait(false)
                ?? throw new AccountException("Alias.Unknown", key);
            var pointing = await aliases.PointingAtAsync(connection, transaction, key).ConfigureAwait(false);
            if (pointing.Count > 0)
            {
                throw new AccountException("Alias.InUse", key, string.Join(", ", pointing));
            }
            await aliases.DeleteAsync(connection, transaction, alias.Id).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "alias.remove", key).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
