using MimeKit;

namespace Appliance.Filtering.Sieve;

/// <summary>Whether a vacation reply goes out: the reply, or why not.</summary>
public sealed record VacationOutcome(SieveVacationReply? Reply, string Reason);

/// <summary>
/// Decides whether to answer (RFC 5230 §4.5, RFC 3834 §2) and writes the reply (RFC 3834 §3): never to the null sender
/// or a daemon, to a list or bulk mail, to an automatic message, to the user's own addresses, to mail not addressed to
/// the user, nor twice to one sender within the interval.
/// </summary>
public static class VacationResponder
{
    private static readonly string[] ListHeaders =
        ["List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe", "List-Post", "List-Owner", "List-Archive"];

    /// <summary>Local parts that are programs, not people (RFC 3834 §2, as Pigeonhole lists them).</summary>
    private static readonly string[] DaemonLocalParts = ["mailer-daemon", "listserv", "majordomo", "mailer", "postmaster"];

    public static async ValueTask<VacationOutcome> DecideAsync(SieveVacationRequest request, SieveContext context, SieveOptions options, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var sender = context.Envelope.From;
        if (string.IsNullOrEmpty(sender))
        {
            return No("the message has no return address (null sender)");
        }
        int at = sender.LastIndexOf('@');
        var local = (at < 0 ? sender : sender[..at]).ToLowerInvariant();
        if (DaemonLocalParts.Contains(local) || local.StartsWith("owner-", StringComparison.Ordinal) || local.EndsWith("-request", StringComparison.Ordinal))
        {
            return No($"the sender {sender} is a mail program");
        }
        if (message.Headers[HeaderId.AutoSubmitted] is { } autoSubmitted && !autoSubmitted.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
        {
            return No($"the message was sent automatically (Auto-Submitted: {autoSubmitted.Trim()})");
        }
        if (ListHeaders.FirstOrDefault(h => message.Headers.Contains(h)) is { } listHeader)
        {
            return No($"the message came from a mailing list ({listHeader})");
        }
        if (message.Headers["Precedence"]?.Trim().ToLowerInvariant() is { } precedence && precedence is "bulk" or "junk" or "list")
        {
            return No($"the message is bulk mail (Precedence: {precedence})");
        }
        var own = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { context.Envelope.To };
        own.UnionWith(context.UserAddresses);
        own.UnionWith(request.Addresses.Select(Bare));
        if (own.Contains(sender))
        {
            return No("the message came from the user's own address");
        }
        // RFC 5230 §4.5: answer only mail that names the user in To, Cc, Bcc or their Resent- forms.
        var named = new[] { HeaderId.To, HeaderId.Cc, HeaderId.Bcc, HeaderId.ResentTo, HeaderId.ResentCc, HeaderId.ResentBcc }
            .SelectMany(id => message.Headers.Where(h => h.Id == id))
            .SelectMany(h => InternetAddressList.TryParse(ParserOptions.Default, h.RawValue, out var list) ? list.Mailboxes : [])
            .Any(m => own.Contains(m.Address));
        if (!named)
        {
            return No("the user's address is not in To, Cc or Bcc");
        }
        var tracker = context.VacationTracker
            ?? throw new SieveRuntimeException(request.Line, "vacation needs a reply tracker");
        if (!await tracker.TryRecordReplyAsync(context.Envelope.To, sender, request.Handle, request.Interval, cancellationToken))
        {
            return No($"{sender} was answered within the last {request.Interval.TotalDays:0.##} days");
        }
        return new VacationOutcome(new SieveVacationReply(sender, BuildReply(request, context)) { Line = request.Line }, $"vacation reply to {sender}");
    }

    private static VacationOutcome No(string reason) => new(null, "no vacation reply: " + reason);

    private static string Bare(string address) => MailboxAddress.TryParse(address, out var m) ? m.Address : address;

    /// <summary>The reply (RFC 3834 §3): From the user, To the sender, Auto-Submitted: auto-replied, threaded to the original.</summary>
    public static MimeMessage BuildReply(SieveVacationRequest request, SieveContext context)
    {
        var original = context.Message;
        var reply = new MimeMessage();
        reply.From.Add(request.From is { } from && MailboxAddress.TryParse(from, out var fromAddress)
            ? fromAddress
            : MailboxAddress.Parse(context.Envelope.To));
        reply.To.Add(MailboxAddress.Parse(context.Envelope.From));
        // RFC 5230 §4.3: without :subject, "Auto: " and the original subject.
        reply.Subject = request.Subject ?? "Auto: " + (original.Subject ?? "");
        reply.Date = context.Time.GetUtcNow();
        reply.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(reply.From.Mailboxes.First().Domain);
        if (!string.IsNullOrEmpty(original.MessageId))
        {
            reply.InReplyTo = original.MessageId;
            foreach (var reference in original.References)
            {
                reply.References.Add(reference);
            }
            reply.References.Add(original.MessageId);
        }
        reply.Headers.Add(HeaderId.AutoSubmitted, "auto-replied (vacation)");
        // Outlook and Exchange honour this rather than Auto-Submitted: no out-of-office answer to our answer.
        reply.Headers.Add("X-Auto-Response-Suppress", "All");
        if (request.Mime)
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(request.Reason));
            reply.Body = MimeEntity.Load(stream);
        }
        else
        {
            reply.Body = new TextPart("plain") { Text = request.Reason };
        }
        return reply;
    }
}
