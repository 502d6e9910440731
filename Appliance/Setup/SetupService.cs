using System.Globalization;
using Appliance.Accounts;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.Extensions.Logging;

namespace Appliance.Setup;

public enum TlsChoice
{
    /// <summary>Make a self-signed certificate for the host name and localhost.</summary>
    Generate,
    /// <summary>Use the PEM certificate and key the administrator supplies.</summary>
    Upload,
}

/// <summary>Everything the first-run wizard (or <c>Appliance setup</c>) collects.</summary>
public sealed record SetupRequest(
    string Language,
    string HostName,
    string Domain,
    string AdminAddress,
    string AdminPassword,
    TlsChoice Tls = TlsChoice.Generate,
    string? CertificatePem = null,
    string? PrivateKeyPem = null);

/// <summary>
/// Turns an empty data folder into a working server, once. Finishing writes the settings, the primary
/// domain, the administrator and the TLS files together; if any part fails nothing is kept, and once it
/// has succeeded it can never run again.
/// </summary>
public sealed partial class SetupService(
    Database database,
    SettingsRepository settings,
    DomainRepository domains,
    UserRepository users,
    AuditLog audit,
    PasswordHasher hasher,
    PasswordPolicy policy,
    TlsInstaller certificates,
    SetupToken token,
    TimeProvider time,
    ILogger<SetupService> logger)
{
    public static IReadOnlyList<string> Languages { get; } = ["en", "fr", "de", "it", "es"];

    /// <summary>
    /// Checks an uploaded certificate and key for <paramref name="hostName"/> (the wizard's TLS step and
    /// <see cref="CompleteAsync"/>); a refusal is an <see cref="AccountException"/> like every other.
    /// </summary>
    public static void ValidateCertificate(string? certificatePem, string? privateKeyPem, string? hostName)
    {
        try
        {
            TlsCertificateStore.Validate(certificatePem, privateKeyPem, hostName).Dispose();
        }
        catch (TlsCertificateException e)
        {
            throw new AccountException(e.Key, [.. e.Arguments]);
        }
    }

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _complete;

    public async Task<bool> IsCompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_complete)
        {
            return true;
        }
        _complete = await settings.GetAsync(SettingKeys.SetupCompleted, cancellationToken).ConfigureAwait(false) is not null;
        return _complete;
    }

    /// <summary>Checks one step's fields so the wizard can stop the user on the step that is wrong.</summary>
    public static void ValidateHostName(string? hostName)
    {
        if (!IsHostName(hostName))
        {
            throw new AccountException("Setup.HostNameInvalid", hostName ?? "");
        }
    }

    public static void ValidateDomain(string? domain)
    {
        if (!MailAddress.IsDomainName(domain))
        {
            throw new AccountException("Domain.Invalid", domain ?? "");
        }
    }

    public void ValidateAdministrator(string domain, string? address, string? password)
    {
        var parsed = MailAddress.Parse(address);
        if (!string.Equals(parsed.Domain, domain.Trim().ToLowerInvariant(), StringComparison.Ordinal))
        {
            throw new AccountException("Setup.AdminOutsideDomain", domain);
        }
        policy.Check(password, parsed.ToString());
    }

    public async Task CompleteAsync(SetupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var language = Languages.Contains(request.Language) ? request.Language : throw new AccountException("Setup.LanguageInvalid", request.Language ?? "");
        var hostName = (request.HostName ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        ValidateHostName(hostName);
        var domain = (request.Domain ?? "").Trim().TrimEnd('.').ToLowerInvariant();
        ValidateDomain(domain);
        ValidateAdministrator(domain, request.AdminAddress, request.AdminPassword);
        var admin = MailAddress.Parse(request.AdminAddress).ToString();

        var (certPem, keyPem) = request.Tls switch
        {
            TlsChoice.Generate => TlsCertificateStore.GenerateSelfSigned(hostName),
            _ => (request.CertificatePem ?? "", request.PrivateKeyPem ?? ""),
        };
        ValidateCertificate(certPem, keyPem, hostName);
        var hash = hasher.Hash(request.AdminPassword);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await IsCompleteAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new AccountException("Setup.AlreadyDone");
            }
            var wroteTls = false;
            try
            {
                await database.InTransactionAsync(async (connection, transaction) =>
                {
                    var now = time.GetUtcNow();
                    // Checked inside the write transaction, so a second setup fails even from another process.
                    if (await settings.GetAsync(connection, transaction, SettingKeys.SetupCompleted).ConfigureAwait(false) is not null)
                    {
                        throw new AccountException("Setup.AlreadyDone");
                    }
                    // The command line may have made the domain or the address already; say so, not "already set up".
                    var existing = await domains.FindAsync(connection, transaction, domain).ConfigureAwait(false);
                    if (await users.FindAsync(connection, transaction, admin).ConfigureAwait(false) is not null)
                    {
                        throw new AccountException("Address.Taken", admin);
                    }
                    await settings.InsertAsync(connection, transaction, SettingKeys.SetupCompleted, now.ToString("O", CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    await settings.InsertAsync(connection, transaction, SettingKeys.HostName, hostName).ConfigureAwait(false);
                    await settings.InsertAsync(connection, transaction, SettingKeys.Language, language).ConfigureAwait(false);
                    await settings.InsertAsync(connection, transaction, SettingKeys.PrimaryDomain, domain).ConfigureAwait(false);
                    var domainId = existing?.Id ?? await domains.InsertAsync(connection, transaction, domain, now).ConfigureAwait(false);
                    await users.InsertAsync(connection, transaction, admin, domainId, "", hash, 0, isAdmin: true, now).ConfigureAwait(false);
                    await audit.WriteAsync(connection, transaction, Actor.Setup, "setup.complete", hostName,
                        $"domain={domain}; admin={admin}; tls={request.Tls.ToString().ToLowerInvariant()}; language={language}").ConfigureAwait(false);
                    // Files last, inside the transaction: if writing them fails, the rows roll back.
                    certificates.Install(certPem, keyPem);
                    wroteTls = true;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                if (wroteTls) certificates.Uninstall();
                throw;
            }
            _complete = true;
            token.Remove();
            LogCompleted(logger, hostName, domain, admin);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool IsHostName(string? name) =>
        string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase) || MailAddress.IsDomainName(name);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Setup finished: host {HostName}, domain {Domain}, administrator {Admin}")]
    private static partial void LogCompleted(ILogger logger, string hostName, string domain, string admin);
}
