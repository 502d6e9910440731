using System.Globalization;
using MimeKit;

namespace Appliance.Mail;

/// <summary>
/// The notice a recipient gets in place of a message held for a virus: it names the virus, the sender, the subject
/// and the quarantine id, so that the recipient can ask an administrator for it, or knows to warn the sender.
/// </summary>
public sealed class QuarantineNotices
{
    /// <returns>The notice as RFC 5322 bytes, ready to store.</returns>
    public byte[] Compose(string host, string recipient, string sender, string subject, string virus, string quarantineId, DateTimeOffset now)
    {
        var decodedSubject = MimeKit.Utils.Rfc2047.DecodeText(System.Text.Encoding.UTF8.GetBytes(subject ?? "")).Trim();
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{host}"));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = $"A message to you was held: virus {virus}";
        message.Date = now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(host);
        // RFC 3834: a notice is automatic; nothing should answer it.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Appliance-Quarantine-Id", quarantineId);
        var text = string.Create(CultureInfo.InvariantCulture, $"""
            A message addressed to you contained a virus and was not delivered.
            It is held in the quarantine; nothing in it reached your mailbox.

              Virus:          {virus}
              From:           {(sender.Length == 0 ? "<>" : sender)}
              Subject:        {decodedSubject}
              Quarantine id:  {quarantineId}
              Held at:        {now:yyyy-MM-dd HH:mm} UTC

            If you expected this message, ask your administrator, giving the quarantine id.
            The sender's computer may be infected: tell them by other means than replying to this notice.
            """);
        message.Body = new TextPart("plain") { Text = text };
        // Stored mail has CRLF line ends (RFC 5322 §2.1), whatever the platform's own.
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var output = new MemoryStream();
        message.WriteTo(format, output);
        return output.ToArray();
    }
}
