using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Appliance.Storage;
using Microsoft.Extensions.Logging;

namespace Appliance.Mail;

/// <summary>
/// Returns undeliverable mail to its sender as a delivery status notification (RFC 3464
/// multipart/report), sent with the null sender so that it can never bounce again. Mail that was
/// itself a bounce, or had no sender, is dropped and logged instead: no loops.
/// </summary>
public sealed partial class Bouncer(
    BlobStore blobs,
    RecipientResolver recipients,
    DeliveryAgent delivery,
    MessageLog log,
    SettingsRepository settings,
    TimeProvider time,
    ILogger<Bouncer> logger)
{
    /// <summary>How much of the original's header is returned: enough to recognise it, not a second copy of it.</summary>
    private const int MaxHeaderBytes = 64 * 1024;

    public async Task BounceAsync(QueuedRecipient failed, string status, string diagnostic, string? remoteMta, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(failed);
        await log.WriteAsync(MessageStatus.Bounced, failed.Sender, failed.Recipient, remoteMta ?? "", "", failed.Size, diagnostic, cancellationToken).ConfigureAwait(false);
        if (failed.IsBounce || failed.Sender.Length == 0)
        {
            LogDropped(logger, failed.Recipient);
            return;
        }
        var host = await settings.GetAsync(SettingKeys.HostName, cancellationToken).ConfigureAwait(false) ?? System.Net.Dns.GetHostName();
        var report = Build(failed, host, status, diagnostic, remoteMta, ReadHeader(failed.BlobHash), time.GetUtcNow());
        var (state, recipient) = await recipients.ResolveAsync(failed.Sender, cancellationToken).ConfigureAwait(false);
        if (state is not (RecipientStatus.Ok or RecipientStatus.Remote) || recipient is null)
        {
            LogDropped(logger, failed.Sender);
            return;
        }
        var envelope = new Envelope("", [recipient], new TraceInfo(host, System.Net.IPAddress.Loopback, "localhost", "local", null));
        await delivery.AcceptAsync(envelope, () => new MemoryStream(report), cancellationToken).ConfigureAwait(false);
    }

    private string ReadHeader(string hash)
    {
        using var stream = blobs.OpenRead(hash);
        if (stream is null) return "";
        var buffer = new byte[MaxHeaderBytes];
        var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var text = Encoding.UTF8.GetString(buffer, 0, length);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end >= 0 ? text[..(end + 2)] : text;
    }

    /// <summary>RFC 3464 §2: human-readable part, message/delivery-status, text/rfc822-headers (RFC 6522).</summary>
    internal static byte[] Build(QueuedRecipient failed, string host, string status, string diagnostic, string? remoteMta, string originalHeader, DateTimeOffset now)
    {
        var boundary = "=_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var date = now.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        var arrival = failed.CreatedAt.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
        var text = new StringBuilder()
            .Append("From: Mail Delivery System <MAILER-DAEMON@").Append(host).Append(">\r\n")
            .Append("To: <").Append(failed.Sender).Append(">\r\n")
            .Append("Subject: Undelivered Mail Returned to Sender\r\n")
            .Append("Date: ").Append(date).Append("\r\n")
            .Append("Message-ID: <").Append(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10))).Append('@').Append(host).Append(">\r\n")
            .Append("Auto-Submitted: auto-replied\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").Append(boundary).Append("\"\r\n")
            .Append("\r\n")
            .Append("This is a MIME-encapsulated message.\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n\r\n")
            .Append("This is the mail system at ").Append(host).Append(".\r\n\r\n")
            .Append("Your message could not be delivered to the recipient below, and has been\r\n")
            .Append("returned. The reason the receiving system gave follows.\r\n\r\n")
            .Append("<").Append(failed.Recipient).Append(">: ").Append(OneLine(diagnostic)).Append("\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: message/delivery-status\r\n\r\n")
            .Append("Reporting-MTA: dns; ").Append(host).Append("\r\n")
            .Append("Arrival-Date: ").Append(arrival).Append("\r\n\r\n")
            .Append("Final-Recipient: rfc822; ").Append(failed.Recipient).Append("\r\n")
            .Append("Action: failed\r\n")
            .Append("Status: ").Append(status).Append("\r\n");
        if (remoteMta is not null) text.Append("Remote-MTA: dns; ").Append(remoteMta).Append("\r\n");
        text.Append("Diagnostic-Code: smtp; ").Append(OneLine(diagnostic)).Append("\r\n")
            .Append("Last-Attempt-Date: ").Append(date).Append("\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\n")
            .Append("Content-Type: text/rfc822-headers\r\n\r\n")
            .Append(originalHeader)
            .Append("\r\n--").Append(boundary).Append("--\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Not returning a bounce for <{Address}>: no sender, or it was a bounce itself")]
    private static partial void LogDropped(ILogger logger, string address);
}
