namespace Appliance.Filtering.Sieve;

/// <summary><c>Appliance:SieveScripts</c>: how many scripts a user may keep and how large each may be (ManageSieve, the Filters page).</summary>
public sealed class SieveScriptOptions
{
    public const string Section = "Appliance:SieveScripts";

    /// <summary>
    /// Scripts one user may store (default 16). Only one runs; the others are drafts and alternatives a client such as
    /// Thunderbird's sieve add-on switches between. A cap keeps one account from filling the database with them.
    /// </summary>
    public int MaxScripts { get; set; } = 16;

    /// <summary>
    /// Largest script stored, in UTF-8 bytes (default 64 KiB, the interpreter's own <see cref="SieveOptions.MaxScriptSize"/>):
    /// a hand-written or form-built filter is a few KiB, and the script is parsed on each delivery. Also the largest
    /// literal ManageSieve reads whole.
    /// </summary>
    public int MaxScriptSize { get; set; } = 64 * 1024;

    /// <summary>Longest script name, in characters (default 128; RFC 5804 §1.6 sets no limit but asks servers to have one).</summary>
    public int MaxNameLength { get; set; } = 128;

    /// <summary>
    /// Compiled scripts kept in memory by their text (<see cref="CompiledSieveScripts"/>; default 1000, 0 compiles on
    /// every delivery): a script is parsed once, not for each message. Each entry also allows 8 KiB of script text
    /// towards the total, so that large scripts are kept fewer.
    /// </summary>
    public int CompiledCacheEntries { get; set; } = 1000;
}
