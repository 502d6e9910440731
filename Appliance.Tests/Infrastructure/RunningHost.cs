using Appliance.Setup;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// The real host, in process, listening on a free loopback HTTP port with every protocol listener off
/// (WebApplicationFactory opens no sockets, and browsers and real clients need them).
/// </summary>
public sealed class RunningHost : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private WebApplication? _app;
    private string[] _args = [];

    public int HttpPort { get; } = FreePort.Get();
    public int SmtpPort { get; private set; }
    public int SubmissionPort { get; private set; }
    public int SmtpsPort { get; private set; }
    public int Pop3Port { get; private set; }
    public int Pop3sPort { get; private set; }
    public int ImapPort { get; private set; }
    public int ImapsPort { get; private set; }
    public int ManageSievePort { get; private set; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");
    public string DataDirectory => _directory.Path;
    public IServiceProvider Services => _app!.Services;

    /// <summary>
    /// The host's DNS: a loopback responder of its own, empty until a test adds records, so that the checks at DATA
    /// (SPF, DKIM, DMARC) get quick, repeatable answers and never wait on the machine's resolver. Null when a test
    /// names its own servers.
    /// </summary>
    public LoopbackDnsServer? Dns { get; private set; }

    /// <summary>The host with its SMTP listeners on (inbound, submission, implicit TLS) on free ports.</summary>
    public static async Task<RunningHost> StartWithSmtpAsync(params string[] extraArgs)
    {
        var smtp = FreePort.Get();
        var submission = FreePort.Get();
        var smtps = FreePort.Get();
        var host = await StartAsync(true, [$"--Appliance:Listeners:Smtp={smtp}", $"--Appliance:Listeners:Submission={submission}", $"--Appliance:Listeners:Smtps={smtps}", .. extraArgs]);
        host.SmtpPort = smtp;
        host.SubmissionPort = submission;
        host.SmtpsPort = smtps;
        return host;
    }

    /// <summary>The host with its POP3 listeners on (STLS and implicit TLS) and inbound SMTP to fill mailboxes, on free ports.</summary>
    public static async Task<RunningHost> StartWithPop3Async(params string[] extraArgs)
    {
        var pop3 = FreePort.Get();
        var pop3s = FreePort.Get();
        var smtp = FreePort.Get();
        var host = await StartAsync(true, [$"--Appliance:Listeners:Pop3={pop3}", $"--Appliance:Listeners:Pop3s={pop3s}", $"--Appliance:Listeners:Smtp={smtp}", .. extraArgs]);
        host.Pop3Port = pop3;
        host.Pop3sPort = pop3s;
        host.SmtpPort = smtp;
        return host;
    }

    /// <summary>The host with its ManageSieve listener (STARTTLS) and inbound SMTP, to see a stored script act on the next delivery.</summary>
    public static async Task<RunningHost> StartWithManageSieveAsync(params string[] extraArgs)
    {
        var sieve = FreePort.Get();
        var smtp = FreePort.Get();
        var host = await StartAsync(true, [$"--Appliance:Listeners:ManageSieve={sieve}", $"--Appliance:Listeners:Smtp={smtp}", .. extraArgs]);
        host.ManageSievePort = sieve;
        host.SmtpPort = smtp;
        return host;
    }

    /// <summary>The host with its SMTP listeners and IMAP (STARTTLS) and IMAPS (implicit TLS) on free ports.</summary>
    public static async Task<RunningHost> StartWithImapAsync(params string[] extraArgs)
    {
        var imap = FreePort.Get();
        var imaps = FreePort.Get();
        // Later arguments win, so these override StartAsync's Imap=0 and Imaps=0.
        var host = await StartWithSmtpAsync([$"--Appliance:Listeners:Imap={imap}", $"--Appliance:Listeners:Imaps={imaps}", .. extraArgs]);
        host.ImapPort = imap;
        host.ImapsPort = imaps;
        return host;
    }

    public static async Task<RunningHost> StartAsync(bool setUp = false, params string[] extraArgs)
    {
        var host = new RunningHost();
        var args = new List<string>
        {
            "--environment=Development",
            $"--Appliance:Listeners:Http={host.HttpPort}",
            "--Appliance:Listeners:Imap=0", "--Appliance:Listeners:Imaps=0",
            "--Logging:LogLevel:Default=Warning",
        };
        args.AddRange(TestServices.FastSecurity.Select(kv => $"--{kv.Key}={kv.Value}"));
        foreach (var listener in new[] { "Https", "Smtp", "Submission", "Smtps", "Pop3", "Pop3s", "ManageSieve" })
        {
            if (!extraArgs.Any(a => a.StartsWith($"--Appliance:Listeners:{listener}=", StringComparison.Ordinal)))
            {
                args.Add($"--Appliance:Listeners:{listener}=0");
            }
        }
        if (!extraArgs.Any(a => a.StartsWith("--Appliance:Dns:Servers", StringComparison.Ordinal)))
        {
            host.Dns = LoopbackDnsServer.Start();
            args.Add($"--Appliance:Dns:Servers:0={host.Dns.Address}");
        }
        args.AddRange(extraArgs);
        host._args = [.. args];
        host._app = await Program.CreateAsync(host._args, host._directory.Path);
        await host._app.StartAsync();
        if (setUp)
        {
            await host.Services.GetRequiredService<SetupService>().CompleteAsync(
                new SetupRequest("en", "mail.example.com", "example.com", "admin@example.com", TestServices.AdminPassword));
        }
        return host;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Stops the host and starts it again on the same data folder and ports: what survives is what was durable.</summary>
    public async Task RestartAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _app = await Program.CreateAsync(_args, _directory.Path);
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Dns is not null)
        {
            await Dns.DisposeAsync();
        }
        _directory.Dispose();
    }
}
