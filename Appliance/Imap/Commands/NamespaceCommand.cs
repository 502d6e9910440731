namespace Appliance.Imap.Commands;

/// <summary>RFC 2342 NAMESPACE: personal folders at the root, folders others share under "Other Users/", "/" as separator.</summary>
public sealed class NamespaceCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["NAMESPACE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        session.WriteLine("* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) ((\"Shared Folders/\" \"/\"))");
        await session.OkAsync(request, "NAMESPACE completed").ConfigureAwait(false);
    }
}
