namespace Appliance.Imap.Parsing;

/// <summary>
/// <c>filter-mailboxes-selected = "selected" / "selected-delayed"</c> and <c>filter-mailboxes-other = "inboxes" /
/// "personal" / "subscribed" / ("subtree" SP one-or-more-mailbox) / ("mailboxes" SP one-or-more-mailbox)</c> (RFC 5465 §6).
/// </summary>
public enum NotifyFilter
{
    Selected,
    SelectedDelayed,
    Inboxes,
    Personal,
    Subscribed,
    Subtree,
    Mailboxes,
}

/// <summary>The events of RFC 5465 §5; <c>event-ext = atom</c> names outside them are kept as text for BADEVENT.</summary>
public enum NotifyEvent
{
    MessageNew,
    MessageExpunge,
    FlagChange,
    AnnotationChange,
    MailboxName,
    SubscriptionChange,
    MailboxMetadataChange,
    ServerMetadataChange,
}

/// <summary>
/// <c>event-group = "(" filter-mailboxes SP events ")"</c>: whose changes, which of them (none for <c>"NONE"</c>), the
/// fetch-att of <c>"MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]</c>, and event names this server does not know.
/// </summary>
public sealed record NotifyGroup(NotifyFilter Filter, IReadOnlyList<string> Mailboxes, IReadOnlySet<NotifyEvent> Events, IReadOnlyList<FetchItem> FetchItems, IReadOnlyList<string> UnknownEvents)
{
    public bool IsSelected => Filter is NotifyFilter.Selected or NotifyFilter.SelectedDelayed;

    public bool Has(NotifyEvent notifyEvent) => Events.Contains(notifyEvent);

    /// <summary>Whether it asks for any of MessageNew, MessageExpunge, FlagChange.</summary>
    public bool HasMessageEvents => Has(NotifyEvent.MessageNew) || Has(NotifyEvent.MessageExpunge) || Has(NotifyEvent.FlagChange);
}

/// <summary>
/// A NOTIFY command's arguments (RFC 5465 §3, §8): <c>notify = "NOTIFY" SP (notify-set / notify-none)</c>,
/// <c>notify-none = "NONE"</c>, <c>notify-set = "SET" [status-indicator] SP event-groups</c>,
/// <c>status-indicator = SP "STATUS"</c>, <c>event-groups = event-group *(SP event-group)</c>. Null groups: NONE.
/// </summary>
/// <remarks>
/// What §5 and §6 forbid is refused here as BAD: MessageNew without MessageExpunge or the other way round, FlagChange
/// or AnnotationChange without both, fetch-att outside a selected group, and more than one selected group.
/// </remarks>
public sealed record NotifyArguments(bool Status, IReadOnlyList<NotifyGroup>? Groups)
{
    /// <summary>Reads what follows the command name (from the space after it). Pure; malformed input is an <see cref="ImapSyntaxException"/>.</summary>
    public static NotifyArguments Parse(ImapParser args)
    {
        ArgumentNullException.ThrowIfNull(args);
        args.ReadSpace();
        switch (args.ReadAtom())
        {
            case "NONE":
                args.ExpectEnd();
                return new NotifyArguments(false, null);
            case "SET":
                break;
            default:
                throw new ImapSyntaxException("NOTIFY takes SET or NONE");
        }
        args.ReadSpace();
        var status = false;
        if (args.NextIsWord("STATUS"))
        {
            args.ReadAtom();
            args.ReadSpace();
            status = true;
        }
        var groups = new List<NotifyGroup>();
        do
        {
            var group = EventGroup(args);
            if (group.IsSelected && groups.Any(g => g.IsSelected))
            {
                throw new ImapSyntaxException("Only one selected or selected-delayed group");
            }
            groups.Add(group);
        }
        while (args.TrySpace());
        args.ExpectEnd();
        return new NotifyArguments(status, groups);
    }

