using System.Globalization;
using Appliance.Imap.Parsing;

namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.4.7 COPY and RFC 6851 MOVE, with COPYUID (RFC 4315); a missing target is NO [TRYCREATE].</summary>
public sealed class CopyCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["COPY", "MOVE"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = CopyArguments.Parse(request.Args, request.Uid, move: request.Name == "MOVE");
        var selected = session.Selected!;
        var name = arguments.Mailbox;
        var move = arguments.Move;
        if (move && selected.ReadOnly)
        {
            throw new ImapNoException("READ-ONLY", "Mailbox is read-only");
        }
        var user = session.User!;
        var resolved = await MailboxResolver.RequireAsync(session, name, 'i', MailboxResolver.IsShared(name) ? "NONEXISTENT" : "TRYCREATE").ConfigureAwait(false);
        var target = resolved.State;
        if (move && !(selected.Has('t') && selected.Has('e')))
        {
            throw new ImapNoException("NOPERM", "Moving needs the 't' and 'e' rights on this mailbox");
        }
        var quota = resolved.Personal ? user.QuotaBytes : await session.Services.Store.QuotaOfAsync(resolved.OwnerId, session.Cancellation).ConfigureAwait(false);
        var uids = selected.Resolve(arguments.Set, request.Uid, session.SavedSearch);
        if (move)
        {
            // Others' expunges first: the EXPUNGE numbers that follow must be the client's.
            await session.ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
        }
        var pairs = await session.Services.Store.CopyAsync(selected.Id, uids, target.Id, move, quota, resolved.OwnerId, (selected.SeenReader, target.SeenReader(user.Id)), session.Cancellation).ConfigureAwait(false);
        session.Services.Events.Changed(target.Id);
        // Into or out of Junk teaches the user's classifier, after the move and without holding up its answer.
        _ = session.Services.Training.LearnMovedAsync(user.Id, selected.Id, target.Id, [.. pairs.Select(p => p.To)]);
        var copyUid = pairs.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"[COPYUID {target.Uidvalidity} {string.Join(',', pairs.Select(p => p.From.ToString(CultureInfo.InvariantCulture)))} {string.Join(',', pairs.Select(p => p.To.ToString(CultureInfo.InvariantCulture)))}] ");
        if (move)
        {
            // RFC 6851 §4.3: COPYUID comes in an untagged OK before the EXPUNGEs.
            if (copyUid.Length > 0)
            {
                session.WriteLine($"* OK {copyUid.TrimEnd()} Moved");
            }
            selected.Expunged(session, pairs.Select(p => p.From).ToHashSet());
            session.Services.Events.Changed(selected.Id);
            await session.OkAsync(request, request.Uid ? "UID MOVE completed" : "MOVE completed").ConfigureAwait(false);
            return;
        }
        if (target.Id == selected.Id)
        {
            selected.Touch();
        }
        await session.OkAsync(request, copyUid + (request.Uid ? "UID COPY completed" : "COPY completed")).ConfigureAwait(false);
    }
}
