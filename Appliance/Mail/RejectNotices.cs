using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Appliance.Mail;

/// <summary>
/// What the sender gets when a recipient's rules refuse a message this server had already accepted (RFC 5429): for
/// <c>reject</c> an MDN (RFC 8098, "deleted"), for <c>ereject</c> a DSN (RFC 3464, 5.7.1), as §2.1.2 and §2.2 ask. Both
/// go with the null sender, so they never bounce or get an answer back.
/// </summary>
public static class RejectNotices
{
    public static byte[] Build(bool extended, string host, string user, string sender, string reason, string originalHeader, string? originalMessageId, DateTimeOffset now)
    {
        if (extended)
        {
            var failed = new QueuedRecipient { Sender = sender, Recipient = user, CreatedAt = now };
            return Bouncer.Build(failed, host, "5.7.1", "550 5.7.1 " + reason, null, originalHeader, now);
        }
        var boundary = "=_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var text = new StringBuilder()
            .Append("From: <").Append(user).Append(">\r\n")
            .Append("To: <").Append(sender).Append(">\r\n")
            .Append("Subject: Message rejected by <").Append(user).Append(">\r\n")
            .Append("Date: ").Append(now.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n")
            .Append("Message-ID: <").Append(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10))).Append('@').Append(host).Append(">\r\n")
            .Append("Auto-Submitted: auto-replied (rejected)\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/report; report-type=disposition-notification;\r\n\tboundary=\"").Append(boundary).Append("\"\r\n")
            .Append("\r\n")
            .Append("This is a MIME-encapsulated message.\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Transfer-Encoding: 8bit\r\n\r\n")
            .Append("Your message to <").Append(user).Append("> was received and rejected by the recipient's filter rules.\r\n")
            .Append("The reason given:\r\n\r\n")
            .Append(reason.ReplaceLineEndings("\r\n")).Append("\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: message/disposition-notification\r\n\r\n")
            .Append("Reporting-UA: ").Append(host).Append("; Appliance\r\n")
            .Append("Final-Recipient: rfc822; ").Append(user).Append("\r\n");
        if (!string.IsNullOrEmpty(originalMessageId)) text.Append("Original-Message-ID: ").Append(originalMessageId.Trim()).Append("\r\n");
        text.Append("Disposition: automatic-action/MDN-sent-automatically; deleted\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: text/rfc822-headers\r\n\r\n")
            .Append(originalHeader)
            .Append("\r\n--").Append(boundary).Append("--\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
