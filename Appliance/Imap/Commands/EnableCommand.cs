namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 5161 ENABLE: CONDSTORE and QRESYNC (RFC 7162; QRESYNC brings CONDSTORE along), IMAP4rev2 (RFC 9051 §6.3.1) and
/// UTF8=ACCEPT (RFC 6855 §3) can be turned on; others are ignored. Capability names compare case-insensitively
/// (RFC 9051 §6.3.1), and ENABLED names them as this server advertises them.
/// </summary>
public sealed class EnableCommand : ImapCommand
{
    private static readonly string[] Known = [Condstore.Capability, Qresync.Capability, ImapSession.Rev2Capability, ImapSession.Utf8AcceptCapability];

    public override IReadOnlyList<string> Names => ["ENABLE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var enabled = new List<string>();
        do
        {
            request.Args.ReadSpace();
            var sent = request.Args.ReadAtom();
            var capability = Known.FirstOrDefault(k => string.Equals(k, sent, StringComparison.OrdinalIgnoreCase));
            if (capability is not null && (capability == Qresync.Capability ? Qresync.Enable(session) : session.Enabled.Add(capability)))
            {
                enabled.Add(capability);
            }
        }
        while (!request.Args.AtEnd);
        if (session.Selected is { } selected)
        {
            // RFC 5161 §3.1 asks clients to ENABLE before SELECT; one that does not still gets a consistent view.
            selected.ShowsRecent = !session.Rev2;
        }
        session.WriteLine(("* ENABLED " + string.Join(' ', enabled)).TrimEnd());
        await session.OkAsync(request, "ENABLE completed").ConfigureAwait(false);
    }
}
