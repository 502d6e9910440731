namespace Appliance.Imap.Commands;

/// <summary>RFC 5161 ENABLE: CONDSTORE and QRESYNC (RFC 7162; QRESYNC brings CONDSTORE along) can be turned on; others are ignored.</summary>
public sealed class EnableCommand : ImapCommand
{
    private static readonly string[] Known = ["CONDSTORE", "QRESYNC"];

    public override IReadOnlyList<string> Names => ["ENABLE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var enabled = new List<string>();
        do
        {
            request.Args.ReadSpace();
            var capability = request.Args.ReadAtom();
            if (capability == Qresync.Capability ? Qresync.Enable(session) : Known.Contains(capability) && session.Enabled.Add(capability))
            {
                enabled.Add(capability);
            }
        }
        while (!request.Args.AtEnd);
        session.WriteLine(("* ENABLED " + string.Join(' ', enabled)).TrimEnd());
        await session.OkAsync(request, "ENABLE completed").ConfigureAwait(false);
    }
}
