namespace Appliance.ManageSieve;

/// <summary><c>Appliance:ManageSieve</c>: limits of the ManageSieve listener, each with the reason for its default. Script count and size are <c>Appliance:SieveScripts</c>.</summary>
public sealed class ManageSieveOptions
{
    public const string Section = "Appliance:ManageSieve";

    /// <summary>
    /// Longest command line, without CRLF (default 8192). Scripts come as literals, which this does not bound
    /// (<c>Appliance:SieveScripts:MaxScriptSize</c> does); a line holds a command, names and quoted strings of at most
    /// 1024 octets each (RFC 5804 §4), and a SASL response.
    /// </summary>
    public int MaxLineLength { get; set; } = 8192;

    /// <summary>Seconds a client may stay silent before it is told BYE and closed (default 1800: a script editor left open between saves).</summary>
    public int IdleTimeoutSeconds { get; set; } = 1800;

    /// <summary>Failed AUTHENTICATE attempts in one session before it is closed; each also waits longer (Appliance:Security).</summary>
    public int MaxAuthFailures { get; set; } = 3;

    /// <summary>Refused or malformed commands in one session before it is closed: a confused or hostile client stops costing anything.</summary>
    public int MaxErrors { get; set; } = 20;
}
