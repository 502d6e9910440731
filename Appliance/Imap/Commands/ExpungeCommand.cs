namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.4.3 EXPUNGE and RFC 4315 UID EXPUNGE (only the given UIDs).</summary>
public sealed class ExpungeCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["EXPUNGE"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var selected = session.Selected!;
        IReadOnlyCollection<long>? only = null;
        if (request.Uid)
        {
            request.Args.ReadSpace();
            only = selected.Resolve(request.Args.ReadSequenceSet(), byUid: true, session.SavedSearch).ToHashSet();
        }
        request.Args.ExpectEnd();
        if (selected.ReadOnly)
        {
            throw new ImapNoException("READ-ONLY", "Mailbox is read-only");
        }
        if (!selected.Has('e'))
        {
            throw new ImapNoException("NOPERM", "You lack the 'e' right on this mailbox");
        }
        // Others' changes first, so that sequence numbers in the EXPUNGE responses are the client's.
        await session.ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
        var expunged = await session.Services.Store.ExpungeAsync(selected.Id, only, session.Cancellation).ConfigureAwait(false);
        selected.Expunged(session, expunged.ToHashSet());
        if (expunged.Count > 0)
        {
            session.Services.Events.Changed(selected.Id);
        }
        await session.OkAsync(request, "EXPUNGE completed").ConfigureAwait(false);
    }
}
