using Appliance.Imap;
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
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<ListenerOptions>, TlsCertificateStore>((kestrel, listeners, certificates) =>
            {
                var o = listeners.Value;
                // Once Listen* is called, --urls and ASPNETCORE_URLS are ignored: ports come from Appliance:Listeners only.
                if (o.Http > 0)
                {
                    kestrel.Listen(o.BindAddress, o.Http);
                }
                if (o.Https > 0)
                {
                    kestrel.Listen(o.BindAddress, o.Https, l => l.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(new System.Net.Security.SslServerAuthenticationOptions
                        {
                            ServerCertificateContext = certificates.Context,
                        }),
                    }));
                }
                var tls = new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(new System.Net.Security.SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificates.Context,
                    }),
                };
                if (o.Smtp > 0)
                {
                    kestrel.Listen(o.BindAddress, o.Smtp, l => l.UseConnectionHandler<InboundSmtpHandler>());
                }
                if (o.Submission > 0)
                {
                    kestrel.Listen(o.BindAddress, o.Submission, l => l.UseConnectionHandler<SubmissionSmtpHandler>());
                }
                if (o.Smtps > 0)
                {
                    // RFC 8314: submission over implicit TLS.
                    kestrel.Listen(o.BindAddress, o.Smtps, l =>
                    {
                        l.UseHttps(tls);
                        l.UseConnectionHandler<SubmissionSmtpHandler>();
                    });
                }
                if (o.Imap > 0)
                {
                    kestrel.Listen(o.BindAddress, o.Imap, l => l.UseConnectionHandler<ImapConnectionHandler>());
                }
                if (o.Imaps > 0)
                {
                    // RFC 8314: IMAP over implicit TLS.
                    kestrel.Listen(o.BindAddress, o.Imaps, l =>
                    {
                        l.UseHttps(tls);
                        l.UseConnectionHandler<ImapConnectionHandler>();
                    });
                }
                if (o.Pop3 > 0)
                {
                    // RFC 2595: plain POP3 that upgrades with STLS.
                    kestrel.Listen(o.BindAddress, o.Pop3, l => l.UseConnectionHandler<Pop3Handler>());
                }
                if (o.Pop3s > 0)
                {
                    // RFC 8314: POP3 over implicit TLS.
                    kestrel.Listen(o.BindAddress, o.Pop3s, l =>
                    {
                        l.UseHttps(tls);
                        l.UseConnectionHandler<Pop3Handler>();
                    });
                }
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
