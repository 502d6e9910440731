namespace Appliance.Imap.Parsing;

/// <summary>
/// An APPEND command's arguments (RFC 3501 §6.3.11):
/// <c>append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal</c>.
/// <see cref="InternalDate"/> is null when the client gave none (the server then uses the time of arrival);
/// <see cref="Message"/> is the literal's bytes, a slice of the command the reader collected.
/// </summary>
public sealed record AppendArguments(string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, ReadOnlyMemory<byte> Message)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static AppendArguments Parse(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var mailbox = args.ReadMailbox();
        args.ReadSpace();
        IReadOnlyList<string> flags = [];
        if (args.NextIs('('))
        {
            flags = args.ReadFlagList();
            args.ReadSpace();
        }
        DateTimeOffset? internalDate = null;
        if (args.NextIs('"'))
        {
            internalDate = args.ReadDateTime();
            args.ReadSpace();
        }
        var message = args.ReadLiteral();
        args.ExpectEnd();
        return new AppendArguments(mailbox, flags, internalDate, message);
    }
}
