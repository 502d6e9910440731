using Appliance.Imap.Parsing;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 5465 NOTIFY SET [STATUS] event-groups, and NOTIFY NONE. Events this server cannot report are refused with
/// NO [BADEVENT (...)] listing those it can, and the earlier NOTIFY stays in force: AnnotationChange is about
/// per-message annotations (RFC 5257 ANNOTATE), which this server does not keep. With STATUS, every watched mailbox
/// that is not selected gets its STATUS at once (§3).
/// </summary>
public sealed class NotifyCommand : ImapCommand
{
    /// <summary>What BADEVENT lists: every event this server reports.</summary>
    public const string Supported = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange";

    public override IReadOnlyList<string> Names => ["NOTIFY"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var arguments = NotifyArguments.Parse(request.Args);
        if (arguments.Groups is not { } groups)
        {
            session.StopNotifications();
            await session.OkAsync(request, "NOTIFY completed").ConfigureAwait(false);
            return;
        }
        if (groups.Any(g => g.UnknownEvents.Count > 0 || g.Has(NotifyEvent.AnnotationChange)))
        {
            throw new ImapNoException($"BADEVENT ({Supported})", "Some of these events cannot be reported");
        }
        var notifications = await Notifications.StartAsync(session, groups).ConfigureAwait(false);
        session.StartNotifications(notifications);
        if (arguments.Status)
        {
            foreach (var (id, watched) in notifications.WatchedMailboxes.OrderBy(w => w.Value.Name, StringComparer.Ordinal))
            {
                if (watched.Group.HasMessageEvents && id != session.Selected?.Id)
                {
                    await notifications.WriteStatusAsync(id, watched, always: true).ConfigureAwait(false);
                }
            }
        }
        await session.OkAsync(request, "NOTIFY completed").ConfigureAwait(false);
    }
}
