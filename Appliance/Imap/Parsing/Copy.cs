namespace Appliance.Imap.Parsing;

/// <summary>
/// A COPY, MOVE, UID COPY or UID MOVE command's arguments (RFC 3501 §6.4.7, RFC 6851 §3):
/// <c>copy = "COPY" SP sequence-set SP mailbox</c>, <c>move = "MOVE" SP sequence-set SP mailbox</c>.
/// </summary>
public sealed record CopyArguments(SequenceSet Set, bool Uid, bool Move, string Mailbox)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static CopyArguments Parse(ImapParser args, bool uid, bool move)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var set = args.ReadSequenceSet();
        args.ReadSpace();
        var mailbox = args.ReadMailbox();
        args.ExpectEnd();
        return new CopyArguments(set, uid, move, mailbox);
    }
}
