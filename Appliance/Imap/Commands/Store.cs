using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.4.6 STORE and UID STORE: FLAGS, +FLAGS, -FLAGS, each with .SILENT, and CONDSTORE's
/// UNCHANGEDSINCE (RFC 7162 §3.1.3), which leaves newer messages alone and names them in [MODIFIED].
/// </summary>
public sealed class StoreCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["STORE"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = StoreArguments.Parse(request.Args, request.Uid);
        var selected = session.Selected!;
        var mode = (char)arguments.Mode;
        var flags = arguments.Flags;
        if (arguments.UnchangedSince is not null)
        {
            // RFC 7162 §3.1: UNCHANGEDSINCE is a CONDSTORE-enabling command.
            Condstore.Enable(session);
        }
        if (selected.ReadOnly)
        {
            throw new ImapNoException("READ-ONLY", "Mailbox is read-only");
        }
        // RFC 4314 §4: \Seen needs 's', \Deleted needs 't', every other flag 'w'; replacing all of them needs all three.
        IReadOnlyList<string> touched = mode == '=' ? [MessageFlags.Seen, MessageFlags.Deleted, MessageFlags.Flagged] : flags;
        foreach (var flag in touched)
        {
            var right = flag == MessageFlags.Seen ? 's' : flag == MessageFlags.Deleted ? 't' : 'w';
            if (!selected.Has(right))
            {
                throw new ImapNoException("NOPERM", $"You lack the '{right}' right to change {flag}");
            }
        }
        var uids = selected.Resolve(arguments.Set, request.Uid, session.SavedSearch);
        var modified = new List<long>();
        if (arguments.UnchangedSince is { } since)
        {
            var rows = await session.Services.Store.MessagesByUidAsync(selected.Id, uids, selected.SeenReader, session.Cancellation).ConfigureAwait(false);
            modified.AddRange(rows.Where(r => r.Modseq > since).Select(r => r.Uid));
            uids = [.. uids.Except(modified)];
        }
        var changed = await session.Services.Store.StoreFlagsAsync(selected.Id, uids, mode, flags, selected.SeenReader, session.Cancellation).ConfigureAwait(false);
        selected.Apply(changed);
        selected.AnnounceNewKeywords(session);
        if (changed.Count > 0)
        {
            session.Services.Events.Changed(selected.Id);
        }
        var changedModseq = changed.ToDictionary(c => c.Uid, c => c.Modseq);
        if (!arguments.Silent)
        {
            foreach (var uid in uids)
            {
                var sequence = selected.SequenceOf(uid);
                if (sequence == 0) continue;
                // RFC 7162 §3.1.4: once CONDSTORE is on, STORE's untagged FETCHes carry UID and MODSEQ.
                var condstore = Condstore.IsEnabled(session);
                var modseq = condstore && changedModseq.TryGetValue(uid, out var m) ? string.Create(CultureInfo.InvariantCulture, $" MODSEQ ({m})") : "";
                session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {sequence} FETCH ({(request.Uid || condstore ? $"UID {uid} " : "")}FLAGS {selected.FlagList(uid)}{modseq})"));
            }
        }
        var text = request.Uid ? "UID STORE completed" : "STORE completed";
        if (modified.Count > 0)
        {
            var numbers = request.Uid ? modified : modified.Select(u => (long)selected.SequenceOf(u));
            text = $"[MODIFIED {SequenceSet.Format(numbers)}] Conditional STORE failed for some messages";
        }
        await session.OkAsync(request, text).ConfigureAwait(false);
    }
}