    /// <summary><c>event-group = "(" filter-mailboxes SP events ")"</c>.</summary>
    private static NotifyGroup EventGroup(ImapParser args)
    {
        args.Expect('(');
        var filter = args.ReadAtom() switch
        {
            "SELECTED" => NotifyFilter.Selected,
            "SELECTED-DELAYED" => NotifyFilter.SelectedDelayed,
            "INBOXES" => NotifyFilter.Inboxes,
            "PERSONAL" => NotifyFilter.Personal,
            "SUBSCRIBED" => NotifyFilter.Subscribed,
            "SUBTREE" => NotifyFilter.Subtree,
            "MAILBOXES" => NotifyFilter.Mailboxes,
            _ => throw new ImapSyntaxException("Unknown NOTIFY mailbox filter"),
        };
        var mailboxes = new List<string>();
        if (filter is NotifyFilter.Subtree or NotifyFilter.Mailboxes)
        {
            // one-or-more-mailbox = mailbox / many-mailboxes; many-mailboxes = "(" mailbox *(SP mailbox) ")"
            args.ReadSpace();
            if (args.TryRead('('))
            {
                do
                {
                    mailboxes.Add(args.ReadMailbox());
                }
                while (args.TrySpace());
                args.Expect(')');
            }
            else
            {
                mailboxes.Add(args.ReadMailbox());
            }
        }
        args.ReadSpace();
        var events = new HashSet<NotifyEvent>();
        var fetch = new List<FetchItem>();
        var unknown = new List<string>();
        // events = ("(" event *(SP event) ")") / "NONE"
        if (!args.TryRead('('))
        {
            if (args.ReadAtom() != "NONE")
            {
                throw new ImapSyntaxException("Events are a parenthesized list or NONE");
            }
        }
        else
        {
            do
            {
                var name = args.ReadAtom();
                switch (name)
                {
                    case "MESSAGENEW":
                        events.Add(NotifyEvent.MessageNew);
                        // " (" starts its fetch-att list; a space and an atom is the next event.
                        if (args.NextIsText(" ("))
                        {
                            args.ReadSpace();
                            args.Expect('(');
                            do
                            {
                                fetch.AddRange(FetchArguments.FetchAtt(args, allowMacro: false));
                            }
                            while (args.TrySpace());
                            args.Expect(')');
                        }
                        break;
                    case "MESSAGEEXPUNGE": events.Add(NotifyEvent.MessageExpunge); break;
                    case "FLAGCHANGE": events.Add(NotifyEvent.FlagChange); break;
                    case "ANNOTATIONCHANGE": events.Add(NotifyEvent.AnnotationChange); break;
                    case "MAILBOXNAME": events.Add(NotifyEvent.MailboxName); break;
                    case "SUBSCRIPTIONCHANGE": events.Add(NotifyEvent.SubscriptionChange); break;
                    case "MAILBOXMETADATACHANGE": events.Add(NotifyEvent.MailboxMetadataChange); break;
                    case "SERVERMETADATACHANGE": events.Add(NotifyEvent.ServerMetadataChange); break;
                    default: unknown.Add(name); break;
                }
            }
            while (args.TrySpace());
            args.Expect(')');
        }
        args.Expect(')');
        if (events.Contains(NotifyEvent.MessageNew) != events.Contains(NotifyEvent.MessageExpunge))
        {
            throw new ImapSyntaxException("MessageNew and MessageExpunge go together");
        }
        if ((events.Contains(NotifyEvent.FlagChange) || events.Contains(NotifyEvent.AnnotationChange)) && !events.Contains(NotifyEvent.MessageNew))
        {
            throw new ImapSyntaxException("FlagChange and AnnotationChange need MessageNew and MessageExpunge");
        }
        var selected = filter is NotifyFilter.Selected or NotifyFilter.SelectedDelayed;
        if (fetch.Count > 0 && !selected)
        {
            throw new ImapSyntaxException("MessageNew fetch attributes are for the selected mailbox only");
        }
        return new NotifyGroup(filter, mailboxes, events, fetch, unknown);
    }
}
