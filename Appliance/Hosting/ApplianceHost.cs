using Appliance.Accounts;
using Appliance.Pop3;
using Appliance.Protocols;
using Appliance.Setup;
using Appliance.Imap;
using Appliance.Smtp;
using Appliance.Storage;
using Appliance.Web;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Appliance.Hosting;

/// <summary>Builds and runs the web host with every feature registered; used by <c>serve</c> and by the tests.</summary>
public static partial class ApplianceHost
{
    /// <summary>Builds the host and brings the data folder up to date (migrations, abandoned writes); does not listen yet.</summary>
    public static async Task<WebApplication> CreateAsync(string[] args, string? dataDirectory, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(ApplianceHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        ApplianceConfiguration.Apply(builder.Configuration, builder.Environment.EnvironmentName, args, dataDirectory);
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, $"{builder.Environment.ApplicationName}.staticwebassets.runtime.json")))
        {
            // A build run from bin/ (the README's run command, the tests) serves package assets such as
            // Radzen's from the NuGet cache through this manifest; a published app has them in wwwroot.
            builder.WebHost.UseStaticWebAssets();
        }

        builder.Services.AddStorage();
        builder.Services.AddAccounts();
        builder.Services.AddListeners();
        builder.Services.AddSetup();
        builder.Services.AddSmtp();
        builder.Services.AddImap();
        builder.Services.AddPop3();
        builder.Services.AddHostedService<Appliance.Jobs.BlobSweeper>();
        builder.Services.AddHostedService<Appliance.Jobs.MessageIndexer>();
        builder.Services.AddWebConsole(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        // Options are checked here, before anything is written, so a bad setting names itself and stops.
        _ = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ListenerOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ConnectionLimitOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SetupOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Appliance.Smtp.SmtpOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Appliance.Imap.ImapOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Pop3Options>>().Value;
        await app.Services.GetRequiredService<Migrator>().MigrateAsync().ConfigureAwait(false);
        app.Services.GetRequiredService<BlobStore>().RemoveAbandonedWrites();
        if (!await app.Services.GetRequiredService<SetupService>().IsCompleteAsync().ConfigureAwait(false))
        {
            app.Services.GetRequiredService<SetupToken>().Ensure();
        }
        app.UseWebConsole();
        return app;
    }

    public static IServiceCollection AddListeners(this IServiceCollection services)
    {
        services.AddOptions<ListenerOptions>().BindConfiguration(ListenerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ListenerOptions>, ListenerOptionsValidator>();
        services.AddSingleton<TlsCertificateStore>();
        services.AddOptions<ConnectionLimitOptions>().BindConfiguration(ConnectionLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectionLimitOptions>, ConnectionLimitOptionsValidator>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<ServerStatus>();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<ListenerOptions>, TlsCertificateStore, ConnectionLimiter, SmtpServer>((kestrel, listeners, certificates, limiter, smtp) =>
            {
                var o = listeners.Value;
                var tls = new TlsHandshakeCallbackOptions
                {
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
                var imapRefusal = ConnectionLimitMiddleware.Line(Appliance.Imap.ImapServer.TooManyConnections);
                var pop3Refusal = ConnectionLimitMiddleware.Line(Pop3Handler.TooManyConnections);
                // Once Listen* is called, --urls and ASPNETCORE_URLS are ignored: ports come from Appliance:Listeners only.
                Listen(nameof(o.Http), o.Http, false, ConnectionLimitMiddleware.Http, null);
                Listen(nameof(o.Https), o.Https, true, ConnectionLimitMiddleware.Http, null);
                Listen(nameof(o.Smtp), o.Smtp, false, smtp.RefuseAsync, l => l.UseConnectionHandler<InboundSmtpHandler>());
                Listen(nameof(o.Submission), o.Submission, false, smtp.RefuseAsync, l => l.UseConnectionHandler<SubmissionSmtpHandler>());
                // RFC 8314: submission, IMAP and POP3 over implicit TLS; RFC 2595: plain POP3 that upgrades with STLS.
                Listen(nameof(o.Smtps), o.Smtps, true, smtp.RefuseAsync, l => l.UseConnectionHandler<SubmissionSmtpHandler>());
                Listen(nameof(o.Imap), o.Imap, false, imapRefusal, l => l.UseConnectionHandler<Appliance.Imap.ImapConnectionHandler>());
                Listen(nameof(o.Imaps), o.Imaps, true, imapRefusal, l => l.UseConnectionHandler<Appliance.Imap.ImapConnectionHandler>());
                Listen(nameof(o.Pop3), o.Pop3, false, pop3Refusal, l => l.UseConnectionHandler<Pop3Handler>());
                Listen(nameof(o.Pop3s), o.Pop3s, true, pop3Refusal, l => l.UseConnectionHandler<Pop3Handler>());
                kestrel.AddServerHeader = false;
            });
        return services;
    }

    /// <summary>Runs until stopped; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, string? dataDirectory, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        WebApplication app;
        try
        {
            app = await CreateAsync(args, dataDirectory).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                await error.WriteLineAsync($"error: {failure}").ConfigureAwait(false);
            }
            return 2;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            // The binder's own message names the key: "Failed to convert configuration value at 'Appliance:Listeners:Http' …".
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (IOException e) when (e.InnerException is AddressInUseException)
            {
                await error.WriteLineAsync($"error: {DescribeBindFailure(app, e)}").ConfigureAwait(false);
                return 3;
            }
            await app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>Names the setting whose port is taken, from Kestrel's "Failed to bind to address http://127.0.0.1:5080".</summary>
    internal static string DescribeBindFailure(WebApplication app, Exception e)
    {
        var o = app.Services.GetRequiredService<IOptions<ListenerOptions>>().Value;
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
