namespace Appliance.Filtering.Sieve;

/// <summary>One thing the script asks delivery to do. Equality is by value, so duplicates can be merged (RFC 5228 §2.10.3).</summary>
public abstract record SieveAction
{
    /// <summary>The line of the command that asked for it (0 for the implicit keep).</summary>
    public int Line { get; init; }
}

/// <summary>Store in the default mailbox, with these IMAP flags (RFC 5232 §5).</summary>
public sealed record SieveKeep(string Mailbox, IReadOnlyList<string> Flags, bool Implicit) : SieveAction;

public sealed record SieveFileInto(string Mailbox, IReadOnlyList<string> Flags, bool Copy) : SieveAction;

public sealed record SieveRedirect(string Address, bool Copy) : SieveAction;

public sealed record SieveDiscard : SieveAction;

/// <summary>reject (an MDN-style refusal, RFC 5429 §2.2) or ereject (an SMTP-level refusal when possible, §2.1).</summary>
public sealed record SieveReject(string Reason, bool Extended) : SieveAction;

/// <summary>A vacation reply the interpreter decided to send (RFC 5230): the reply is built, addressed and headed (RFC 3834).</summary>
public sealed record SieveVacationReply(string Recipient, MimeKit.MimeMessage Reply) : SieveAction;

/// <summary>
/// What one run decided: the actions to perform, in order, and the error when the run failed. A failed run never loses
/// the message: its actions are then a single keep (RFC 5228 §2.10.6), and <see cref="Error"/> says why, for the user.
/// <see cref="Notes"/> records decisions a user may wonder about ("no vacation reply: the message came from a list").
/// </summary>
public sealed record SieveResult(IReadOnlyList<SieveAction> Actions, string? Error, IReadOnlyList<string> Notes)
{
    public bool Failed => Error is not null;

    public bool Keeps => Actions.Any(a => a is SieveKeep);

    /// <summary>The script ended with <c>stop</c>: when scripts run in a row (global before, user, global after), the rest do not run.</summary>
    public bool Stopped { get; init; }
}
