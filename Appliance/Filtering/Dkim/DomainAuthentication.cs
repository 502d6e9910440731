using Appliance.Accounts;
using Appliance.Filtering.Disclaimers;
using Appliance.Storage;

namespace Appliance.Filtering.Dkim;

/// <summary>
/// What the domain page does about a domain's outgoing mail: its DKIM keys (generate one of an algorithm, rotate),
/// the records to publish and their check, and its disclaimer. Administrators only, checked here against the
/// database (whatever the page shows); each change is written to the audit log in the same transaction.
/// </summary>
public sealed class DomainAuthentication(
    Database database,
    DomainRepository domains,
    AddressRules rules,
    AuditLog audit,
    SettingsRepository settings,
    DkimKeyStore keys,
    DomainRecords records,
    DomainRecordCheck check,
    DisclaimerStore disclaimers)
{
    public async Task<IReadOnlyList<DkimKey>> KeysAsync(Actor actor, string domain, CancellationToken cancellationToken = default)
    {
        var name = await DemandAsync(actor, domain, cancellationToken).ConfigureAwait(false);
        return keys.Keys(name);
    }

    /// <summary>A new active key of <paramref name="algorithm"/>; the one it replaces stays published, retired, for the grace period.</summary>
    public Task<DkimKey> GenerateAsync(Actor actor, string domain, DkimKeyAlgorithm algorithm, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, domain, "domain.dkim.generate", name =>
        {
            var key = keys.Generate(name, algorithm);
            return (key, key.Selector);
        }, cancellationToken);

    /// <summary>New keys for each algorithm the domain signs with (both when it has none).</summary>
    public Task<IReadOnlyList<DkimKey>> RotateAsync(Actor actor, string domain, CancellationToken cancellationToken = default) =>
        ChangeAsync(actor, domain, "domain.dkim.rotate", name =>
        {
            var fresh = keys.Rotate(name);
            return (fresh, string.Join(", ", fresh.Select(k => k.Selector)));
        }, cancellationToken);

    public async Task<IReadOnlyList<PublishedRecord>> RecordsAsync(Actor actor, string domain, CancellationToken cancellationToken = default)
    {
        var name = await DemandAsync(actor, domain, cancellationToken).ConfigureAwait(false);
        return records.For(name);
    }

    /// <summary>Looks the domain's records up through the server's resolver (see <see cref="DomainRecordCheck"/>).</summary>
    public async Task<IReadOnlyList<RecordCheckResult>> CheckAsync(Actor actor, string domain, CancellationToken cancellationToken = default)
    {
        var name = await DemandAsync(actor, domain, cancellationToken).ConfigureAwait(false);
        var host = await settings.GetAsync(SettingKeys.HostName, cancellationToken).ConfigureAwait(false) ?? $"mail.{name}";
        return await check.CheckAsync(name, host, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DisclaimerSettings> DisclaimerAsync(Actor actor, string domain, CancellationToken cancellationToken = default)
    {
        var name = await DemandAsync(actor, domain, cancellationToken).ConfigureAwait(false);
        return await disclaimers.GetAsync(name, cancellationToken).ConfigureAwait(false);
    }

    public async Task SaveDisclaimerAsync(Actor actor, string domain, DisclaimerSettings value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Text.Length > DisclaimerStore.MaxLength || value.Html.Length > DisclaimerStore.MaxLength)
        {
            throw new AccountException("Disclaimer.TooLong", DisclaimerStore.MaxLength);
        }
        await ChangeAsync(actor, domain, "domain.disclaimer.save", name => (0, value.IsEmpty ? "none" : $"text {value.Text.Length}, html {value.Html.Length} characters"),
            cancellationToken, (connection, transaction, name) => disclaimers.SaveAsync(connection, transaction, name, value)).ConfigureAwait(false);
    }

    /// <summary>The domain's name once the actor is known to be an administrator and the domain to be hosted here.</summary>
    private async Task<string> DemandAsync(Actor actor, string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var name = Normalize(domain);
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            return (await domains.FindAsync(connection, transaction, name).ConfigureAwait(false))?.Name ?? throw new AccountException("Domain.Unknown", name);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> ChangeAsync<T>(Actor actor, string domain, string action, Func<string, (T Result, string Detail)> change, CancellationToken cancellationToken,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, string, Task>? write = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var name = Normalize(domain);
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            _ = await domains.FindAsync(connection, transaction, name).ConfigureAwait(false) ?? throw new AccountException("Domain.Unknown", name);
            if (write is not null)
            {
                await write(connection, transaction, name).ConfigureAwait(false);
            }
            var (result, detail) = change(name);
            await audit.WriteAsync(connection, transaction, actor, action, name, detail).ConfigureAwait(false);
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Normalize(string domain) =>
        DkimKeyStore.TryNormalizeDomain((domain ?? "").Trim().TrimEnd('.'), out var name) ? name : throw new AccountException("Domain.Invalid", domain ?? "");
}
