namespace Appliance.Imap.Parsing;

/// <summary>
/// <c>search-key</c> (RFC 3501 §6.4.4, RFC 9051 §6.4.4, RFC 7162 §3.1.5): one criterion, a node of the tree that
/// <c>"(" search-key *(SP search-key) ")"</c>, NOT and OR build.
/// </summary>
public abstract record SearchKey;

/// <summary><c>"(" search-key *(SP search-key) ")"</c>: all of them.</summary>
public sealed record SearchAnd(IReadOnlyList<SearchKey> Keys) : SearchKey;

/// <summary><c>"NOT" SP search-key</c>.</summary>
public sealed record SearchNot(SearchKey Key) : SearchKey;

/// <summary><c>"OR" SP search-key SP search-key</c>.</summary>
public sealed record SearchOr(SearchKey Left, SearchKey Right) : SearchKey;

/// <summary><c>sequence-set</c> (message numbers) or <c>"UID" SP sequence-set</c>.</summary>
public sealed record SearchSet(SequenceSet Set, bool Uid) : SearchKey;

/// <summary>
/// ANSWERED, DELETED, DRAFT, FLAGGED, SEEN, <c>"KEYWORD" SP flag-keyword</c> (<see cref="Present"/>) and their UN- forms.
/// </summary>
public sealed record SearchFlag(string Flag, bool Present) : SearchKey;

/// <summary>ALL, RECENT, OLD and NEW: keys of the session's view, without arguments.</summary>
public enum SearchState
{
    All,
    Recent,
    Old,
    New,
}

public sealed record SearchStateKey(SearchState State) : SearchKey;

/// <summary><c>"LARGER" SP number</c> / <c>"SMALLER" SP number</c>, on RFC822.SIZE.</summary>
public sealed record SearchSize(bool Larger, long Size) : SearchKey;

public enum SearchDateRelation
{
    Before,
    On,
    Since,
}

/// <summary>
/// <c>("BEFORE" / "ON" / "SINCE") SP date</c> on the internal date, or <c>("SENTBEFORE" / "SENTON" / "SENTSINCE") SP date</c>
/// on the Date: header (<see cref="Sent"/>).
/// </summary>
public sealed record SearchDate(bool Sent, SearchDateRelation Relation, DateOnly Date) : SearchKey;

/// <summary>
/// <c>"SUBJECT" SP astring</c> and <c>"HEADER" SP header-fld-name SP astring</c>: a substring of a header field's value.
/// </summary>
public sealed record SearchHeader(string Field, string Value) : SearchKey;

/// <summary>
/// <c>("FROM" / "TO" / "CC" / "BCC") SP astring</c>: a substring of "the envelope structure's" field (RFC 3501 §6.4.4),
/// that is of its parsed addresses, not of the header text. <see cref="Field"/> is the header field's name.
/// </summary>
public sealed record SearchAddress(string Field, string Value) : SearchKey;

/// <summary><c>"BODY" SP astring</c> (<see cref="BodyOnly"/>) and <c>"TEXT" SP astring</c>.</summary>
public sealed record SearchText(bool BodyOnly, string Value) : SearchKey;

/// <summary>
/// <c>search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer</c>,
/// <c>search-modseq-ext = SP entry-name SP entry-type-req</c> (RFC 7162 §3.1.5); the entry is read and not kept.
/// </summary>
public sealed record SearchModseq(long Modseq) : SearchKey;

/// <summary><c>("SAVEDBEFORE" / "SAVEDON" / "SAVEDSINCE") SP date</c> on the save date (RFC 8514 §4).</summary>
public sealed record SearchSaveDate(SearchDateRelation Relation, DateOnly Date) : SearchKey;

/// <summary><c>"SAVEDATESUPPORTED"</c> (RFC 8514 §4): every message, in a mailbox that keeps save dates.</summary>
public sealed record SearchSaveDateSupported : SearchKey;

/// <summary><c>"EMAILID" SP objectid</c> and <c>"THREADID" SP objectid</c> (RFC 8474 §6).</summary>
public sealed record SearchObjectId(bool Thread, string Id) : SearchKey;

