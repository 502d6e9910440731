using System.Text;

namespace Appliance.Tests.Infrastructure;

/// <summary>
/// ClamAV's clamd (Debian's clamav-daemon) in the foreground on a free loopback port and a unix socket of its own,
/// with a signature database of one line: the EICAR test file's body signature (freshclam has no network here). It
/// loads in about a second.
/// </summary>
public sealed class PrivateClamd : PrivateDaemon
{
    public const string Binary = "/usr/sbin/clamd";

    /// <summary>The name in <see cref="SignatureFile"/>; clamd adds ".UNOFFICIAL" to a signature that is not ClamAV's own.</summary>
    public const string SignatureName = "Eicar-Test-Signature";

    /// <summary>The EICAR test file (68 bytes), in two halves so that this file is not itself flagged.</summary>
    public static readonly byte[] Eicar = Encoding.ASCII.GetBytes(@"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");

    /// <summary>
    /// An extended signature (.ndb, ClamAV's "signatures.md"): <c>Name:TargetType:Offset:HexSignature</c>; target 0 is
    /// any file and offset * anywhere, so it matches the test file inside a MIME part or an archive as well.
    /// </summary>
    public static string SignatureFile => $"{SignatureName}:0:*:{Convert.ToHexStringLower(Eicar)}\n";

    private PrivateClamd()
    {
    }

    public int Port { get; } = FreePort.Get();

    public string SocketPath => Path.Combine(Root, "clamd.sock");

    protected override string Name => "clamd";

    protected override string LogPath => Path.Combine(Root, "clamd.log");

    /// <param name="streamMaxLength">clamd.conf StreamMaxLength, in bytes.</param>
    public static async Task<PrivateClamd> StartAsync(long streamMaxLength = 1 << 20)
    {
        var clamd = new PrivateClamd();
        var database = Path.Combine(clamd.Root, "db");
        var temp = Path.Combine(clamd.Root, "tmp");
        System.IO.Directory.CreateDirectory(database);
        System.IO.Directory.CreateDirectory(temp);
        await File.WriteAllTextAsync(Path.Combine(database, "eicar.ndb"), SignatureFile);
        var config = Path.Combine(clamd.Root, "clamd.conf");
        await File.WriteAllTextAsync(config, $"""
            Foreground yes
            TCPSocket {clamd.Port}
            TCPAddr 127.0.0.1
            LocalSocket {clamd.SocketPath}
            DatabaseDirectory {database}
            TemporaryDirectory {temp}
            LogFile {clamd.LogPath}
            PidFile {Path.Combine(clamd.Root, "clamd.pid")}
            StreamMaxLength {streamMaxLength}
            MaxThreads 2
            AlertExceedsMax yes

            """);
        clamd.Start(Binary, ["--config-file=" + config]);
        await clamd.WaitUntilReadyAsync(clamd.AnswersPingAsync, TimeSpan.FromSeconds(60));
        return clamd;
    }

    /// <summary>zPING spoken by hand, so that readiness does not depend on the client under test.</summary>
    public async Task<bool> AnswersPingAsync() => await AskAsync(Port, "zPING\0"u8.ToArray(), 16) == "PONG\0";
}
