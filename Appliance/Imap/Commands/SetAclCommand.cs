using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 4314 §3.1–3.2 SETACL (rights replaced, or added with "+" and taken with "-") and DELETEACL;
/// need 'a'. Identifiers are users' addresses or "anyone"; the owner's own rights cannot change.
/// </summary>
public sealed class SetAclCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SETACL", "DELETEACL"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = request.Args;
        var store = session.Services.Store;
        var target = await Acl.ReadTargetAsync(session, args, administer: true).ConfigureAwait(false);
        args.ReadSpace();
        var identifier = args.ReadAString().ToLowerInvariant();
        string? change = null;
        if (request.Name == "SETACL")
        {
            args.ReadSpace();
            change = args.ReadAString();
        }
        args.ExpectEnd();
        if (string.Equals(identifier, target.Owner, StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapNoException("CANNOT", "The owner's rights cannot be changed");
        }
        if (identifier != MailStore.Anyone && await store.UserIdAsync(identifier, session.Cancellation).ConfigureAwait(false) is null)
        {
            throw new ImapNoException("NONEXISTENT", "No such user");
        }
        var id = target.Mailbox.State.Id;
        var current = (await store.AclAsync(id, session.Cancellation).ConfigureAwait(false)).FirstOrDefault(e => e.Identifier == identifier).Rights ?? "";
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
        await store.SetAclAsync(id, identifier, next, session.Cancellation).ConfigureAwait(false);
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
    }
}
