namespace Appliance.Imap.Parsing;

/// <summary>How STORE changes the flags; the value is the character the mail store takes.</summary>
public enum StoreMode
{
    Replace = '=',
    Add = '+',
    Remove = '-',
}

/// <summary>
/// A STORE or UID STORE command's arguments (RFC 3501 §6.4.6, RFC 7162 §3.1.3):
/// <c>store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags</c>,
/// <c>store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))</c>,
/// <c>store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"</c> (RFC 4466 §2.5), of which this server
/// knows <c>"UNCHANGEDSINCE" SP mod-sequence-valzer</c>.
/// </summary>
public sealed record StoreArguments(SequenceSet Set, bool Uid, StoreMode Mode, bool Silent, IReadOnlyList<string> Flags, long? UnchangedSince)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static StoreArguments Parse(ImapParser args, bool uid)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var set = args.ReadSequenceSet();
        args.ReadSpace();
        long? unchangedSince = null;
        if (args.TryRead('('))
        {
            do
            {
                if (args.ReadAtom() != "UNCHANGEDSINCE")
                {
                    throw new ImapSyntaxException("Unknown STORE modifier");
                }
                args.ReadSpace();
                // mod-sequence-valzer = "0" / mod-sequence-value: 0 to 2^63-1.
                unchangedSince = args.ReadNumber(long.MaxValue);
            }
            while (args.TrySpace());
            args.Expect(')');
            args.ReadSpace();
        }
        var mode = args.TryRead('+') ? StoreMode.Add : args.TryRead('-') ? StoreMode.Remove : StoreMode.Replace;
        var item = args.ReadAtom();
        if (item is not ("FLAGS" or "FLAGS.SILENT"))
        {
            throw new ImapSyntaxException($"Unknown STORE item {item}");
        }
        args.ReadSpace();
        var flags = StoreFlags(args);
        args.ExpectEnd();
        return new StoreArguments(set, uid, mode, item == "FLAGS.SILENT", flags, unchangedSince);
    }

    /// <summary>
    /// <c>flag-list / (flag *(SP flag))</c>. <c>flag</c> has no \Recent: only the server sets it (RFC 3501 §2.3.2).
    /// </summary>
    private static List<string> StoreFlags(ImapParser args)
    {
        var flags = new List<string>();
        if (args.NextIs('('))
        {
            flags.AddRange(args.ReadFlagList());
        }
        else
        {
            do
            {
                flags.Add(args.ReadFlag());
            }
            while (args.TrySpace());
        }
        if (flags.Contains(Mailstore.MessageFlags.Recent))
        {
            throw new ImapSyntaxException(@"\Recent cannot be stored");
        }
        return flags;
    }
}
