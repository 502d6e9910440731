namespace Appliance.Imap.Parsing;

/// <summary>
/// A LIST or LSUB command's arguments (RFC 3501 §6.3.8–9, LIST-EXTENDED RFC 5258 §6, LIST-STATUS RFC 5819):
/// <c>list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]</c>,
/// <c>mbox-or-pat = list-mailbox / patterns</c>, <c>patterns = "(" list-mailbox *(SP list-mailbox) ")"</c>,
/// <c>lsub = "LSUB" SP mailbox SP list-mailbox</c>.
/// The selection options are SUBSCRIBED, SPECIAL-USE (RFC 6154) and RECURSIVEMATCH, which RFC 5258 §3.1 forbids alone or
/// with only REMOTE (read and changing nothing here); the return options SUBSCRIBED, SPECIAL-USE, CHILDREN and <c>"STATUS" SP "(" status-att *(SP status-att) ")"</c>.
/// <see cref="Reference"/> and the patterns are decoded from modified UTF-7 (RFC 3501 §5.1.3: a pattern is a mailbox name
/// with wildcards, and "*" and "%" are plain characters of that encoding); a pattern that does not decode is kept as sent.
/// </summary>
public sealed record ListArguments(
    bool Lsub,
    bool SelectSubscribed,
    bool SelectSpecialUse,
    bool RecursiveMatch,
    string Reference,
    IReadOnlyList<string> Patterns,
    bool ReturnSubscribed,
    bool ReturnSpecialUse,
    IReadOnlyList<StatusAttribute> ReturnStatus)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static ListArguments Parse(ImapParser args, bool lsub)
    {
        ArgumentNullException.ThrowIfNull(args);
        var selectSubscribed = false;
        var selectSpecialUse = false;
        var recursiveMatch = false;
        args.ReadSpace();
        // list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")", loosely: RFC 5258's base/mod rule is not enforced.
        if (!lsub && args.TryRead('('))
        {
            if (!args.TryRead(')'))
            {
                do
                {
                    switch (args.ReadAtom())
                    {
                        case "SUBSCRIBED": selectSubscribed = true; break;
                        case "SPECIAL-USE": selectSpecialUse = true; break;
                        case "REMOTE": break;
                        case "RECURSIVEMATCH": recursiveMatch = true; break;
                        case var other: throw new ImapSyntaxException($"Unknown LIST selection option {other}");
                    }
                }
                while (args.TrySpace());
                args.Expect(')');
            }
            if (recursiveMatch && !selectSubscribed && !selectSpecialUse)
            {
                throw new ImapSyntaxException("RECURSIVEMATCH must not be the only selection option");
            }
            args.ReadSpace();
        }
        var reference = args.ReadMailbox();
        args.ReadSpace();
        var patterns = new List<string>();
        if (!lsub && args.TryRead('('))
        {
            do
            {
                patterns.Add(Pattern(args, args.ReadListMailbox()));
            }
            while (args.TrySpace());
            args.Expect(')');
        }
        else
        {
            patterns.Add(Pattern(args, args.ReadListMailbox()));
        }
        var returnSubscribed = false;
        var returnSpecialUse = false;
        IReadOnlyList<StatusAttribute> status = [];
        // list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")".
        if (!lsub && args.TrySpace())
        {
            if (args.ReadAtom() != "RETURN")
            {
                throw new ImapSyntaxException("Expected RETURN");
            }
            args.ReadSpace();
            args.Expect('(');
            if (!args.TryRead(')'))
            {
                do
                {
                    switch (args.ReadAtom())
                    {
                        case "SUBSCRIBED": returnSubscribed = true; break;
                        case "SPECIAL-USE": returnSpecialUse = true; break;
                        case "CHILDREN": break;
                        case "STATUS":
                            args.ReadSpace();
                            status = StatusArguments.StatusAttributes(args);
                            break;
                        case var other: throw new ImapSyntaxException($"Unknown LIST return option {other}");
                    }
                }
                while (args.TrySpace());
                args.Expect(')');
            }
        }
        args.ExpectEnd();
        return new ListArguments(lsub, selectSubscribed, selectSpecialUse, recursiveMatch, reference, patterns, returnSubscribed, returnSpecialUse, status);
    }

    /// <summary>
    /// <c>list-mailbox</c> decoded like a name. Lenient where the reference is strict: a pattern is only compared, and one
    /// that is not valid modified UTF-7 (a lone "&amp;") simply matches no non-ASCII name, as Dovecot answers it.
    /// </summary>
    /// With UTF-8 names (RFC 6855) the pattern is taken as sent.
    private static string Pattern(ImapParser args, string sent) => !args.Utf8Mailboxes && ModifiedUtf7.TryDecode(sent, out var decoded) ? decoded : sent;
}
