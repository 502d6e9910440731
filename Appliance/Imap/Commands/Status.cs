using System.Globalization;
using Appliance.Imap.Parsing;
using Appliance.Mailstore;

namespace Appliance.Imap.Commands;

/// <summary>RFC 3501 §6.3.10 STATUS: MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN, SIZE (RFC 8438), DELETED (RFC 9051), MAILBOXID (RFC 8474) and HIGHESTMODSEQ.</summary>
public sealed class StatusCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["STATUS"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = StatusArguments.Parse(request.Args);
        if (!await WriteStatusAsync(session, arguments.Mailbox, arguments.Items).ConfigureAwait(false))
        {
            throw new ImapNoException("NONEXISTENT", "No such mailbox");
        }
        await session.OkAsync(request, "STATUS completed").ConfigureAwait(false);
    }

    internal static async Task<bool> WriteStatusAsync(ImapSession session, string name, IReadOnlyList<StatusAttribute> items)
    {
        var store = session.Services.Store;
        var resolved = await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false);
        if (resolved is null)
        {
            return false;
        }
        if (!resolved.Has('r'))
        {
            throw new ImapNoException("NOPERM", "You lack the 'r' right on this mailbox");
        }
        var mailbox = resolved.State;
        var entries = await store.EntriesAsync(mailbox.Id, mailbox.SeenReader(session.User!.Id), session.Cancellation).ConfigureAwait(false);
        var values = new List<string>();
        foreach (var item in items)
        {
            if (item == StatusAttribute.MailboxId)
            {
                values.Add($"MAILBOXID ({ObjectIds.Mailbox(mailbox)})");
                continue;
            }
            var value = item switch
            {
                StatusAttribute.Messages => entries.Count,
                StatusAttribute.Recent => entries.Count(e => e.Uid >= mailbox.RecentUid),
                StatusAttribute.UidNext => mailbox.Uidnext,
                StatusAttribute.UidValidity => mailbox.Uidvalidity,
                StatusAttribute.Unseen => entries.Count(e => !MessageFlags.Has(e.Flags, MessageFlags.Seen)),
                StatusAttribute.Size => await store.SizeAsync(mailbox.Id, session.Cancellation).ConfigureAwait(false),
                StatusAttribute.Deleted => entries.Count(e => MessageFlags.Has(e.Flags, MessageFlags.Deleted)),
                _ => mailbox.Highestmodseq,
            };
            values.Add(StatusArguments.Name(item) + " " + value.ToString(CultureInfo.InvariantCulture));
        }
        session.WriteLine($"* STATUS {session.MailboxName(resolved.Name)} ({string.Join(' ', values)})");
        return true;
    }
}
