namespace Appliance.Filtering.Sieve;

/// <summary>
/// The bounds a user's script runs within. A script is written by the user but runs inside the delivery of
/// every message, so each limit keeps one bad script from slowing delivery for everybody else.
/// </summary>
public sealed class SieveOptions
{
    /// <summary>Largest script accepted, in bytes (default 64 KiB). ManageSieve servers commonly advertise 1 MiB; a filter
    /// a person writes by hand or with the form is a few KiB, and a smaller cap keeps parse time negligible.</summary>
    public int MaxScriptSize { get; set; } = 64 * 1024;

    /// <summary>Deepest nesting of blocks and tests (default 32). Bounds the parser's and interpreter's recursion.</summary>
    public int MaxNesting { get; set; } = 32;

    /// <summary>Longest string literal, and longest string a variable or expansion may grow to (default 16 KiB).</summary>
    public int MaxStringLength { get; set; } = 16 * 1024;

    /// <summary>Most strings in one string list (default 256).</summary>
    public int MaxListLength { get; set; } = 256;

    /// <summary>Most variables one script may set (default 128; RFC 5229 §6 asks for limits).</summary>
    public int MaxVariables { get; set; } = 128;

    /// <summary>Most actions one run may produce (default 32); more is a runtime error and the message is kept.</summary>
    public int MaxActions { get; set; } = 32;

    /// <summary>Most redirects one run may produce (default 4): a forwarding loop or a spray must not multiply mail.</summary>
    public int MaxRedirects { get; set; } = 4;

    /// <summary>Wall-clock budget of one run (default 1 s). A script matching wildcards against a huge header stops here.</summary>
    public TimeSpan MaxRunTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most character comparisons one run may spend in matching (default 5 million), checked with the clock:
    /// a count is deterministic where the clock is not, so tests and users see the same outcome each time.</summary>
    public long MaxMatchSteps { get; set; } = 5_000_000;

    /// <summary>Shortest vacation interval in days a script may ask for (default 1, RFC 5230 §4.1); longer asks are kept.</summary>
    public int MinVacationDays { get; set; } = 1;

    /// <summary>Longest vacation interval in days (default 30); larger values are clamped.</summary>
    public int MaxVacationDays { get; set; } = 30;

    /// <summary>Vacation interval when the script gives none (default 7 days, RFC 5230 §4.1).</summary>
    public int DefaultVacationDays { get; set; } = 7;
}
