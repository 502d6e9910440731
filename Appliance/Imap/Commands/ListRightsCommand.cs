using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>RFC 4314 §3.4 LISTRIGHTS: every right may be granted on its own; the owner always has all.</summary>
public sealed class ListRightsCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["LISTRIGHTS"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var target = await Acl.ReadTargetAsync(session, request.Args, administer: true).ConfigureAwait(false);
        request.Args.ReadSpace();
        var identifier = request.Args.ReadAString();
        request.Args.ExpectEnd();
        session.WriteLine(string.Equals(identifier, target.Owner, StringComparison.OrdinalIgnoreCase)
            ? $"* LISTRIGHTS {target.Shown} {ImapString.Quote(identifier)} {MailStore.AllRights}"
            : $"* LISTRIGHTS {target.Shown} {ImapString.Quote(identifier)} \"\" l r s w i p k x t e a");
        await session.OkAsync(request, "LISTRIGHTS completed").ConfigureAwait(false);
    }
}
