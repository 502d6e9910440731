using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>RFC 4314 §3.3 GETACL: the owner's implicit rights and every entry; needs 'a'.</summary>
public sealed class GetAclCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["GETACL"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var target = await Acl.ReadTargetAsync(session, request.Args, administer: true).ConfigureAwait(false);
        request.Args.ExpectEnd();
        var entries = await session.Services.Store.AclAsync(target.Mailbox.State.Id, session.Cancellation).ConfigureAwait(false);
        var line = target.Owner is null ? $"* ACL {target.Shown}" : $"* ACL {target.Shown} {ImapString.Quote(target.Owner)} {MailStore.AllRights}";
        foreach (var (identifier, rights) in entries)
        {
            line += $" {ImapString.Quote(identifier)} {rights}";
        }
        session.WriteLine(line);
        await session.OkAsync(request, "GETACL completed").ConfigureAwait(false);
    }
}
