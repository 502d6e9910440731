using System.Data.Common;

namespace Appliance.Accounts;

/// <summary>
/// Checks shared by users, aliases and groups: one address names one thing, and a hosted address
/// belongs to a hosted domain.
/// </summary>
public sealed class AddressRules(DomainRepository domains, UserRepository users, AliasRepository aliases, GroupRepository groups)
{
    /// <summary>Parses a new hosted address and returns it with its domain, or throws the reason it cannot be used.</summary>
    public async Task<(MailAddress Address, Domain Domain)> ClaimAsync(DbConnection connection, DbTransaction transaction, string text)
    {
        var address = MailAddress.Parse(text);
        var domain = await domains.FindAsync(connection, transaction, address.Domain).ConfigureAwait(false)
            ?? throw new AccountException("Domain.Unknown", address.Domain);
        if (await IsTakenAsync(connection, transaction, address.ToString()).ConfigureAwait(false))
        {
            throw new AccountException("Address.Taken", address.ToString());
        }
        return (address, domain);
    }

    public async Task<bool> IsTakenAsync(DbConnection connection, DbTransaction? transaction, string address) =>
        await users.FindAsync(connection, transaction, address).ConfigureAwait(false) is not null
        || await aliases.ExistsAsync(connection, transaction, address).ConfigureAwait(false)
        || await groups.ExistsAsync(connection, transaction, address).ConfigureAwait(false);

    /// <summary>
    /// Re-checks, inside the transaction, that a console actor is still an enabled administrator: an
    /// open admin page holds claims from its sign-in, which may be stale (demoted, disabled, removed).
    /// The server's own actors (command line, setup) are trusted.
    /// </summary>
    public async Task DemandAdministratorAsync(DbConnection connection, DbTransaction transaction, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        if (ReferenceEquals(actor, Actor.CommandLine) || ReferenceEquals(actor, Actor.Setup))
        {
            return;
        }
        var user = await users.FindAsync(connection, transaction, actor.Name).ConfigureAwait(false);
        if (user is not { IsAdmin: true, Disabled: false })
        {
            throw new ForbiddenException($"{actor.Name} is no longer an administrator.");
        }
    }

    public async Task<bool> IsHostedDomainAsync(DbConnection connection, DbTransaction? transaction, string domain) =>
        await domains.FindAsync(connection, transaction, domain).ConfigureAwait(false) is not null;
}
