using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 4314 ACL: SETACL, DELETEACL, GETACL and LISTRIGHTS need the 'a' right (an owner has it on
/// their folders); MYRIGHTS needs any right. Identifiers are users' addresses or "anyone"; the
/// owner's own rights cannot be changed.
/// </summary>
public sealed class AclCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SETACL", "DELETEACL", "GETACL", "LISTRIGHTS", "MYRIGHTS"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = request.Args;
        args.ReadSpace();
        var name = session.DecodeMailbox(args.ReadAString());
        var store = session.Services.Store;
        var mailbox = await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false)
            ?? throw new ImapNoException("NONEXISTENT", "No such mailbox");
        var shown = session.EncodeMailbox(mailbox.Name);
        if (request.Name == "MYRIGHTS")
        {
            args.ExpectEnd();
            session.WriteLine($"* MYRIGHTS {shown} {mailbox.Rights}");
            await session.OkAsync(request, "MYRIGHTS completed").ConfigureAwait(false);
            return;
        }
        if (!mailbox.Has('a'))
        {
            throw new ImapNoException("NOPERM", "You lack the 'a' right on this mailbox");
        }
        // A public folder has no owner; administrators hold every right on it.
        string? owner = mailbox.Personal ? session.User!.Address : MailboxResolver.IsPublic(mailbox.Name) ? null : mailbox.Name.Split('/')[1];
        switch (request.Name)
        {
            case "GETACL":
            {
                args.ExpectEnd();
                var entries = await store.AclAsync(mailbox.State.Id, session.Cancellation).ConfigureAwait(false);
                var line = owner is null ? $"* ACL {shown}" : $"* ACL {shown} {ImapString.Quote(owner)} {MailStore.AllRights}";
                foreach (var (identifier, rights) in entries)
                {
                    line += $" {ImapString.Quote(identifier)} {rights}";
                }
                session.WriteLine(line);
                break;
            }
            case "LISTRIGHTS":
            {
                args.ReadSpace();
                var identifier = args.ReadAString();
                args.ExpectEnd();
                session.WriteLine(string.Equals(identifier, owner, StringComparison.OrdinalIgnoreCase)
                    ? $"* LISTRIGHTS {shown} {ImapString.Quote(identifier)} {MailStore.AllRights}"
                    : $"* LISTRIGHTS {shown} {ImapString.Quote(identifier)} \"\" l r s w i p k x t e a");
                break;
            }
            default:
            {
                args.ReadSpace();
                var identifier = args.ReadAString().ToLowerInvariant();
                string? change = null;
                if (request.Name == "SETACL")
                {
                    args.ReadSpace();
                    change = args.ReadAString();
                }
                args.ExpectEnd();
                if (string.Equals(identifier, owner, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ImapNoException("CANNOT", "The owner's rights cannot be changed");
                }
                if (identifier != MailStore.Anyone && await store.UserIdAsync(identifier, session.Cancellation).ConfigureAwait(false) is null)
                {
                    throw new ImapNoException("NONEXISTENT", "No such user");
                }
                var current = (await store.AclAsync(mailbox.State.Id, session.Cancellation).ConfigureAwait(false))
                    .FirstOrDefault(e => e.Identifier == identifier).Rights ?? "";
                var next = "";
                if (change is not null)
                {
                    var mode = change.StartsWith('+') ? '+' : change.StartsWith('-') ? '-' : '=';
                    var letters = MailStore.NormalizeRights(mode == '=' ? change : change[1..])
                        ?? throw new ImapSyntaxException("Unknown right in " + change);
                    next = mode switch
                    {
                        '+' => MailStore.NormalizeRights(current + letters)!,
                        '-' => new string([.. current.Where(c => !letters.Contains(c, StringComparison.Ordinal))]),
                        _ => letters,
                    };
                }
                await store.SetAclAsync(mailbox.State.Id, identifier, next, session.Cancellation).ConfigureAwait(false);
                break;
            }
        }
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
    }
}
