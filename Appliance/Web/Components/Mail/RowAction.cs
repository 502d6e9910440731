namespace Appliance.Web.Components.Mail;

/// <summary>What a row's hover buttons, its context menu and the keyboard ask the page to do with a message.</summary>
public enum RowAction
{
    Open,
    Reply,
    ReplyAll,
    Forward,
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    Archive,
    Junk,
    Delete,
}
