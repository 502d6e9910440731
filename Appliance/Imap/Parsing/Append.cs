namespace Appliance.Imap.Parsing;

/// <summary>One piece of a message to append: a literal (in the command or spooled), or CATENATE's URL (RFC 4469).</summary>
public sealed record AppendPart(ImapLiteral? Literal, string? Url);

/// <summary>
/// One <c>append-message = append-opts SP append-data</c> (RFC 3502): its flags, its internal date (null: the time
/// of arrival), and its data: one literal, or CATENATE's parts in order.
/// </summary>
public sealed record AppendMessage(IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, IReadOnlyList<AppendPart> Parts, bool Catenate = false)
{
    /// <summary>The message's single literal (plain APPEND, literal8, UTF8).</summary>
    public ImapLiteral Literal => Parts[0].Literal!.Value;
}

/// <summary>
/// An APPEND command's arguments (RFC 3501 §6.3.11 with MULTIAPPEND, RFC 3502 §6):
/// <c>append = "APPEND" SP mailbox 1*append-message</c>, <c>append-message = append-opts SP append-data</c>,
/// <c>append-opts = [SP flag-list] [SP date-time]</c>,
/// <c>append-data = literal / literal8 / "CATENATE" SP "(" cat-part *(SP cat-part) ")" / "UTF8" SP "(" literal8 ")"</c>
/// (literal8: RFC 3516 §4.3; CATENATE: RFC 4469 §5; UTF8: RFC 6855 §4, only once UTF8=ACCEPT is enabled).
/// </summary>
public sealed record AppendArguments(string Mailbox, IReadOnlyList<AppendMessage> Messages)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    /// <param name="utf8Accepted">Whether the session enabled UTF8=ACCEPT, which the <c>UTF8 (literal8)</c> form needs.</param>
    public static AppendArguments Parse(ImapParser args, bool utf8Accepted = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var mailbox = args.ReadMailbox();
        var messages = new List<AppendMessage>();
        do
        {
            args.ReadSpace();
            messages.Add(Message(args, utf8Accepted));
        }
        while (!args.AtEnd);
        return new AppendArguments(mailbox, messages);
    }

    /// <summary><c>append-message = append-opts SP append-data</c>, from after its leading space.</summary>
    private static AppendMessage Message(ImapParser args, bool utf8Accepted)
    {
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
        if (args.NextIs('{') || args.NextIs('~'))
        {
            return new AppendMessage(flags, internalDate, [new AppendPart(args.ReadMessageLiteral(), null)]);
        }
        if (args.NextIsWord("CATENATE"))
        {
            args.ReadAtom();
            args.ReadSpace();
            return new AppendMessage(flags, internalDate, CatParts(args), Catenate: true);
        }
        if (args.NextIsWord("UTF8"))
        {
            if (!utf8Accepted)
            {
                throw new ImapSyntaxException("UTF8 data needs ENABLE UTF8=ACCEPT first (RFC 6855)");
            }
            args.ReadAtom();
            args.ReadSpace();
            args.Expect('(');
            var literal = args.ReadMessageLiteral(literal8Only: true);
            args.Expect(')');
            return new AppendMessage(flags, internalDate, [new AppendPart(literal, null)]);
        }
        throw new ImapSyntaxException(args.AtEnd ? "Missing argument" : "Expected '{'");
    }

    /// <summary>
    /// <c>"(" cat-part *(SP cat-part) ")"</c>, <c>cat-part = text-literal / url</c>, <c>text-literal = "TEXT" SP literal</c>,
    /// <c>url = "URL" SP astring</c> (RFC 4469 §5; a literal8 is allowed in TEXT as BINARY is offered).
    /// </summary>
    private static List<AppendPart> CatParts(ImapParser args)
    {
        args.Expect('(');
        var parts = new List<AppendPart>();
        do
        {
            switch (args.ReadAtom())
            {
                case "TEXT":
                    args.ReadSpace();
                    parts.Add(new AppendPart(args.ReadMessageLiteral(), null));
                    break;
                case "URL":
                    args.ReadSpace();
                    parts.Add(new AppendPart(null, args.ReadAString()));
                    break;
                default:
                    throw new ImapSyntaxException("Expected TEXT or URL");
            }
        }
        while (args.TrySpace());
        args.Expect(')');
        return parts;
    }
}
