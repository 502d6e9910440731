using System.Net;
using Appliance.Accounts;
using Appliance.Mail;
using Appliance.Mailstore;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Imap;

/// <summary>Builds what every IMAP session shares and runs one session per connection.</summary>
public sealed class ImapServer(
    IOptions<ImapOptions> options,
    IOptions<SecurityOptions> security,
    SettingsRepository settings,
    Authenticator authenticator,
    MailStore store,
    MessageLoader messages,
    MailboxEvents events,
    MailboxWriter writer,
    TlsCertificateStore certificates,
    ImapConnections connections,
    StructureCache structures,
    TextIndex textIndex,
    MessageSummaries summaries,
    UserService users,
    Appliance.Mail.JunkTraining training,
    IOptions<StorageOptions> storage,
    ILogger<ImapServer> logger)
{
    /// <summary>
    /// The answer to a connection past the connection limits, in place of the greeting (RFC 3501 §7.1.5 BYE;
    /// RFC 5530's UNAVAILABLE says the server cannot serve now, so a client retries later).
    /// </summary>
    public static ReadOnlyMemory<byte> TooManyConnections { get; } = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n"u8.ToArray();

    public async Task RunAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var host = await settings.GetAsync(SettingKeys.HostName, connection.ConnectionClosed).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var services = new ImapServices(options.Value, security.Value, host, authenticator, store, messages, events, writer, certificates, connections, structures, textIndex, summaries, users, logger, Path.Combine(storage.Value.BlobDirectory, "tmp"), training);
        var isTls = connection.Features.Get<ITlsHandshakeFeature>() is not null;
        var remote = connection.RemoteEndPoint as IPEndPoint;
        if (remote is not null && !connections.TryAcquireAddress(remote.Address, options.Value.MaxConnectionsPerAddress))
        {
            await connection.Transport.Output.WriteAsync("* BYE [UNAVAILABLE] Too many connections from your address\r\n"u8.ToArray(), connection.ConnectionClosed).ConfigureAwait(false);
            return;
        }
        try
        {
            var session = new ImapSession(services, connection.Transport, remote, isTls, connection.ConnectionId, connection.ConnectionClosed);
            await session.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            if (remote is not null)
            {
                connections.ReleaseAddress(remote.Address);
            }
        }
    }
}

/// <summary>Ports 143 (STARTTLS) and 993 (implicit TLS).</summary>
public sealed class ImapConnectionHandler(ImapServer server) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => server.RunAsync(connection);
}

public static class ImapServiceCollectionExtensions
{
    public static IServiceCollection AddImap(this IServiceCollection services)
    {
        services.AddOptions<ImapOptions>().BindConfiguration(ImapOptions.Section)
            .Validate(o => o.MaxLineLength is >= 8192 and <= 1024 * 1024, "Appliance:Imap:MaxLineLength must be between 8192 and 1048576.")
            .Validate(o => o.MaxLiteralSize is >= 64 * 1024 and <= 2L * 1024 * 1024 * 1024, "Appliance:Imap:MaxLiteralSize must be between 65536 and 2147483648.")
            .Validate(o => o.MaxAppendSize >= o.MaxLiteralSize && o.MaxAppendSize <= 64L * 1024 * 1024 * 1024, "Appliance:Imap:MaxAppendSize must be at least Appliance:Imap:MaxLiteralSize and at most 68719476736.")
            .Validate(o => o.IdleTimeoutMinutes is >= 1 and <= 24 * 60, "Appliance:Imap:IdleTimeoutMinutes must be between 1 and 1440 (RFC 3501 asks for at least 30).")
            .Validate(o => o.PreAuthTimeoutMinutes is >= 1 and <= 60, "Appliance:Imap:PreAuthTimeoutMinutes must be between 1 and 60.")
            .Validate(o => o.MaxAuthFailures is >= 1 and <= 100, "Appliance:Imap:MaxAuthFailures must be between 1 and 100.")
            .Validate(o => o.MaxBadCommands is >= 1 and <= 1000, "Appliance:Imap:MaxBadCommands must be between 1 and 1000.")
            .Validate(o => o.MaxConnectionsPerUser is >= 1 and <= 1_000_000, "Appliance:Imap:MaxConnectionsPerUser must be between 1 and 1000000.")
            .Validate(o => o.MaxConnectionsPerAddress is >= 1 and <= 1_000_000, "Appliance:Imap:MaxConnectionsPerAddress must be between 1 and 1000000.")
            .Validate(o => o.StructureCacheBytes is >= 0 and <= 4L << 30, "Appliance:Imap:StructureCacheBytes must be between 0 and 4294967296.")
            .Validate(o => o.MetadataMaxValueSize is >= 1024 and <= 16 * 1024 * 1024, "Appliance:Imap:MetadataMaxValueSize must be between 1024 and 16777216.")
            .Validate(o => o.MetadataMaxNameLength is >= 64 and <= 8192, "Appliance:Imap:MetadataMaxNameLength must be between 64 and 8192.")
            .Validate(o => o.MetadataMaxEntriesPerMailbox is >= 1 and <= 100_000, "Appliance:Imap:MetadataMaxEntriesPerMailbox must be between 1 and 100000.")
            .Validate(o => o.MetadataMaxBytesPerUser is >= 1024 and <= 1L << 30, "Appliance:Imap:MetadataMaxBytesPerUser must be between 1024 and 1073741824.")
            .Validate(o => o.MetadataAdmin.Length == 0 || Uri.IsWellFormedUriString(o.MetadataAdmin, UriKind.Absolute), "Appliance:Imap:MetadataAdmin must be empty or an absolute URI such as mailto:postmaster@example.com.")
            .Validate(o => o.MaxQueuedNotifications is >= 1 and <= 1_000_000, "Appliance:Imap:MaxQueuedNotifications must be between 1 and 1000000.")
            .ValidateOnStart();
        services.AddMail();
        services.AddSingleton<ImapConnections>();
        services.AddSingleton<StructureCache>();
        services.AddSingleton<ImapServer>();
        services.AddSingleton<ImapConnectionHandler>();
        return services;
    }
}
