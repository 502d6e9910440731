using System.Globalization;
using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using Appliance.Mime;

namespace Appliance.Web.Mail;

public enum ComposeKind
{
    New,
    Reply,
    ReplyAll,
    Forward,
}

/// <summary>A file sent with a message.</summary>
public sealed record ComposeAttachment(string FileName, string ContentType, byte[] Content);

/// <summary>What the compose form holds; the address fields are kept as typed, so that a mistake can be shown in place.</summary>
public sealed class ComposeModel
{
    public ComposeKind Kind { get; set; }
    public string To { get; set; } = "";
    public string Cc { get; set; } = "";
    public string Bcc { get; set; } = "";
    public string Subject { get; set; } = "";
    /// <summary>The body from the HTML editor: a fragment, not a document.</summary>
    public string Html { get; set; } = "";
    public List<ComposeAttachment> Attachments { get; set; } = [];
    /// <summary>The Message-ID answered, with angle brackets (RFC 5322 §3.6.4).</summary>
    public string? InReplyTo { get; set; }
    public List<string> References { get; set; } = [];
    /// <summary>UID of the draft this was saved as, so that saving again or sending replaces it.</summary>
    public long? DraftUid { get; set; }
}

/// <summary>An address field parsed: the addresses that are valid, and the entries that are not, as typed.</summary>
public sealed record RecipientList(IReadOnlyList<MailboxAddress> Addresses, IReadOnlyList<string> Invalid)
{
    public bool IsValid => Invalid.Count == 0;
}

/// <summary>
/// Turns the compose form into a message and back, and starts replies and forwards from a received one.
/// Pure: no I/O, no clock (the time is passed in), so that every case is a plain test.
/// </summary>
public static class Composer
{
    private static readonly HtmlParser Parser = new(new HtmlParserOptions { IsScripting = false });

    /// <summary>
    /// Entries separated by commas or semicolons (Outlook users type ";"), each "Name &lt;a@b&gt;" or a bare
    /// a@b. Separators inside a quoted name ("Doe, John" &lt;j@x&gt;) or inside angle brackets do not split.
    /// An entry is valid when it is one mailbox whose address passes the SMTP grammar (RFC 5321 §4.1.2),
    /// the rule the server will apply when the message is sent.
    /// </summary>
    public static RecipientList ParseRecipients(string field)
    {
        var addresses = new List<MailboxAddress>();
        var invalid = new List<string>();
        foreach (var entry in SplitEntries(field ?? ""))
        {
            var parsed = AddressParser.ParseList(entry);
            if (parsed is [MailboxAddress mailbox] && mailbox.LocalPart.Length > 0 && mailbox.Domain.Length > 0 && Rfc5321Address.TryParseMailbox(mailbox.AddrSpec, out _))
            {
                addresses.Add(mailbox);
            }
            else
            {
                invalid.Add(entry);
            }
        }
        return new RecipientList(addresses, invalid);
    }

