namespace Appliance.Imap.Parsing;

/// <summary>
/// <c>status-att = "MESSAGES" / "RECENT" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN"</c> (RFC 3501), with
/// <c>"SIZE"</c> (RFC 8438), <c>"DELETED"</c> (RFC 9051 §6.3.11), <c>"MAILBOXID"</c> (RFC 8474) and <c>"HIGHESTMODSEQ"</c> (RFC 7162 §3.1.2.2).
/// The names are the wire names.
/// </summary>
public enum StatusAttribute
{
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Size,
    HighestModseq,
    Deleted,
    /// <summary>RFC 8474 §4.3 <c>"MAILBOXID"</c>: answered <c>MAILBOXID (objectid)</c>.</summary>
    MailboxId,
}

/// <summary>
/// A STATUS command's arguments (RFC 3501 §6.3.10):
/// <c>status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"</c>.
/// </summary>
public sealed record StatusArguments(string Mailbox, IReadOnlyList<StatusAttribute> Items)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static StatusArguments Parse(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var mailbox = args.ReadMailbox();
        args.ReadSpace();
        var items = StatusAttributes(args);
        args.ExpectEnd();
        return new StatusArguments(mailbox, items);
    }

    /// <summary><c>"(" status-att *(SP status-att) ")"</c>, also LIST's <c>"STATUS" SP "(" status-att *(SP status-att) ")"</c> (RFC 5819).</summary>
    public static IReadOnlyList<StatusAttribute> StatusAttributes(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.Expect('(');
        var items = new List<StatusAttribute>();
        do
        {
            var name = args.ReadAtom();
            items.Add(name switch
            {
                "MESSAGES" => StatusAttribute.Messages,
                "RECENT" => StatusAttribute.Recent,
                "UIDNEXT" => StatusAttribute.UidNext,
                "UIDVALIDITY" => StatusAttribute.UidValidity,
                "UNSEEN" => StatusAttribute.Unseen,
                "SIZE" => StatusAttribute.Size,
                "HIGHESTMODSEQ" => StatusAttribute.HighestModseq,
                "DELETED" => StatusAttribute.Deleted,
                "MAILBOXID" => StatusAttribute.MailboxId,
                _ => throw new ImapSyntaxException($"Unknown STATUS item {name}"),
            });
        }
        while (args.TrySpace());
        args.Expect(')');
        return items;
    }

    /// <summary>The attribute's name on the wire.</summary>
    public static string Name(StatusAttribute attribute) => attribute.ToString().ToUpperInvariant();
}
