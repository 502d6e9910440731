using System.Net;
using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Filtering.Uce;
using Appliance.Mail;
using Appliance.Protocols;
using Appliance.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Smtp;

/// <summary>Builds the services every SMTP session shares, once per listener kind.</summary>
public sealed class SmtpServer(
    IOptions<SmtpOptions> options,
    IOptions<SecurityOptions> security,
    IOptions<StorageOptions> storage,
    SettingsRepository settings,
    SubmissionPolicy policy,
    DeliveryAgent delivery,
    MessageInspector inspector,
    Authenticator authenticator,
    MessageLog log,
    TlsCertificateStore certificates,
    UceGuard uce,
    ILogger<SmtpServer> logger)
{
    public async Task RunAsync(ConnectionContext connection, SmtpMode mode)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var host = await settings.GetRecentAsync(SettingKeys.HostName, DeliveryAgent.HostNameMaxAge, connection.ConnectionClosed).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var services = new SmtpServices(options.Value, security.Value, host, policy, delivery, inspector, authenticator, log, certificates,
            Path.Combine(storage.Value.BlobDirectory, "tmp"), logger);
        var isTls = connection.Features.Get<ITlsHandshakeFeature>() is not null;
        var remote = connection.RemoteEndPoint as IPEndPoint;
        var checks = uce.Open(remote?.Address, (connection.LocalEndPoint as IPEndPoint)?.Address, mode == SmtpMode.Inbound, host, connection.ConnectionId);
        var session = new SmtpSession(services, mode, connection.Transport, remote, isTls, connection.ConnectionId, connection.ConnectionClosed, checks);
        await session.RunAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The answer to a connection past the connection limits, in place of the greeting: RFC 5321 §3.8 and §4.2
    /// name 421 with the server's domain; RFC 3463's 4.7.0 says it is a policy, to retry later.
    /// </summary>
    public async Task RefuseAsync(ConnectionContext connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // The same recent host name as the greeting: a flood of refusals must not become database load.
        var host = await settings.GetRecentAsync(SettingKeys.HostName, DeliveryAgent.HostNameMaxAge, cancellationToken).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        await connection.Transport.Output.WriteAsync(
            System.Text.Encoding.ASCII.GetBytes($"421 4.7.0 {host} Too many connections, try again later\r\n"), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Port 25: mail from the internet for the hosted domains.</summary>
public sealed class InboundSmtpHandler(SmtpServer server) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => server.RunAsync(connection, SmtpMode.Inbound);
}

/// <summary>Ports 587 and 465: users' own mail, after AUTH.</summary>
public sealed class SubmissionSmtpHandler(SmtpServer server) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => server.RunAsync(connection, SmtpMode.Submission);
}
