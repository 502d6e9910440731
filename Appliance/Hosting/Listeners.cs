using Appliance.Imap;
using Appliance.ManageSieve;
using Appliance.Pop3;
using Appliance.Protocols;
using Appliance.Smtp;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Appliance.Hosting;

/// <summary>
/// The Kestrel listeners: one port per protocol from <c>Appliance:Listeners</c>, implicit TLS where the
/// port asks for it. The composition root (<c>Program</c>) registers the features whose handlers these are.
/// </summary>
public static class Listeners
{
    /// <summary>Binds the ports; the certificate store they present comes with <c>AddSetup</c>.</summary>
    public static IServiceCollection AddListeners(this IServiceCollection services)
    {
        services.AddOptions<ListenerOptions>().BindConfiguration(ListenerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ListenerOptions>, ListenerOptionsValidator>();
        // The one handshake timeout: Kestrel's for the implicit-TLS ports below, the certificate store's for STARTTLS and STLS.
        services.AddOptions<TlsOptions>().Configure<IOptions<ListenerOptions>>((tls, listeners) => tls.HandshakeTimeout = listeners.Value.TlsHandshakeTimeout);
        services.AddOptions<ConnectionLimitOptions>().BindConfiguration(ConnectionLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectionLimitOptions>, ConnectionLimitOptionsValidator>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<ServerStatus>();
        // The dashboard's health figures, and the logger that remembers the last errors for it.
        services.AddSingleton<RecentErrors>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<RecentErrors>());
        services.AddSingleton<ServerHealth>();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<ListenerOptions>, TlsCertificateStore, ConnectionLimiter, SmtpServer>((kestrel, listeners, certificates, limiter, smtp) =>
            {
                var o = listeners.Value;
                var tls = new TlsHandshakeCallbackOptions
                {
                    HandshakeTimeout = o.TlsHandshakeTimeout,
                    OnConnection = _ => ValueTask.FromResult(new System.Net.Security.SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificates.Context,
                    }),
                };
                // Every listener counts its connections before TLS (a descriptor is taken either way) and refuses
                // in its own protocol after it, where an implicit-TLS client can read the refusal.
                void Listen(string name, int port, bool implicitTls, Func<ConnectionContext, CancellationToken, Task> refuse, Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions>? protocol)
                {
                    if (port <= 0)
                    {
                        return;
                    }
                    kestrel.Listen(o.BindAddress, port, l =>
                    {
                        l.UseConnectionLimit(name, limiter);
                        if (implicitTls)
                        {
                            l.UseHttps(tls);
                        }
                        l.UseRefusal(refuse);
                        // No protocol: Kestrel's HTTP goes last, after these.
                        protocol?.Invoke(l);
                    });
                }
                var imapRefusal = ConnectionLimitMiddleware.Line(ImapServer.TooManyConnections);
                var pop3Refusal = ConnectionLimitMiddleware.Line(Pop3Handler.TooManyConnections);
                var manageSieveRefusal = ConnectionLimitMiddleware.Line(ManageSieveHandler.TooManyConnections);
                // Once Listen* is called, --urls and ASPNETCORE_URLS are ignored: ports come from Appliance:Listeners only.
                Listen(nameof(o.Http), o.Http, false, ConnectionLimitMiddleware.Http, null);
                Listen(nameof(o.Https), o.Https, true, ConnectionLimitMiddleware.Http, null);
                Listen(nameof(o.Smtp), o.Smtp, false, smtp.RefuseAsync, l => l.UseConnectionHandler<InboundSmtpHandler>());
                Listen(nameof(o.Submission), o.Submission, false, smtp.RefuseAsync, l => l.UseConnectionHandler<SubmissionSmtpHandler>());
                // RFC 8314: submission, IMAP and POP3 over implicit TLS; RFC 2595: plain POP3 that upgrades with STLS.
                Listen(nameof(o.Smtps), o.Smtps, true, smtp.RefuseAsync, l => l.UseConnectionHandler<SubmissionSmtpHandler>());
                Listen(nameof(o.Imap), o.Imap, false, imapRefusal, l => l.UseConnectionHandler<ImapConnectionHandler>());
                Listen(nameof(o.Imaps), o.Imaps, true, imapRefusal, l => l.UseConnectionHandler<ImapConnectionHandler>());
                Listen(nameof(o.Pop3), o.Pop3, false, pop3Refusal, l => l.UseConnectionHandler<Pop3Handler>());
                Listen(nameof(o.Pop3s), o.Pop3s, true, pop3Refusal, l => l.UseConnectionHandler<Pop3Handler>());
                // RFC 5804 §1.8: ManageSieve has one port, plain text with STARTTLS.
                Listen(nameof(o.ManageSieve), o.ManageSieve, false, manageSieveRefusal, l => l.UseConnectionHandler<ManageSieveHandler>());
                kestrel.AddServerHeader = false;
            });
        return services;
    }

    /// <summary>Names the setting whose port is taken, from Kestrel's "Failed to bind to address http://127.0.0.1:5080".</summary>
    public static string DescribeBindFailure(ListenerOptions o, Exception e)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(e);
        foreach (var (name, port) in o.All())
        {
            if (port > 0 && e.Message.Contains($":{port}", StringComparison.Ordinal))
            {
                return $"{ListenerOptions.Section}:{name}: port {port} on {o.Address} is already in use by another program; stop it or choose another port.";
            }
        }
        return $"a listening port is already in use: {e.Message}";
    }
}