/// <summary>
/// A SEARCH or UID SEARCH command's arguments (RFC 3501 §6.4.4, ESEARCH RFC 4731, SEARCHRES RFC 5182):
/// <c>search = "SEARCH" [search-return-opts] SP ["CHARSET" SP astring SP] search-key *(SP search-key)</c>,
/// <c>search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"</c>,
/// <c>search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE"</c>.
/// <see cref="Return"/> is null for a plain SEARCH; an empty RETURN () means RETURN (ALL) (RFC 4731 §3.1).
/// </summary>
public sealed record SearchArguments(bool Uid, IReadOnlyList<string>? Return, string? Charset, SearchKey Key)
{
    /// <summary>How deep NOT, OR and parentheses may nest: recursion with a bound (the parser recurses).</summary>
    public const int MaxDepth = 50;

    /// <summary>
    /// Reads what follows the command name (from the space after it) to the end of the command.
    /// Pure; malformed input is an <see cref="ImapSyntaxException"/> whose text becomes the BAD reply.
    /// </summary>
    public static SearchArguments Parse(ImapParser args, bool uid)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        List<string>? returns = null;
        if (args.NextIsWord("RETURN"))
        {
            args.ReadAtom();
            args.ReadSpace();
            args.Expect('(');
            returns = [];
            if (!args.TryRead(')'))
            {
                do
                {
                    var option = args.ReadAtom();
                    if (option is not ("MIN" or "MAX" or "COUNT" or "ALL" or "SAVE"))
                    {
                        throw new ImapSyntaxException($"Unknown SEARCH return option {option}");
                    }
                    returns.Add(option);
                }
                while (args.TrySpace());
                args.Expect(')');
            }
            args.ReadSpace();
            if (returns.Count == 0)
            {
                returns.Add("ALL");
            }
        }
        string? charset = null;
        if (args.NextIsWord("CHARSET"))
        {
            args.ReadAtom();
            args.ReadSpace();
            charset = args.ReadAString();
            args.ReadSpace();
        }
        return new SearchArguments(uid, returns, charset, ReadSearchKeys(args));
    }

    /// <summary><c>search-key *(SP search-key)</c> to the end of the command, as one key (SORT and THREAD end with them too).</summary>
    internal static SearchKey ReadSearchKeys(ImapParser args)
    {
        var keys = new List<SearchKey>();
        do
        {
            keys.Add(ReadSearchKey(args, 0));
        }
        while (args.TrySpace());
        args.ExpectEnd();
        return keys.Count == 1 ? keys[0] : new SearchAnd(keys);
    }

    /// <summary>One <c>search-key</c>.</summary>
    private static SearchKey ReadSearchKey(ImapParser args, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ImapSyntaxException("Search nested too deeply");
        }
        if (args.TryRead('('))
        {
            var inner = new List<SearchKey>();
            do
            {
                inner.Add(ReadSearchKey(args, depth + 1));
            }
            while (args.TrySpace());
            args.Expect(')');
            return new SearchAnd(inner);
        }
        if (args.NextIs('*') || args.NextIs('$') || args.NextIsDigit())
        {
            return new SearchSet(args.ReadSequenceSet(), Uid: false);
        }
        var key = args.ReadAtom();
        switch (key)
        {
            case "ALL": return new SearchStateKey(SearchState.All);
            case "RECENT": return new SearchStateKey(SearchState.Recent);
            case "OLD": return new SearchStateKey(SearchState.Old);
            case "NEW": return new SearchStateKey(SearchState.New);
            case "ANSWERED": return new SearchFlag(Mailstore.MessageFlags.Answered, Present: true);
            case "DELETED": return new SearchFlag(Mailstore.MessageFlags.Deleted, Present: true);
            case "DRAFT": return new SearchFlag(Mailstore.MessageFlags.Draft, Present: true);
            case "FLAGGED": return new SearchFlag(Mailstore.MessageFlags.Flagged, Present: true);
            case "SEEN": return new SearchFlag(Mailstore.MessageFlags.Seen, Present: true);
            case "UNANSWERED": return new SearchFlag(Mailstore.MessageFlags.Answered, Present: false);
            case "UNDELETED": return new SearchFlag(Mailstore.MessageFlags.Deleted, Present: false);
            case "UNDRAFT": return new SearchFlag(Mailstore.MessageFlags.Draft, Present: false);
            case "UNFLAGGED": return new SearchFlag(Mailstore.MessageFlags.Flagged, Present: false);
            case "UNSEEN": return new SearchFlag(Mailstore.MessageFlags.Seen, Present: false);
            case "KEYWORD": args.ReadSpace(); return new SearchFlag(args.ReadFlag(), Present: true);
            case "UNKEYWORD": args.ReadSpace(); return new SearchFlag(args.ReadFlag(), Present: false);
            case "NOT":
                args.ReadSpace();
                return new SearchNot(ReadSearchKey(args, depth + 1));
            case "OR":
                args.ReadSpace();
                var left = ReadSearchKey(args, depth + 1);
                args.ReadSpace();
                return new SearchOr(left, ReadSearchKey(args, depth + 1));
            case "LARGER": args.ReadSpace(); return new SearchSize(Larger: true, args.ReadNumber());
            case "SMALLER": args.ReadSpace(); return new SearchSize(Larger: false, args.ReadNumber());
            case "UID": args.ReadSpace(); return new SearchSet(args.ReadSequenceSet(), Uid: true);
            case "BEFORE": args.ReadSpace(); return new SearchDate(Sent: false, SearchDateRelation.Before, args.ReadDate());
            case "ON": args.ReadSpace(); return new SearchDate(Sent: false, SearchDateRelation.On, args.ReadDate());
            case "SINCE": args.ReadSpace(); return new SearchDate(Sent: false, SearchDateRelation.Since, args.ReadDate());
            case "SENTBEFORE": args.ReadSpace(); return new SearchDate(Sent: true, SearchDateRelation.Before, args.ReadDate());
            case "SENTON": args.ReadSpace(); return new SearchDate(Sent: true, SearchDateRelation.On, args.ReadDate());
            case "SENTSINCE": args.ReadSpace(); return new SearchDate(Sent: true, SearchDateRelation.Since, args.ReadDate());
            case "FROM" or "TO" or "CC" or "BCC":
                args.ReadSpace();
                return new SearchAddress(key, args.ReadAString());
            case "SUBJECT":
                args.ReadSpace();
                return new SearchHeader(key, args.ReadAString());
            case "HEADER":
                args.ReadSpace();
                var field = args.ReadAString();
                args.ReadSpace();
                return new SearchHeader(field, args.ReadAString());
            case "BODY": args.ReadSpace(); return new SearchText(BodyOnly: true, args.ReadAString());
            case "TEXT": args.ReadSpace(); return new SearchText(BodyOnly: false, args.ReadAString());
            case "SAVEDBEFORE": args.ReadSpace(); return new SearchSaveDate(SearchDateRelation.Before, args.ReadDate());
            case "SAVEDON": args.ReadSpace(); return new SearchSaveDate(SearchDateRelation.On, args.ReadDate());
            case "SAVEDSINCE": args.ReadSpace(); return new SearchSaveDate(SearchDateRelation.Since, args.ReadDate());
            case "SAVEDATESUPPORTED": return new SearchSaveDateSupported();
            case "EMAILID": args.ReadSpace(); return new SearchObjectId(Thread: false, args.ReadObjectId());
            case "THREADID": args.ReadSpace(); return new SearchObjectId(Thread: true, args.ReadObjectId());
            case "MODSEQ":
                args.ReadSpace();
                if (args.NextIs('"'))
                {
                    // entry-name SP entry-type-req: per-flag metadata; this server matches on the message as a whole.
                    args.ReadStringBytes();
                    args.ReadSpace();
                    args.ReadAtom();
                    args.ReadSpace();
                }
                return new SearchModseq(args.ReadNumber(long.MaxValue));
            default:
                throw new ImapSyntaxException($"Unknown search key {key}");
        }
    }
}
