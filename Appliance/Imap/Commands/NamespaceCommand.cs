namespace Appliance.Imap.Commands;

/// <summary>RFC 2342 NAMESPACE: personal folders at the root with "/" as separator; no others yet.</summary>
public sealed class NamespaceCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["NAMESPACE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        session.WriteLine("* NAMESPACE ((\"\" \"/\")) NIL NIL");
        await session.OkAsync(request, "NAMESPACE completed").ConfigureAwait(false);
    }
}
