using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 3501 §6.3.11 APPEND, answering APPENDUID (RFC 4315). The message is on disk (fsynced blob,
/// committed row) before the OK; over quota is NO [OVERQUOTA] (RFC 9208), a missing folder NO [TRYCREATE].
/// </summary>
public sealed class AppendCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["APPEND"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = AppendArguments.Parse(request.Args);
        var name = arguments.Mailbox;
        var flags = arguments.Flags;
        var internalDate = arguments.InternalDate ?? DateTimeOffset.UtcNow;
        var message = arguments.Message;

        var user = session.User!;
        var store = session.Services.Store;
        var resolved = await MailboxResolver.RequireAsync(session, name, 'i', MailboxResolver.IsShared(name) ? "NONEXISTENT" : "TRYCREATE").ConfigureAwait(false);
        var mailbox = resolved.State;
        // The mailbox's owner pays for it in their quota.
        var ownerQuota = resolved.Personal ? user.QuotaBytes : await store.QuotaOfAsync(resolved.OwnerId, session.Cancellation).ConfigureAwait(false);
        if (!resolved.Has('w') && !resolved.Has('s') && !resolved.Has('t'))
        {
            flags = [];
        }
        // Over quota comes back as MailboxException OVERQUOTA, which the session writes as NO [OVERQUOTA].
        var uid = await session.Services.Writer.AppendMessageAsync(mailbox.Id, resolved.OwnerId, ownerQuota, message,
            MessageFlags.Format(flags), mailbox.SeenReader(user.Id), internalDate, session.Cancellation).ConfigureAwait(false);
        await session.OkAsync(request, string.Create(CultureInfo.InvariantCulture, $"[APPENDUID {mailbox.Uidvalidity} {uid}] APPEND completed")).ConfigureAwait(false);
    }
}
