namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.4.2 CLOSE (expunges silently when read-write) and RFC 3691 UNSELECT (does not).</summary>
public sealed class CloseCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["CLOSE", "UNSELECT"];
    public override IReadOnlyList<ImapState> AllowedIn => Selected;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        var selected = session.Selected!;
        if (request.Name == "CLOSE" && !selected.ReadOnly && selected.Has('e'))
        {
            var expunged = await session.Services.Store.ExpungeAsync(selected.Id, null, session.Cancellation).ConfigureAwait(false);
            if (expunged.Count > 0)
            {
                session.Services.Events.Changed(selected.Id);
            }
        }
        session.Unselect();
        session.WriteLine($"{request.Tag} OK {request.Name} completed");
    }
}
