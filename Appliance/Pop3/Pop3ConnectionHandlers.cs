using System.Net;
using Appliance.Accounts;
using Appliance.Mailstore;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Pop3;

/// <summary>Ports 110 (STLS) and 995 (implicit TLS, RFC 8314): one handler, which learns from the connection whether TLS is on.</summary>
public sealed class Pop3Handler(
    IOptions<Pop3Options> options,
    IOptions<SecurityOptions> security,
    SettingsRepository settings,
    Authenticator authenticator,
    Database database,
    MailStore store,
    BlobStore blobs,
    MailboxEvents events,
    Pop3Locks locks,
    Pop3SizeCache sizes,
    TlsCertificateStore certificates,
    ILogger<Pop3Handler> logger) : ConnectionHandler
{
    /// <summary>
    /// The answer to a connection past the connection limits, in place of the greeting; RFC 3206's [SYS/TEMP]
    /// (the server advertises RESP-CODES) says the trouble is temporary.
    /// </summary>
    public static ReadOnlyMemory<byte> TooManyConnections { get; } = "-ERR [SYS/TEMP] Too many connections, try again later\r\n"u8.ToArray();

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var host = await settings.GetAsync(SettingKeys.HostName, connection.ConnectionClosed).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var services = new Pop3Services(options.Value, security.Value, host, authenticator, database, store, blobs, events, locks, sizes, certificates, logger);
        var isTls = connection.Features.Get<ITlsHandshakeFeature>() is not null;
        var session = new Pop3Session(services, connection.Transport, connection.RemoteEndPoint as IPEndPoint, isTls, connection.ConnectionId, connection.ConnectionClosed);
        await session.RunAsync().ConfigureAwait(false);
    }
}
