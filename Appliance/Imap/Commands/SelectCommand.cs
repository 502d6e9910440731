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
        var name = ImapSession.DecodeMailbox(request.Args.ReadAString());
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
        var mailbox = await MailboxResolver.RequireAsync(session, name, 'r').ConfigureAwait(false);
        var state = mailbox.State;
        // RFC 4314 §4: without any right to change the mailbox, it is opened read-only.
        var readOnly = request.Name == "EXAMINE" || !mailbox.Rights.Any(r => r is 's' or 'w' or 't' or 'e');
        var selected = await SelectedMailbox.OpenAsync(session.Services.Store, session.Services.Events, state, readOnly, mailbox.Rights, session.Cancellation).ConfigureAwait(false);
        session.Select(selected);
        session.WriteLine(selected.FlagsLine);
        session.WriteLine(selected.PermanentFlagsLine);
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
