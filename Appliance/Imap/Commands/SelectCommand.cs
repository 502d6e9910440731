using System.Globalization;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.3.1–2 SELECT and EXAMINE (read-only), with CONDSTORE's HIGHESTMODSEQ.</summary>
public sealed class SelectCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SELECT", "EXAMINE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var name = session.DecodeMailbox(request.Args.ReadAString());
        if (request.Args.TrySpace())
        {
            request.Args.Expect('(');
            while (!request.Args.TryRead(')'))
            {
                request.Args.TrySpace();
                if (request.Args.ReadAtom() != "CONDSTORE")
                {
                    throw new Parsing.ImapSyntaxException("Unknown SELECT parameter");
                }
                session.Enabled.Add("CONDSTORE");
            }
        }
        request.Args.ExpectEnd();
        // RFC 3501: a failed SELECT leaves no mailbox selected.
        session.Unselect();
        var state = await session.Services.Store.FindMailboxAsync(session.User!.Id, name, session.Cancellation).ConfigureAwait(false)
            ?? throw new ImapNoException("NONEXISTENT", "No such mailbox");
        var readOnly = request.Name == "EXAMINE";
        var selected = await SelectedMailbox.OpenAsync(session.Services.Store, session.Services.Events, state, readOnly, session.Cancellation).ConfigureAwait(false);
        session.Select(selected);
        var flags = @"\Answered \Flagged \Deleted \Seen \Draft";
        session.WriteLine($"* FLAGS ({flags})");
        session.WriteLine(readOnly ? "* OK [PERMANENTFLAGS ()] Read-only mailbox" : $"* OK [PERMANENTFLAGS ({flags} \\*)] Flags permitted");
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {selected.Count} EXISTS"));
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* {selected.RecentCount} RECENT"));
        var firstUnseen = selected.Uids.FirstOrDefault(u => !MessageFlags.Has(selected.FlagsOf(u), MessageFlags.Seen));
        if (firstUnseen > 0)
        {
            session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [UNSEEN {selected.SequenceOf(firstUnseen)}] First unseen"));
        }
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [UIDVALIDITY {state.Uidvalidity}] UIDs valid"));
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [UIDNEXT {state.Uidnext}] Predicted next UID"));
        session.WriteLine(string.Create(CultureInfo.InvariantCulture, $"* OK [HIGHESTMODSEQ {state.Highestmodseq}] Highest"));
        session.WriteLine($"{request.Tag} OK [{(readOnly ? "READ-ONLY" : "READ-WRITE")}] {request.Name} completed");
    }
}
