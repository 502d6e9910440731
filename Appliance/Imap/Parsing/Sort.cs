namespace Appliance.Imap.Parsing;

/// <summary>
/// <c>sort-key = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"</c> (RFC 5256 §4) and
/// <c>"DISPLAYFROM" / "DISPLAYTO"</c> (SORT=DISPLAY, RFC 5957 §3).
/// </summary>
public enum SortKey
{
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

/// <summary><c>sort-criterion = ["REVERSE" SP] sort-key</c>.</summary>
public sealed record SortCriterion(SortKey Key, bool Reverse);

/// <summary>
/// A SORT or UID SORT command's arguments (RFC 5256 §4):
/// <c>sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria</c>,
/// <c>sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"</c>,
/// <c>search-criteria = charset 1*(SP search-key)</c>, <c>charset = atom / quoted</c>.
/// The charset is kept for the command to judge: an unknown one is NO [BADCHARSET], not a syntax error.
/// ESORT (RFC 5267 §3.1) adds <c>extended-sort = ["UID" SP] "SORT" search-return-opts SP sort-criteria SP search-criteria</c>
/// with the return options MIN, MAX, ALL and COUNT; <see cref="Return"/> is null for a plain SORT, and an empty
/// RETURN () means RETURN (ALL) as for SEARCH (RFC 4731 §3.1).
/// </summary>
public sealed record SortArguments(bool Uid, IReadOnlyList<string>? Return, IReadOnlyList<SortCriterion> Criteria, string Charset, SearchKey Key)
{
    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static SortArguments Parse(ImapParser args, bool uid)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        List<string>? returns = null;
        if (args.NextIsWord("RETURN"))
        {
            returns = ReadReturnOptions(args);
            args.ReadSpace();
        }
        args.Expect('(');
        var criteria = new List<SortCriterion>();
        do
        {
            criteria.Add(ReadSortCriterion(args));
        }
        while (args.TrySpace());
        args.Expect(')');
        args.ReadSpace();
        var charset = ThreadArguments.ReadCharset(args);
        args.ReadSpace();
        return new SortArguments(uid, returns, criteria, charset, SearchArguments.ReadSearchKeys(args));
    }

    /// <summary><c>"RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"</c> with ESORT's options.</summary>
    private static List<string> ReadReturnOptions(ImapParser args)
    {
        args.ReadAtom();
        args.ReadSpace();
        args.Expect('(');
        var returns = new List<string>();
        if (!args.TryRead(')'))
        {
            do
            {
                var option = args.ReadAtom();
                if (option is not ("MIN" or "MAX" or "ALL" or "COUNT"))
                {
                    throw new ImapSyntaxException($"Unknown SORT return option {option}");
                }
                returns.Add(option);
            }
            while (args.TrySpace());
            args.Expect(')');
        }
        if (returns.Count == 0)
        {
            returns.Add("ALL");
        }
        return returns;
    }

    /// <summary><c>sort-criterion = ["REVERSE" SP] sort-key</c>.</summary>
    private static SortCriterion ReadSortCriterion(ImapParser args)
    {
        var word = args.ReadAtom();
        var reverse = word == "REVERSE";
        if (reverse)
        {
            args.ReadSpace();
            word = args.ReadAtom();
        }
        SortKey key = word switch
        {
            "ARRIVAL" => SortKey.Arrival,
            "CC" => SortKey.Cc,
            "DATE" => SortKey.Date,
            "FROM" => SortKey.From,
            "SIZE" => SortKey.Size,
            "SUBJECT" => SortKey.Subject,
            "TO" => SortKey.To,
            "DISPLAYFROM" => SortKey.DisplayFrom,
            "DISPLAYTO" => SortKey.DisplayTo,
            _ => throw new ImapSyntaxException($"Unknown sort key {word}"),
        };
        return new SortCriterion(key, reverse);
    }
}
