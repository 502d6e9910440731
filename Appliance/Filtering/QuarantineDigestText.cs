using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Localization;
using MimeKit;

namespace Appliance.Filtering;

/// <summary>One held message as the digest lists it.</summary>
public sealed record DigestItem(string Id, string Sender, string Subject, DateTimeOffset HeldAt, string Reason);

/// <summary>
/// The daily quarantine digest, in the server's language: a list of what was held for one user (sender, subject,
/// date, reason), each with a link to their quarantine page. The links need a signed-in session: they carry the
/// message's id and nothing that could release it.
/// </summary>
public sealed class QuarantineDigestText(IStringLocalizer<Strings> strings)
{
    /// <returns>The digest as RFC 5322 bytes (CRLF), text and HTML alternatives, ready to deliver.</returns>
    public byte[] Compose(string host, string baseUrl, string recipient, IReadOnlyList<DigestItem> items, int retentionDays, string language, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(items);
        var previous = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(string.IsNullOrEmpty(language) ? "en" : language);
            return Build(host, baseUrl.TrimEnd('/'), recipient, items, retentionDays, now);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    public static string Link(string baseUrl, string id) => $"{baseUrl.TrimEnd('/')}/preferences/quarantine?id={Uri.EscapeDataString(id)}";

    private byte[] Build(string host, string baseUrl, string recipient, IReadOnlyList<DigestItem> items, int retentionDays, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{host}"));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = strings["Digest.Subject", items.Count];
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(host);
        // RFC 3834: automatic; nothing should answer it.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Appliance-Digest", "quarantine");

        var intro = strings["Digest.Intro", retentionDays].Value;
        string from = strings["Digest.From"], subject = strings["Digest.SubjectLabel"], date = strings["Digest.Date"], reason = strings["Digest.Reason"], open = strings["Digest.Open"];
        var text = new StringBuilder(intro).Append("\r\n\r\n");
        var html = new StringBuilder("<!DOCTYPE html><html><body><p>").Append(WebUtility.HtmlEncode(intro)).Append("</p><table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr>")
            .Append(CultureInfo.InvariantCulture, $"<th>{Enc(from)}</th><th>{Enc(subject)}</th><th>{Enc(date)}</th><th>{Enc(reason)}</th><th></th></tr>");
        foreach (var item in items)
        {
            var decoded = MimeKit.Utils.Rfc2047.DecodeText(Encoding.UTF8.GetBytes(item.Subject ?? "")).Trim();
            var sender = item.Sender.Length == 0 ? "<>" : item.Sender;
            var when = item.HeldAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
            var link = Link(baseUrl, item.Id);
            text.Append(CultureInfo.InvariantCulture, $"{from}: {sender}\r\n{subject}: {decoded}\r\n{date}: {when}\r\n{reason}: {item.Reason}\r\n{open}: {link}\r\n\r\n");
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{Enc(sender)}</td><td>{Enc(decoded)}</td><td>{Enc(when)}</td><td>{Enc(item.Reason)}</td><td><a href=\"{Enc(link)}\">{Enc(open)}</a></td></tr>\r\n");
        }
        html.Append("</table></body></html>\r\n");
        // 8bit: delivered here only, and a link stays whole for a reader (and a test) that does not decode.
        message.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = text.ToString(), ContentTransferEncoding = ContentEncoding.EightBit },
            new TextPart("html") { Text = html.ToString(), ContentTransferEncoding = ContentEncoding.EightBit },
        };
        // Stored mail has CRLF line ends (RFC 5322 §2.1), whatever the platform's own.
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var output = new MemoryStream();
        message.WriteTo(format, output);
        return output.ToArray();
    }

    private static string Enc(string value) => WebUtility.HtmlEncode(value);
}
