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

/// <summary>
/// Everything the first-run wizard or <c>Appliance setup</c> collects. An empty <see cref="Domain"/> or
/// <see cref="AdminAddress"/> is proposed from the host name and the domain, as the wizard proposes them;
/// <see cref="ConfirmPassword"/> is null where the password is asked once (the command line).
/// </summary>
public sealed record SetupRequest(
    string Language,
    string HostName,
    string Domain,
    string AdminAddress,
    string AdminPassword,
    TlsChoice Tls = TlsChoice.Generate,
    string? CertificatePem = null,
    string? PrivateKeyPem = null,
    string? ConfirmPassword = null);

/// <summary>The wizard's steps, in order; <see cref="SetupService.Check"/> checks one, <see cref="SetupService.CompleteAsync"/> all.</summary>
public enum SetupStep
{
    Language,
    HostName,
    Domain,
    Administrator,
    Tls,
    Summary,
}

/// <summary>
/// The answers so far, as the wizard's form holds them. Checking a step normalizes its field (trimmed, lower
/// case) and fills in what the next step proposes: the domain from the host name, the administrator from the domain.
/// </summary>
public sealed class SetupDraft
{
    public string Language { get; set; } = "en";
    public string? HostName { get; set; }
    public string? Domain { get; set; }
    public string? AdminAddress { get; set; }
    public string? AdminPassword { get; set; }
    public string? ConfirmPassword { get; set; }
    public TlsChoice Tls { get; set; } = TlsChoice.Generate;
    public string? CertificatePem { get; set; }
    public string? PrivateKeyPem { get; set; }

    public static SetupDraft From(SetupRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new SetupDraft
        {
            Language = request.Language,
            HostName = request.HostName,
            Domain = request.Domain,
            AdminAddress = request.AdminAddress,
            AdminPassword = request.AdminPassword,
            ConfirmPassword = request.ConfirmPassword,
            Tls = request.Tls,
            CertificatePem = request.CertificatePem,
            PrivateKeyPem = request.PrivateKeyPem,
        };
    }

    public SetupRequest ToRequest() =>
        new(Language, HostName ?? "", Domain ?? "", AdminAddress ?? "", AdminPassword ?? "", Tls, CertificatePem, PrivateKeyPem, ConfirmPassword);
}

