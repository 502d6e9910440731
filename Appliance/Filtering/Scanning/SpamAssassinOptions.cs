using System.Globalization;
using Microsoft.Extensions.Options;

namespace Appliance.Filtering.Scanning;

/// <summary>Which spamc command a check sends.</summary>
public enum SpamdCommand
{
    /// <summary>Score and threshold only.</summary>
    Check,
    /// <summary>Score, threshold and the names of the rules that hit.</summary>
    Symbols,
    /// <summary>Score, threshold and each rule with its points and description: what "Why is this in Junk?" shows.</summary>
    Report,
}

/// <summary><c>Appliance:Filtering:SpamAssassin</c>: where SpamAssassin's <c>spamd</c> listens and how long it may take.</summary>
public sealed class SpamAssassinOptions
{
    public const string Section = "Appliance:Filtering:SpamAssassin";

    /// <summary>Check mail with spamd. Default false: spamd is a separate Debian package. Once on, a spamd that is down or hangs is a temporary failure, never a pass.</summary>
    public bool Enabled { get; set; }

    /// <summary>spamd's address or host name. Default 127.0.0.1, where Debian's spamd listens.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>spamd's TCP port. Default 783, spamd's own.</summary>
    public int Port { get; set; } = 783;

    /// <summary>
    /// The whole exchange for one message: connecting, sending, scoring and the reply. Default 60 s: spamd with local
    /// rules scores a 500 KB message in a few seconds even when busy; the sender waits up to 10 minutes for our
    /// answer to its DATA (RFC 5321 §4.5.3.2.6), which must also hold the virus scan and delivery.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Largest message sent to spamd; a larger one is not sent and its result is <see cref="ScanFailureKind.TooLarge"/>
    /// (mark it unscanned). Default 512000 bytes, spamc's own default (<c>-s</c>): spam is small, and SpamAssassin's
    /// time grows with the size.
    /// </summary>
    public long MaxMessageBytes { get; set; } = 512_000;

    /// <summary>Default <see cref="SpamdCommand.Report"/>: every verdict is explained with each rule's points.</summary>
    public SpamdCommand Command { get; set; } = SpamdCommand.Report;

    /// <summary>
    /// The <c>User</c> header sent when the caller names none, for spamd's per-user settings (spamc <c>-u</c>). Default
    /// empty: none is sent and spamd uses the user it runs as.
    /// </summary>
    public string User { get; set; } = "";
}

public sealed class SpamAssassinOptionsValidator : IValidateOptions<SpamAssassinOptions>
{
    public ValidateOptionsResult Validate(string? name, SpamAssassinOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string section = SpamAssassinOptions.Section;
        ScannerOptionRules.CheckAddress(failures, section, options.Address);
        ScannerOptionRules.CheckPort(failures, section, options.Port);
        ScannerOptionRules.CheckTimeout(failures, section, options.Timeout);
        if (options.MaxMessageBytes is < 1024 or > 1L << 30)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:MaxMessageBytes must be between 1024 and 1073741824 (was {options.MaxMessageBytes})."));
        }
        if (!Enum.IsDefined(options.Command))
        {
            failures.Add($"{section}:Command must be Check, Symbols or Report (was {options.Command}).");
        }
        // The header value goes on one line of the request: a line break would inject a header.
        if (options.User.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || options.User.Length > 256)
        {
            failures.Add($"{section}:User must be at most 256 characters without spaces or control characters (was '{options.User}').");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The checks the two scanners' options share, with the setting named in each message.</summary>
internal static class ScannerOptionRules
{
    public static void CheckAddress(List<string> failures, string section, string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            failures.Add($"{section}:Address must be an IP address or a host name (was '{address}').");
        }
    }

    public static void CheckPort(List<string> failures, string section, int port)
    {
        if (port is < 1 or > 65535)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:Port must be from 1 to 65535 (was {port})."));
        }
    }

    public static void CheckTimeout(List<string> failures, string section, TimeSpan timeout)
    {
        if (timeout < TimeSpan.FromMilliseconds(100) || timeout > TimeSpan.FromMinutes(10))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:Timeout must be from 00:00:00.1 to 00:10:00 (was {timeout})."));
        }
    }
}
