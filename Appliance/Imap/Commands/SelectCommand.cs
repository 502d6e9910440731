using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.3.1–2 SELECT and EXAMINE (read-only), with CONDSTORE's HIGHESTMODSEQ and QRESYNC's resynchronization
/// (RFC 7162 §3.2.5): what vanished and what changed since the client's mod-sequence, before the tagged OK.
/// </summary>
public sealed class SelectCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SELECT", "EXAMINE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = SelectArguments.Parse(request.Args);
        if (arguments.Qresync is not null && !Qresync.IsEnabled(session))
        {
            // RFC 7162 §3.2.5: "A server MUST respond with a tagged BAD ... if the client hasn't issued ENABLE QRESYNC".
            throw new ImapSyntaxException("QRESYNC must be enabled first (ENABLE QRESYNC)");
        }
        if (arguments.Condstore)
        {
            session.Enabled.Add(Condstore.Capability);
        }
        // RFC 3501: a failed SELECT leaves no mailbox selected. RFC 7162 §3.2.11: the end of the old one is said, so that
        // its late responses are not taken for the new one's.
        if (session.Selected is not null)
        {
            session.Unselect();
            session.WriteLine("* OK [CLOSED] Previous mailbox closed");
        }
        var mailbox = await MailboxResolver.RequireAsync(session, arguments.Mailbox, 'r').ConfigureAwait(false);
        var state = mailbox.State;
        // RFC 4314 §4: without any right to change the mailbox, it is opened read-only.
        var readOnly = request.Name == "EXAMINE" || !mailbox.Rights.Any(r => r is 's' or 'w' or 't' or 'e');
        var selected = await SelectedMailbox.OpenAsync(session.Services.Store, session.Services.Events, state, readOnly, mailbox.Rights, state.SeenReader(session.User!.Id), session.Cancellation).ConfigureAwait(false);
        session.Select(selected, mailbox.Name);
        session.WriteLine(selected.FlagsLine);
        session.WriteLine(selected.PermanentFlagsLine);
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {selected.Count} EXISTS"));
        // RFC 9051 §6.3.2 (Appendix E): no RECENT and no UNSEEN code for IMAP4rev2, but a LIST response with the name.
        if (session.Rev2)
        {
            // "The list of mailbox attributes MUST be accurate": the special use, which is known here; children are not looked up.
            session.WriteLine($"* LIST ({state.SpecialUse}) \"/\" {session.MailboxName(mailbox.Name)}");
        }
        else
        {
            session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {selected.RecentCount} RECENT"));
        }
        var firstUnseen = session.Rev2 ? 0 : selected.Uids.FirstOrDefault(u => !MessageFlags.Has(selected.FlagsOf(u), MessageFlags.Seen));
        if (firstUnseen > 0)
        {
            session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [UNSEEN {selected.SequenceOf(firstUnseen)}] First unseen"));
        }
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [UIDVALIDITY {state.Uidvalidity}] UIDs valid"));
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [UIDNEXT {state.Uidnext}] Predicted next UID"));
        // RFC 8474 §4.2.
        session.WriteLine($"* OK [MAILBOXID ({ObjectIds.Mailbox(state)})] Ok");
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [HIGHESTMODSEQ {state.Highestmodseq}] Highest"));
        // RFC 7162 §3.2.5: with another UIDVALIDITY the client's state is void, and the rest of the parameter is ignored.
        if (arguments.Qresync is { } resync && resync.Uidvalidity == state.Uidvalidity)
        {
            await ResyncAsync(session, selected, resync, state.Uidnext).ConfigureAwait(false);
        }
        session.WriteLine($"{request.Tag} OK [{(readOnly ? "READ-ONLY" : "READ-WRITE")}] {request.Name} completed");
    }

    /// <summary>
    /// RFC 7162 §3.2.5.1: <c>* VANISHED (EARLIER)</c> with the UIDs expunged since the client's mod-sequence, then a FETCH
    /// (UID, FLAGS, MODSEQ) for each message changed or added since, both only among the client's known UIDs when it gave them.
    /// </summary>
    private static async Task ResyncAsync(ImapSession session, SelectedMailbox selected, QresyncParameters resync, long uidnext)
    {
        var scope = Qresync.Normalize(resync.KnownUids ?? new SequenceSet([(1, SequenceSet.Star)]), Math.Max(uidnext - 1, 1));
        var unchanged = resync.MatchSequences is { } sequences && resync.MatchUids is { } uids ? Qresync.UnchangedUpTo(selected, sequences, uids) : 0;
        var vanished = await Qresync.VanishedAsync(session, selected.Id, resync.Modseq, scope, uidnext,
            () => Task.FromResult(selected.Uids), unchanged).ConfigureAwait(false);
        if (vanished.Count > 0)
        {
            session.WriteLine(Qresync.VanishedLine(vanished, earlier: true));
        }
        foreach (var entry in await session.Services.Store.ChangedSinceAsync(selected.Id, resync.Modseq, selected.SeenReader, session.Cancellation).ConfigureAwait(false))
        {
            var sequence = selected.SequenceOf(entry.Uid);
            if (sequence == 0 || !Qresync.Contains(scope, entry.Uid))
            {
                continue;
            }
            session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {sequence} FETCH (UID {entry.Uid} FLAGS {selected.FlagList(entry.Uid)} MODSEQ ({entry.Modseq}))"));
            await session.FlushIfLargeAsync().ConfigureAwait(false);
        }
    }
}
