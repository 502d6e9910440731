using Appliance.Storage;

namespace Appliance.Accounts;

/// <summary>A DNS record an administrator publishes so that the world finds the appliance for a domain.</summary>
public sealed record DnsRecord(string Name, string Type, string Value, string Purpose);

/// <summary>The mail domains the appliance hosts.</summary>
public sealed class DomainService(Database database, DomainRepository domains, AddressRules rules, AuditLog audit, SettingsRepository settings, TimeProvider time)
{
    public Task<IReadOnlyList<Domain>> ListAsync(CancellationToken cancellationToken = default) => domains.ListAsync(cancellationToken);

    /// <summary>One page of domains for the console; only an administrator may list them.</summary>
    public Task<Page<Domain>> PageAsync(Actor actor, PageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        return domains.PageAsync(query, cancellationToken);
    }

    public async Task<Domain> AddAsync(Actor actor, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var normalized = (name ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        if (!MailAddress.IsDomainName(normalized))
        {
            throw new AccountException("Domain.Invalid", name ?? "");
        }
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            if (await domains.FindAsync(connection, transaction, normalized).ConfigureAwait(false) is not null)
            {
                throw new AccountException("Domain.Exists", normalized);
            }
            await domains.InsertAsync(connection, transaction, normalized, time.GetUtcNow()).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "domain.add", normalized).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (await domains.FindAsync(normalized, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Removes a domain that has no users, aliases or groups left.</summary>
    public async Task RemoveAsync(Actor actor, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.DemandAdministrator();
        var normalized = (name ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await rules.DemandAdministratorAsync(connection, transaction, actor).ConfigureAwait(false);
            var domain = await domains.FindAsync(connection, transaction, normalized).ConfigureAwait(false)
                ?? throw new AccountException("Domain.Unknown", normalized);
            if (!domain.IsEmpty)
            {
                throw new AccountException("Domain.NotEmpty", normalized, domain.UserCount, domain.AliasCount + domain.GroupCount);
            }
            await domains.DeleteAsync(connection, transaction, domain.Id).ConfigureAwait(false);
            await audit.WriteAsync(connection, transaction, actor, "domain.remove", normalized).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The records to publish for <paramref name="domain"/>: MX to this host, an SPF policy that allows
    /// it, and the autoconfig (Thunderbird) and autodiscover (Outlook) names clients look up.
    /// </summary>
    public async Task<IReadOnlyList<DnsRecord>> DnsRecordsAsync(string domain, CancellationToken cancellationToken = default)
    {
        var host = await settings.GetAsync(SettingKeys.HostName, cancellationToken).ConfigureAwait(false) ?? $"mail.{domain}";
        return
        [
            new($"{domain}.", "MX", $"10 {host}.", "Dns.Purpose.Mx"),
            new($"{domain}.", "TXT", "\"v=spf1 mx -all\"", "Dns.Purpose.Spf"),
            new($"autoconfig.{domain}.", "CNAME", $"{host}.", "Dns.Purpose.Autoconfig"),
            new($"autodiscover.{domain}.", "CNAME", $"{host}.", "Dns.Purpose.Autodiscover"),
            new($"_autodiscover._tcp.{domain}.", "SRV", $"0 0 443 {host}.", "Dns.Purpose.Autodiscover"),
            new($"_submission._tcp.{domain}.", "SRV", $"0 1 587 {host}.", "Dns.Purpose.Srv"),
            new($"_imaps._tcp.{domain}.", "SRV", $"0 1 993 {host}.", "Dns.Purpose.Srv"),
        ];
    }
}
