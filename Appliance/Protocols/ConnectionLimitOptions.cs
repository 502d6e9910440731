using Microsoft.Extensions.Options;

namespace Appliance.Protocols;

/// <summary>
/// <c>Appliance:Connections</c>: how many connections the listeners accept together, each, and from one
/// client address. A connection is a file descriptor; when the process runs out of descriptors the runtime
/// cannot even load an assembly and the whole server dies ("Out of memory."), taking every user's session
/// with it. So the limits are derived at start from the descriptor limit (<c>ulimit -n</c>, systemd's
/// <c>LimitNOFILE</c>) minus what the process already holds and a reserve, and a connection past them gets
/// its protocol's refusal instead.
/// </summary>
public sealed class ConnectionLimitOptions
{
    public const string Section = "Appliance:Connections";

    /// <summary>
    /// Connections on all listeners together. 0 (the default) derives it: the descriptor limit, less the
    /// descriptors open at start, less <see cref="ReservedFileDescriptors"/>, at most <see cref="AutomaticCeiling"/>.
    /// A setting above what the descriptors allow is lowered to that, with a warning.
    /// </summary>
    public int MaxTotal { get; set; }

    /// <summary>
    /// Connections on one listener. 0 (the default) is three quarters of the total: a flood on one port
    /// (say IMAP) leaves a quarter for mail to arrive over SMTP and for the console.
    /// </summary>
    public int MaxPerListener { get; set; }

    /// <summary>
    /// Connections from one client address on one listener. 0 (the default) is half of the per-listener
    /// limit: high, because a whole office may reach the appliance from one address behind its router, yet one
    /// host cannot take a listener alone.
    /// </summary>
    public int MaxPerAddress { get; set; }

    /// <summary>
    /// Descriptors kept free above those open at start, for what the process opens later: SQLite's pooled
    /// connections (three files each with WAL), blobs being read or written, assemblies loaded on first use
    /// (two descriptors each), logs, TLS. Default 256.
    /// </summary>
    public int ReservedFileDescriptors { get; set; } = 256;

    /// <summary>
    /// Refused connections being answered at once (their refusal written, or their TLS handshake finished so
    /// that the refusal can be read). Past it a refused connection is closed at once without a word, so a flood
    /// cannot spend the reserve on refusals. Default 64.
    /// </summary>
    public int MaxRefusalsInFlight { get; set; } = 64;

    /// <summary>
    /// The most connections the derived total allows, whatever the descriptor limit (systemd's default hard
    /// limit is 524,288): an idle TLS IMAP connection costs about 64 KiB (bench/imap.sh), so 50,000 is about
    /// 3 GiB. Default 50,000.
    /// </summary>
    public int AutomaticCeiling { get; set; } = 50_000;
}

/// <summary>Names the bad setting, as every options validator here does.</summary>
public sealed class ConnectionLimitOptionsValidator : IValidateOptions<ConnectionLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void NonNegative(string setting, int value)
        {
            if (value < 0)
            {
                failures.Add($"{ConnectionLimitOptions.Section}:{setting} must be 0 (derive it) or a positive number (was {value}).");
            }
        }
        NonNegative(nameof(options.MaxTotal), options.MaxTotal);
        NonNegative(nameof(options.MaxPerListener), options.MaxPerListener);
        NonNegative(nameof(options.MaxPerAddress), options.MaxPerAddress);
        if (options.ReservedFileDescriptors is < 16 or > 1_000_000)
        {
            failures.Add($"{ConnectionLimitOptions.Section}:ReservedFileDescriptors must be between 16 and 1000000 (was {options.ReservedFileDescriptors}).");
        }
        if (options.MaxRefusalsInFlight is < 1 or > 100_000)
        {
            failures.Add($"{ConnectionLimitOptions.Section}:MaxRefusalsInFlight must be between 1 and 100000 (was {options.MaxRefusalsInFlight}).");
        }
        if (options.AutomaticCeiling is < 1 or > 10_000_000)
        {
            failures.Add($"{ConnectionLimitOptions.Section}:AutomaticCeiling must be between 1 and 10000000 (was {options.AutomaticCeiling}).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