/// <summary>
/// Turns an empty data folder into a working server, once. Finishing writes the settings, the primary
/// domain, the administrator and the TLS files together; if any part fails nothing is kept, and once it
/// has succeeded it can never run again. The wizard and the command line share every rule here: the
/// wizard checks each step as it goes (<see cref="Check"/>), and finishing checks them all again.
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

    /// <summary>A PEM certificate chain or key larger than this is not one (a chain of ten 4 KiB certificates is 40 KiB).</summary>
    public const int MaxPemBytes = 256 * 1024;

    /// <summary>How long the host-name suggestion may wait for the resolver: a wizard must not hang on broken DNS.</summary>
    private static readonly TimeSpan s_hostLookupTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A fresh draft: the language the browser asked for when it is one of ours, and the machine's own name as
    /// the host name when it is a usable one (its fully qualified name from the resolver, when it has one).
    /// </summary>
    public static async Task<SetupDraft> NewDraftAsync(string? language, CancellationToken cancellationToken = default)
    {
        var draft = new SetupDraft { Language = language is not null && Languages.Contains(language) ? language : "en" };
        var machine = System.Net.Dns.GetHostName();
        string? qualified = null;
        if (!machine.Contains('.', StringComparison.Ordinal))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_hostLookupTimeout);
            try
            {
                qualified = (await System.Net.Dns.GetHostEntryAsync(machine, timeout.Token).ConfigureAwait(false)).HostName;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // No resolver answer: the bare name is the suggestion, or none.
            }
        }
        draft.HostName = SuggestHostName(qualified, machine);
        return draft;
    }

    /// <summary>The first of <paramref name="candidates"/> that is a host name with a dot in it, in lower case.</summary>
    public static string? SuggestHostName(params string?[] candidates) =>
        candidates.Select(c => c?.Trim().TrimEnd('.').ToLowerInvariant())
            .FirstOrDefault(c => c is not null && c.Contains('.', StringComparison.Ordinal) && MailAddress.IsDomainName(c));

    /// <summary>
    /// Checks one step of <paramref name="draft"/> and normalizes it, so that the wizard stops the user on the
    /// step that is wrong; a refusal is an <see cref="AccountException"/> whose key the console translates.
    /// </summary>
    public void Check(SetupStep step, SetupDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        switch (step)
        {
            case SetupStep.Language:
                if (!Languages.Contains(draft.Language))
                {
                    throw new AccountException("Setup.LanguageInvalid", draft.Language);
                }
                break;
            case SetupStep.HostName:
                draft.HostName = Normalize(draft.HostName);
                ValidateHostName(draft.HostName);
                // mail.example.com serves example.com; a two-label name (example.com) proposes nothing.
                if (string.IsNullOrWhiteSpace(draft.Domain) && draft.HostName.Count(c => c == '.') >= 2)
                {
                    draft.Domain = draft.HostName[(draft.HostName.IndexOf('.', StringComparison.Ordinal) + 1)..];
                }
                break;
            case SetupStep.Domain:
                draft.Domain = Normalize(draft.Domain);
                ValidateDomain(draft.Domain);
                if (string.IsNullOrWhiteSpace(draft.AdminAddress))
                {
                    draft.AdminAddress = $"admin@{draft.Domain}";
                }
                break;
            case SetupStep.Administrator:
                ValidateAdministrator(draft.Domain ?? "", draft.AdminAddress, draft.AdminPassword);
                draft.AdminAddress = MailAddress.Parse(draft.AdminAddress).ToString();
                if (draft.ConfirmPassword is not null && !string.Equals(draft.ConfirmPassword, draft.AdminPassword, StringComparison.Ordinal))
                {
                    throw new AccountException("Password.Mismatch");
                }
                break;
            case SetupStep.Tls:
                if (draft.Tls == TlsChoice.Upload)
                {
                    ValidateCertificate(draft.CertificatePem, draft.PrivateKeyPem, draft.HostName);
                }
                break;
            case SetupStep.Summary:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, null);
        }
    }

    /// <summary>Every step in order, as finishing does: the command line's path through the wizard.</summary>
    public void CheckAll(SetupDraft draft)
    {
        foreach (var step in Enum.GetValues<SetupStep>())
        {
            Check(step, draft);
        }
    }

    /// <summary>
    /// Reads an uploaded PEM file, at most <see cref="MaxPemBytes"/>; a larger one is refused as unreadable
    /// before it is all read, whichever side (browser or command line) sends it.
    /// </summary>
    public static async Task<string> ReadPemAsync(Stream stream, bool isKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[MaxPemBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }
        if (length > MaxPemBytes)
        {
            throw new AccountException(isKey ? "Tls.KeyUnreadable" : "Tls.CertificateUnreadable");
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }

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

    /// <summary>Checks every step (<see cref="CheckAll"/>) and sets the server up; the wizard and the command line both end here.</summary>
    public async Task CompleteAsync(SetupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var draft = SetupDraft.From(request);
        CheckAll(draft);
        var language = draft.Language;
        var hostName = draft.HostName!;
        var domain = draft.Domain!;
        var admin = draft.AdminAddress!;

        var (certPem, keyPem) = draft.Tls switch
        {
            TlsChoice.Generate => TlsCertificateStore.GenerateSelfSigned(hostName),
            _ => (draft.CertificatePem ?? "", draft.PrivateKeyPem ?? ""),
        };
        ValidateCertificate(certPem, keyPem, hostName);
        var hash = hasher.Hash(draft.AdminPassword!);

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

    private static string Normalize(string? name) => (name ?? "").Trim().TrimEnd('.').ToLowerInvariant();

    private static bool IsHostName(string? name) =>
        string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase) || MailAddress.IsDomainName(name);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Setup finished: host {HostName}, domain {Domain}, administrator {Admin}")]
    private static partial void LogCompleted(ILogger logger, string hostName, string domain, string admin);
}
