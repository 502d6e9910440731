using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

/// <summary><c>Appliance:Filtering:ClamAV</c>: where ClamAV's <c>clamd</c> listens and the limits of a scan.</summary>
public sealed class ClamAvOptions
{
    public const string Section = "Appliance:Filtering:ClamAV";

    /// <summary>
    /// 25 MiB: the <c>StreamMaxLength</c> of the clamd.conf Debian installs (and of ClamAV's sample, "should match your
    /// MTA's limit for a maximum attachment size"); clamd's compiled-in default is 100M.
    /// </summary>
    public const long ClamdDefaultStreamMaxLength = 25L << 20;

    /// <summary>Scan mail with clamd. Default false: clamd is a separate Debian package. Once on, a clamd that is down or hangs is a temporary failure, never a pass.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// clamd's unix socket (clamd.conf <c>LocalSocket</c>; Debian's is <c>/var/run/clamav/clamd.ctl</c>). When set it is
    /// used and <see cref="Address"/> and <see cref="Port"/> are not. Default empty: TCP.
    /// </summary>
    public string SocketPath { get; set; } = "";

    /// <summary>clamd's address or host name (clamd.conf <c>TCPAddr</c>). Default 127.0.0.1.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>clamd's TCP port (clamd.conf <c>TCPSocket</c>). Default 3310, clamd's own.</summary>
    public int Port { get; set; } = 3310;

    /// <summary>
    /// The whole exchange for one message: connecting, streaming, scanning and the reply. Default 60 s: clamd scans a
    /// 25 MB archive in seconds; a hung clamd must not hold the sender's DATA near its 10 minutes (RFC 5321 §4.5.3.2.6).
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Largest message streamed; a larger one is not sent and its result is <see cref="ScanFailureKind.TooLarge"/>.
    /// Default 26214400 (25 MiB), the <c>StreamMaxLength</c> of Debian's clamd.conf: set both together. If clamd's is lower it
    /// refuses the stream itself ("INSTREAM size limit exceeded"), which is also <see cref="ScanFailureKind.TooLarge"/>.
    /// </summary>
    public long MaxStreamBytes { get; set; } = ClamdDefaultStreamMaxLength;
}

public sealed class ClamAvOptionsValidator : IValidateOptions<ClamAvOptions>
{
    /// <summary>sockaddr_un's sun_path holds 108 bytes with the terminating NUL.</summary>
    private const int MaxSocketPathBytes = 107;

    public ValidateOptionsResult Validate(string? name, ClamAvOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string section = ClamAvOptions.Section;
        if (options.SocketPath.Length > 0)
        {
            if (!Path.IsPathFullyQualified(options.SocketPath) || System.Text.Encoding.UTF8.GetByteCount(options.SocketPath) > MaxSocketPathBytes)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{section}:SocketPath must be an absolute path of at most {MaxSocketPathBytes} bytes (was '{options.SocketPath}')."));
            }
        }
        else
        {
            ScannerOptionRules.CheckAddress(failures, section, options.Address);
            ScannerOptionRules.CheckPort(failures, section, options.Port);
        }
        ScannerOptionRules.CheckTimeout(failures, section, options.Timeout);
        // clamd cannot scan a file over 2 GB ("technical design limitations", clamd.conf MaxFileSize).
        if (options.MaxStreamBytes is < 1024 or > int.MaxValue)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxStreamBytes must be from 1024 to 2147483647 (was {options.MaxStreamBytes})."));
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
