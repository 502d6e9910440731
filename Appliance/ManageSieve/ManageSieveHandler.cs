using System.Net;
using Appliance.Accounts;
using Appliance.Filtering.Sieve;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.ManageSieve;

/// <summary>Port 4190 (RFC 5804 §1.8): plain text that upgrades with STARTTLS; there is no implicit-TLS port for ManageSieve.</summary>
public sealed class ManageSieveHandler(
    IOptions<ManageSieveOptions> options,
    IOptions<SieveScriptOptions> scriptOptions,
    IOptions<SecurityOptions> security,
    SettingsRepository settings,
    Authenticator authenticator,
    SieveScripts scripts,
    TlsCertificateStore certificates,
    ILogger<ManageSieveHandler> logger) : ConnectionHandler
{
    /// <summary>The answer to a connection past the connection limits, in place of the greeting (RFC 5804 §1.3 TRYLATER).</summary>
    public static ReadOnlyMemory<byte> TooManyConnections { get; } = ManageSieveResponse.Bye("Too many connections, try again later", "TRYLATER").ToBytes();

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var host = await settings.GetAsync(SettingKeys.HostName, connection.ConnectionClosed).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var services = new ManageSieveServices(options.Value, scriptOptions.Value, security.Value, host, authenticator, scripts, certificates, logger);
        var isTls = connection.Features.Get<ITlsHandshakeFeature>() is not null;
        var session = new ManageSieveSession(services, connection.Transport, connection.RemoteEndPoint as IPEndPoint, isTls, connection.ConnectionId, connection.ConnectionClosed);
        await session.RunAsync().ConfigureAwait(false);
    }
}
