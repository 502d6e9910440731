namespace Appliance.Imap.Parsing;

/// <summary>
/// <c>"QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"</c> (RFC 7162 §7), with
/// <c>seq-match-data = "(" known-sequence-set SP known-uid-set ")"</c>. None of the sets may hold "*" (or "$").
/// </summary>
public sealed record QresyncParameters(long Uidvalidity, long Modseq, SequenceSet? KnownUids, SequenceSet? MatchSequences, SequenceSet? MatchUids);

/// <summary>
/// A SELECT or EXAMINE command's arguments (RFC 3501 §6.3.1, RFC 4466 §2.1):
/// <c>select = "SELECT" SP mailbox [select-params]</c>, <c>select-params = SP "(" select-param *(SP select-param) ")"</c>,
/// of which this server knows <c>"CONDSTORE"</c> (RFC 7162 §3.1.8) and <c>"QRESYNC"</c> (§3.2.5).
/// </summary>
public sealed record SelectArguments(string Mailbox, bool Condstore, QresyncParameters? Qresync)
{
    /// <summary>Reads what follows the command name (from the space after it). Pure; malformed input is an <see cref="ImapSyntaxException"/>.</summary>
    public static SelectArguments Parse(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        var mailbox = args.ReadMailbox();
        var condstore = false;
        QresyncParameters? qresync = null;
        if (args.TrySpace())
        {
            args.Expect('(');
            do
            {
                switch (args.ReadAtom())
                {
                    case "CONDSTORE":
                        condstore = true;
                        break;
                    case "QRESYNC" when qresync is null:
                        args.ReadSpace();
                        qresync = QresyncParameterList(args);
                        break;
                    case "QRESYNC":
                        throw new ImapSyntaxException("QRESYNC given twice");
                    default:
                        throw new ImapSyntaxException("Unknown SELECT parameter");
                }
            }
            while (args.TrySpace());
            args.Expect(')');
        }
        args.ExpectEnd();
        return new SelectArguments(mailbox, condstore, qresync);
    }

    /// <summary>The parenthesized QRESYNC parameter list.</summary>
    private static QresyncParameters QresyncParameterList(ImapParser args)
    {
        args.Expect('(');
        // uidvalidity = nz-number; mod-sequence-value = 1*DIGIT, 63 bits. Zero is taken: a client that never saw a
        // mod-sequence asks for everything.
        var uidvalidity = args.ReadNzNumber();
        args.ReadSpace();
        var modseq = args.ReadNumber(long.MaxValue);
        SequenceSet? known = null;
        SequenceSet? sequences = null;
        SequenceSet? uids = null;
        if (args.TrySpace())
        {
            if (!args.NextIs('('))
            {
                known = KnownSet(args, "known-uids");
                if (args.TrySpace())
                {
                    (sequences, uids) = SeqMatchData(args);
                }
            }
            else
            {
                (sequences, uids) = SeqMatchData(args);
            }
        }
        args.Expect(')');
        return new QresyncParameters(uidvalidity, modseq, known, sequences, uids);
    }

    /// <summary><c>seq-match-data = "(" known-sequence-set SP known-uid-set ")"</c>: one UID for each message number.</summary>
    private static (SequenceSet Sequences, SequenceSet Uids) SeqMatchData(ImapParser args)
    {
        args.Expect('(');
        var sequences = KnownSet(args, "known-sequence-set");
        args.ReadSpace();
        var uids = KnownSet(args, "known-uid-set");
        args.Expect(')');
        if (Count(sequences) != Count(uids))
        {
            throw new ImapSyntaxException("known-sequence-set and known-uid-set differ in size");
        }
        return (sequences, uids);
    }

    /// <summary>A <c>sequence-set</c> where "*" is not allowed (RFC 7162 §7's known-uids, known-sequence-set, known-uid-set).</summary>
    private static SequenceSet KnownSet(ImapParser args, string rule)
    {
        var set = args.ReadSequenceSet();
        if (set.IsSaved || set.Ranges.Any(r => r.First == SequenceSet.Star || r.Last == SequenceSet.Star))
        {
            throw new ImapSyntaxException($"\"*\" and \"$\" are not allowed in {rule}");
        }
        return set;
    }

    private static long Count(SequenceSet set) => set.Ranges.Sum(r => Math.Abs(r.Last - r.First) + 1);
}
