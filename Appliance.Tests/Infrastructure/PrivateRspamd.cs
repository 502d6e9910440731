namespace Appliance.Tests.Infrastructure;

/// <summary>
/// rspamd (Debian's) on a free loopback port with Debian's rules and a local configuration of its own: the normal
/// worker only (no controller, no proxy, no fuzzy storage), no redis (none is configured, so the modules that need it
/// stay off), and DNS pointed at a loopback port where nothing answers, so that no lookup leaves the machine.
/// </summary>
public sealed class PrivateRspamd : PrivateDaemon
{
    public const string Binary = "/usr/bin/rspamd";

    private PrivateRspamd()
    {
    }

    public int Port { get; } = FreePort.Get();

    public string Url => $"http://127.0.0.1:{Port}";

    protected override string Name => "rspamd";

    protected override string LogPath => Path.Combine(Root, "log", "rspamd.log");

    public static async Task<PrivateRspamd> StartAsync()
    {
        var rspamd = new PrivateRspamd();
        foreach (var directory in new[] { "local.d", "override.d", "run", "db", "log" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(rspamd.Root, directory));
        }
        // override.d replaces Debian's settings (priority 10): our port, one process, the other workers off.
        await File.WriteAllTextAsync(Path.Combine(rspamd.Root, "override.d", "worker-normal.inc"), $"bind_socket = \"127.0.0.1:{rspamd.Port}\";\ncount = 1;\n");
        await File.WriteAllTextAsync(Path.Combine(rspamd.Root, "override.d", "worker-controller.inc"), "enabled = false;\n");
        await File.WriteAllTextAsync(Path.Combine(rspamd.Root, "override.d", "worker-proxy.inc"), "enabled = false;\n");
        await File.WriteAllTextAsync(Path.Combine(rspamd.Root, "override.d", "logging.inc"), "type = \"file\";\nlevel = \"notice\";\n");
        // Port 9 (discard) on loopback: every DNS query (RBLs, SPF, the fuzzy servers' names, map URLs) times out fast.
        await File.WriteAllTextAsync(Path.Combine(rspamd.Root, "local.d", "options.inc"), "dns {\n  nameserver = [\"127.0.0.1:9\"];\n  timeout = 0.2s;\n  retransmits = 1;\n}\n");
        // hfilter scores the client's and the HELO's names by their DNS records, which the loopback DNS above never gives:
        // off, so that well-formed mail is judged by its content and envelope.
        await File.WriteAllTextAsync(Path.Combine(rspamd.Root, "local.d", "hfilter.conf"), "enabled = false;\n");
        List<string> args =
        [
            "-f", "-c", "/etc/rspamd/rspamd.conf",
            $"--var=LOCAL_CONFDIR={rspamd.Root}", $"--var=RUNDIR={Path.Combine(rspamd.Root, "run")}",
            $"--var=DBDIR={Path.Combine(rspamd.Root, "db")}", $"--var=LOGDIR={Path.Combine(rspamd.Root, "log")}",
        ];
        if (Environment.UserName == "root")
        {
            // rspamd refuses workers running as root unless told: the test's own files stay root's.
            args.AddRange(["-u", "root", "-g", "root", "--insecure"]);
        }
        rspamd.Start(Binary, args);
        // Compiling the rules' regular expressions (hyperscan) takes about 15 s, more on a busy machine.
        await rspamd.WaitUntilReadyAsync(rspamd.AnswersPingAsync, TimeSpan.FromSeconds(180));
        return rspamd;
    }

    /// <summary>GET /ping spoken by hand, so that readiness does not depend on the client under test.</summary>
    public async Task<bool> AnswersPingAsync() =>
        (await AskAsync(Port, "GET /ping HTTP/1.0\r\n\r\n"u8.ToArray(), 512))?.Contains("pong", StringComparison.Ordinal) == true;
}
