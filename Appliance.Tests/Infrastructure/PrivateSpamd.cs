namespace Appliance.Tests.Infrastructure;

/// <summary>
/// SpamAssassin's spamd (Debian's spamd) on a free loopback port: local rules only (<c>-L</c>), no user
/// configuration (<c>-x</c>), no Bayes, a site configuration of its own, at most two children.
/// </summary>
public sealed class PrivateSpamd : PrivateDaemon
{
    public const string Binary = "/usr/sbin/spamd";

    /// <summary>SpamAssassin's own test string (GTUBE), in two halves so that this file is not itself spam.</summary>
    public static readonly string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*" + "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private PrivateSpamd()
    {
    }

    public int Port { get; } = FreePort.Get();

    protected override string Name => "spamd";

    protected override string LogPath => Path.Combine(Root, "spamd.log");

    public static async Task<PrivateSpamd> StartAsync()
    {
        var spamd = new PrivateSpamd();
        var site = Path.Combine(spamd.Root, "site");
        System.IO.Directory.CreateDirectory(site);
        // --siteconfigpath replaces /etc/spamassassin, whose .pre files load the plugins (v320.pre loads Check,
        // without which spamd "cannot scan"); the rules themselves stay in /usr/share/spamassassin.
        foreach (var pre in System.IO.Directory.GetFiles("/etc/spamassassin", "*.pre"))
        {
            File.Copy(pre, Path.Combine(site, Path.GetFileName(pre)));
        }
        // No learning: every run scores the same message the same way.
        await File.WriteAllTextAsync(Path.Combine(site, "local.cf"), "use_bayes 0\nbayes_auto_learn 0\n");
        // The children run as nobody when we are root, and read the configuration.
        File.SetUnixFileMode(spamd.Root, File.GetUnixFileMode(spamd.Root) | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);
        List<string> args =
        [
            $"--listen=127.0.0.1:{spamd.Port}", "--local", "--nouser-config",
            $"--siteconfigpath={site}", $"--pidfile={Path.Combine(spamd.Root, "spamd.pid")}",
            "-s", spamd.LogPath, "--max-children=2", "--min-children=1",
        ];
        if (Environment.UserName == "root")
        {
            args.AddRange(["-u", "nobody"]);
        }
        spamd.Start(Binary, args);
        // Loading and compiling the rules takes several seconds, more on a busy machine.
        await spamd.WaitUntilReadyAsync(spamd.AnswersPingAsync, TimeSpan.FromSeconds(120));
        return spamd;
    }

    /// <summary>spamc's PING, spoken here by hand so that readiness does not depend on the client under test.</summary>
    public async Task<bool> AnswersPingAsync() =>
        (await AskAsync(Port, "PING SPAMC/1.5\r\n\r\n"u8.ToArray(), 64))?.Contains("PONG", StringComparison.Ordinal) == true;

    public string Log() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";
}
