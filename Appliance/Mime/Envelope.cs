using System.Text;

namespace Appliance.Mime;

/// <summary>
/// RFC 3501 §7.4.2 ENVELOPE: <c>"(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to
/// SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"</c>. Strings are the unfolded field values as sent
/// (encoded words not decoded: the client decodes); a missing field is null (NIL).
/// </summary>
public sealed record Envelope(
    string? Date,
    string? Subject,
    IReadOnlyList<Address> From,
    IReadOnlyList<Address> Sender,
    IReadOnlyList<Address> ReplyTo,
    IReadOnlyList<Address> To,
    IReadOnlyList<Address> Cc,
    IReadOnlyList<Address> Bcc,
    string? InReplyTo,
    string? MessageId)
{
    /// <summary>
    /// Builds the envelope of a header. "If the Sender or Reply-To lines are absent in the [RFC-2822] header, or are
    /// present but empty, the server sets the corresponding member of the envelope to be the same value as the from member".
    /// </summary>
    public static Envelope FromHeaders(HeaderList headers)
    {
        var from = Addresses(headers, "From");
        var sender = Addresses(headers, "Sender");
        var replyTo = Addresses(headers, "Reply-To");
        return new Envelope(
            headers.GetValue("Date"),
            headers.GetValue("Subject"),
            from,
            sender.Count == 0 ? from : sender,
            replyTo.Count == 0 ? from : replyTo,
            Addresses(headers, "To"),
            Addresses(headers, "Cc"),
            Addresses(headers, "Bcc"),
            headers.GetValue("In-Reply-To"),
            headers.GetValue("Message-ID"));
    }

    private static IReadOnlyList<Address> Addresses(HeaderList headers, string name)
    {
        var value = headers.GetValue(name);
        return value is null ? [] : AddressParser.ParseList(value, decode: false);
    }

    /// <summary>The parenthesized list as it appears after ENVELOPE in a FETCH response.</summary>
    public string ToImapString()
    {
        var sb = new StringBuilder();
        AppendTo(sb);
        return sb.ToString();
    }

    internal void AppendTo(StringBuilder sb)
    {
        sb.Append('(').AppendNString(Date).Append(' ').AppendNString(Subject);
        foreach (var list in new[] { From, Sender, ReplyTo, To, Cc, Bcc })
        {
            sb.Append(' ');
            AppendAddresses(sb, list);
        }
        sb.Append(' ').AppendNString(InReplyTo).Append(' ').AppendNString(MessageId).Append(')');
    }

    /// <summary>
    /// <c>"(" 1*address ")" / nil</c>, <c>address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"</c>. A group is
    /// "(NIL NIL name NIL)", its members, then "(NIL NIL NIL NIL)" (§7.4.2, group syntax).
    /// </summary>
    private static void AppendAddresses(StringBuilder sb, IReadOnlyList<Address> list)
    {
        if (list.Count == 0)
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        foreach (var address in list)
        {
            if (address is GroupAddress group)
            {
                sb.Append("(NIL NIL ").AppendNString(group.DisplayName).Append(" NIL)");
                foreach (var member in group.Members)
                {
                    AppendMailbox(sb, member);
                }
                sb.Append("(NIL NIL NIL NIL)");
            }
            else
            {
                AppendMailbox(sb, (MailboxAddress)address);
            }
        }
        sb.Append(')');
    }

    private static void AppendMailbox(StringBuilder sb, MailboxAddress m) =>
        sb.Append('(').AppendNString(string.IsNullOrEmpty(m.DisplayName) ? null : m.DisplayName).Append(' ').AppendNString(m.Route).Append(' ')
            .AppendNString(m.LocalPart).Append(' ').AppendNString(m.Domain.Length == 0 ? null : m.Domain).Append(')');
}