    private static IEnumerable<string> SplitEntries(string field)
    {
        var start = 0;
        var quoted = false;
        var angle = false;
        for (var i = 0; i < field.Length; i++)
        {
            var c = field[i];
            if (quoted)
            {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
                continue;
            }
            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case '<':
                    angle = true;
                    break;
                case '>':
                    angle = false;
                    break;
                case ',' or ';' when !angle:
                    if (field[start..i].Trim() is { Length: > 0 } entry) yield return entry;
                    start = i + 1;
                    break;
            }
        }
        if (field[start..].Trim() is { Length: > 0 } last) yield return last;
    }

    /// <summary>
    /// The message: multipart/alternative of a plain text made from the HTML (<see cref="HtmlText.ToPlainText"/>) and
    /// the HTML, for readers that show no HTML (RFC 2046 §5.1.4: the plainest first), in multipart/mixed
    /// with the attachments. <paramref name="includeBcc"/> is for the Sent copy and drafts; what is
    /// delivered never has it (the submission pipeline removes it in any case).
    /// </summary>
    /// <exception cref="ArgumentException">An address field has an entry <see cref="ParseRecipients"/> calls invalid: dropping it silently would lose a recipient.</exception>
    public static byte[] Build(ComposeModel m, MailboxAddress from, string hostname, DateTimeOffset now, bool includeBcc)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(from);
        var builder = new MessageBuilder(hostname)
        {
            From = from,
            Date = now,
            Subject = string.IsNullOrWhiteSpace(m.Subject) ? null : m.Subject,
            MessageId = MessageBuilder.NewMessageId(hostname),
            InReplyTo = MessageIds.First(m.InReplyTo),
        };
        builder.To.AddRange(Valid(m.To, "To"));
        builder.Cc.AddRange(Valid(m.Cc, "Cc"));
        var bcc = Valid(m.Bcc, "Bcc");
        if (includeBcc)
        {
            builder.Bcc.AddRange(bcc);
        }
        builder.References.AddRange(m.References.SelectMany(MessageIds.Parse).Distinct(StringComparer.Ordinal));
        var html = m.Html ?? "";
        builder.TextBody = HtmlText.ToPlainText(html);
        builder.HtmlBody = "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n" + html + "\r\n</body></html>";
        foreach (var attachment in m.Attachments)
        {
            var type = Mime.ContentType.Parse(attachment.ContentType) ?? new Mime.ContentType("application", "octet-stream");
            builder.Attach(attachment.FileName, type, attachment.Content);
            // A file arrives as the user had it: quoted-printable would turn a text file's bare LF into CRLF.
            // Attached messages stay 7bit/8bit as RFC 2046 §5.2.1 requires.
            if (!type.IsMessage && Mime.LeafPart.ChooseEncoding(type, attachment.Content) != "7bit")
            {
                builder.Attachments[^1].TransferEncoding = "base64";
            }
        }
        return builder.ToArray();
    }

    private static IReadOnlyList<MailboxAddress> Valid(string field, string name)
    {
        var list = ParseRecipients(field);
        return list.IsValid ? list.Addresses : throw new ArgumentException($"{name} has invalid addresses: {string.Join(", ", list.Invalid)}", nameof(field));
    }

    /// <summary>
    /// A reply: "Re: " once, to Reply-To or else From (RFC 5322 §3.6.2), for reply-all also the other To and Cc
    /// minus me; In-Reply-To the original's Message-ID and References its References (or In-Reply-To) and
    /// Message-ID (RFC 5322 §3.6.4); the original text quoted below an attribution line.
    /// </summary>
    public static ComposeModel Reply(MimeMessage original, MailboxAddress me, bool all)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(me);
        var replyTo = Mailboxes(original, "Reply-To");
        var to = replyTo.Count > 0 ? replyTo : original.From;
        // Answering a message I sent myself (from Sent): the answer goes to whom it went to.
        if (to.Count > 0 && to.All(a => Same(a, me)))
        {
            to = original.To;
        }
        var cc = new List<MailboxAddress>();
        if (all)
        {
            foreach (var address in original.To.Concat(original.Cc))
            {
                if (!Same(address, me) && !to.Any(a => Same(a, address)) && !cc.Any(a => Same(a, address)))
                {
                    cc.Add(address);
                }
            }
        }
        var messageId = MessageIds.First(original.MessageId);
        var references = MessageIds.Parse(original.Headers.GetValue("References")).ToList();
        if (references.Count == 0)
        {
            references.AddRange(MessageIds.Parse(original.Headers.GetValue("In-Reply-To")).Take(1));
        }
        if (messageId is not null && !references.Contains(messageId))
        {
            references.Add(messageId);
        }
        var sender = original.From.FirstOrDefault();
        var attribution = original.Date is { } date
            ? string.Create(CultureInfo.InvariantCulture, $"On {date:ddd, d MMM yyyy 'at' HH:mm}, {sender?.ToString() ?? "someone"} wrote:")
            : $"{sender?.ToString() ?? "Someone"} wrote:";
        return new ComposeModel
        {
            Kind = all ? ComposeKind.ReplyAll : ComposeKind.Reply,
            To = Join(to),
            Cc = Join(cc),
            Subject = Prefixed(original.Subject, "Re:", ["re:"]),
            InReplyTo = messageId,
            References = references,
            Html = "<p><br></p>\r\n<p>" + Encode(attribution) + "</p>\r\n<blockquote type=\"cite\">" + QuotedText(original) + "</blockquote>",
        };
    }

    /// <summary>A forward: "Fwd: " once, the original's header summary and its text quoted, its attachments carried over.</summary>
    public static ComposeModel Forward(MimeMessage original)
    {
        ArgumentNullException.ThrowIfNull(original);
        var summary = new StringBuilder("<p>---------- Forwarded message ----------");
        void Line(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) summary.Append("<br>\r\n").Append(name).Append(": ").Append(Encode(value));
        }
        Line("From", Join(original.From));
        Line("Date", original.Date is { } date ? MimeDate.Format(date) : original.Headers.GetValue("Date"));
        Line("Subject", original.Subject);
        Line("To", Join(original.To));
        Line("Cc", Join(original.Cc));
        summary.Append("</p>");
        return new ComposeModel
        {
            Kind = ComposeKind.Forward,
            Subject = Prefixed(original.Subject, "Fwd:", ["fwd:", "fw:"]),
            Html = "<p><br></p>\r\n" + summary + "\r\n<blockquote type=\"cite\">" + QuotedText(original) + "</blockquote>",
            Attachments = [.. CarriedAttachments(original)],
        };
    }

    /// <summary>A saved draft back in the form: addresses, subject, body (text made HTML if it has no HTML), attachments, threading.</summary>
    public static ComposeModel FromDraft(MimeMessage draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var (text, html) = Bodies(draft);
        string body;
        if (html is not null)
        {
            using var document = Parser.ParseDocument(html);
            body = (document.Body?.InnerHtml ?? "").Trim();
        }
        else
        {
            body = text is null ? "" : TextToHtml(text);
        }
        var inReplyTo = MessageIds.First(draft.Headers.GetValue("In-Reply-To"));
        return new ComposeModel
        {
            Kind = inReplyTo is null ? ComposeKind.New : ComposeKind.Reply,
            To = Join(draft.To),
            Cc = Join(draft.Cc),
            Bcc = Join(Mailboxes(draft, "Bcc")),
            Subject = draft.Subject ?? "",
            Html = body,
            Attachments = [.. CarriedAttachments(draft)],
            InReplyTo = inReplyTo,
            References = [.. MessageIds.Parse(draft.Headers.GetValue("References"))],
        };
    }

    /// <summary>Plain text as HTML: escaped, line breaks as &lt;br&gt;.</summary>
    public static string TextToHtml(string text) =>
        string.Join("<br>\r\n", (text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n').Select(Encode));

    /// <summary>
    /// The original's text, escaped: its plain part, else its HTML made plain. Never its HTML as HTML: the
    /// original is someone else's markup, and this lands in our editor and in the mail we send.
    /// </summary>
    private static string QuotedText(MimeMessage original)
    {
        var (text, html) = Bodies(original);
        return TextToHtml(text ?? HtmlText.ToPlainText(html));
    }

    /// <summary>The texts of the original's bodies (<see cref="Mime.Attachments.Bodies"/>).</summary>
    private static (string? Text, string? Html) Bodies(MimeMessage message)
    {
        var bodies = Mime.Attachments.Bodies(message);
        return (bodies.Plain?.GetText(), bodies.Html?.GetText());
    }

    /// <summary>The original's attachments (<see cref="Mime.Attachments.Of"/>), decoded, attached messages as they are.</summary>
    private static IEnumerable<ComposeAttachment> CarriedAttachments(MimeMessage message) =>
        Mime.Attachments.Of(message).Select(e => new ComposeAttachment(
            e.FileName ?? (e.ContentType.IsMessage ? "message.eml" : "attachment"),
            e.ContentType.MimeType,
            e.ContentType.IsMessage ? e.RawBody.ToArray() : e.GetContent()));

    private static IReadOnlyList<MailboxAddress> Mailboxes(MimeMessage message, string field) =>
        message.Headers.GetAll(field).SelectMany(f => AddressParser.ParseMailboxes(f.Value)).ToList();

    private static bool Same(MailboxAddress a, MailboxAddress b) => string.Equals(a.AddrSpec, b.AddrSpec, StringComparison.OrdinalIgnoreCase);

    /// <summary>Addresses as a person would type them, so that <see cref="ParseRecipients"/> reads them back.</summary>
    private static string Join(IEnumerable<MailboxAddress> addresses) =>
        string.Join(", ", addresses.Where(a => a.Domain.Length > 0).Select(a =>
            string.IsNullOrWhiteSpace(a.DisplayName) ? a.AddrSpec : Phrase(a.DisplayName) + " <" + a.AddrSpec + ">"));

    /// <summary>A display name quoted only when it holds a character that would split or end the entry (RFC 5322 §3.2.3 specials).</summary>
    private static string Phrase(string name) => name.Any(c => "\"(),.:;<>@[\\]".Contains(c, StringComparison.Ordinal)) ? StructuredText.Quote(name) : name;

    /// <summary>The subject with <paramref name="prefix"/> before it, unless it already starts with one of <paramref name="existing"/>.</summary>
    private static string Prefixed(string? subject, string prefix, string[] existing)
    {
        var trimmed = (subject ?? "").Trim();
        return existing.Any(e => trimmed.StartsWith(e, StringComparison.OrdinalIgnoreCase)) ? trimmed : (prefix + " " + trimmed).TrimEnd();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
