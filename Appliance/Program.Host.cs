using Appliance.Accounts;
using Appliance.Filtering;
using Appliance.Filtering.Dkim;
using Appliance.Filtering.Dmarc;
using Appliance.Filtering.Scanning;
using Appliance.Hosting;
using Appliance.Imap;
using Appliance.Jobs;
using Appliance.ManageSieve;
using Appliance.Pop3;
using Appliance.Protocols;
using Appliance.Setup;
using Appliance.Smtp;
using Appliance.Storage;
using Appliance.Web;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Appliance;

/// <summary>The composition root: builds and runs the web host with every feature registered; used by <c>serve</c> and by the tests.</summary>
public partial class Program
{
    /// <summary>Builds the host and brings the data folder up to date (migrations, abandoned writes); does not listen yet.</summary>
    public static async Task<WebApplication> CreateAsync(string[] args, string? dataDirectory, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(Program).Assembly.GetName().Name,
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
        builder.Services.AddManageSieve();
        builder.Services.AddHostedService<BlobSweeper>();
        builder.Services.AddHostedService<MessageIndexer>();
        builder.Services.AddHostedService<QuarantineSweeper>();
        // Singletons as well as hosted services, so that a test (or the command line) can run one now.
        builder.Services.AddSingleton<QuarantineDigest>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QuarantineDigest>());
        builder.Services.AddSingleton<GreylistSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<GreylistSweeper>());
        builder.Services.AddWebConsole(builder.Configuration);
        // The console redirects plain HTTP to the HTTPS listener; the port is the listeners' setting.
        builder.Services.AddOptions<HttpsRedirectOptions>()
            .Configure<IOptions<ListenerOptions>>((redirect, listeners) => redirect.HttpsPort = listeners.Value.Https);
        configure?.Invoke(builder);

        var app = builder.Build();
        // Options are checked here, before anything is written, so a bad setting names itself and stops.
        _ = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ListenerOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ConnectionLimitOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SetupOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SmtpOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ImapOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Pop3Options>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ManageSieveOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<Appliance.Filtering.Sieve.SieveScriptOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<FilteringOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<SpamAssassinOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ClamAvOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<DkimOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<DmarcOptions>>().Value;
        await app.Services.GetRequiredService<Migrator>().MigrateAsync().ConfigureAwait(false);
        app.Services.GetRequiredService<BlobStore>().RemoveAbandonedWrites();
        app.Services.GetRequiredService<TlsInstaller>().RecoverInterruptedInstall();
        if (!await app.Services.GetRequiredService<SetupService>().IsCompleteAsync().ConfigureAwait(false))
        {
            app.Services.GetRequiredService<SetupToken>().Ensure();
        }
        app.UseWebConsole();
        return app;
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
                await error.WriteLineAsync($"error: {Listeners.DescribeBindFailure(app.Services.GetRequiredService<IOptions<ListenerOptions>>().Value, e)}").ConfigureAwait(false);
                return 3;
            }
            await app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
    }
}
