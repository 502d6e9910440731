using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Appliance.Mailstore;
using MimeKit;
using MimeKit.Cryptography;

namespace Appliance.Filtering.Disclaimers;

/// <summary>
/// Appends a domain's disclaimer to the body of outgoing mail, before it is DKIM-signed: the text to the text/plain
/// part, the HTML before <c>&lt;/body&gt;</c> of the text/html part, both alternatives of multipart/alternative.
/// Attachments are not touched, and a signed or encrypted message is left as it is (changing it would break the
/// signature the sender made). A thread gets it once: a reply whose quoted text already holds it gets no second copy.
/// </summary>
public sealed partial class DisclaimerAppender(DisclaimerStore store)
{
    /// <summary>The attribute on the element that wraps the HTML disclaimer, by which a quoted copy is recognized.</summary>
    public const string HtmlMarker = "data-appliance-disclaimer";

    /// <summary>
    /// The message with the disclaimer of the first of <paramref name="domains"/> that has one (the From domain, then
    /// the envelope sender's), or the same bytes when none has or the message is left alone.
    /// </summary>
    public async Task<byte[]> AppendAsync(byte[] message, IEnumerable<string> domains, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(domains);
        foreach (var domain in domains.Where(d => d.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var disclaimer = await store.GetAsync(domain, cancellationToken).ConfigureAwait(false);
            if (!disclaimer.IsEmpty)
            {
                return Append(message, disclaimer);
            }
        }
        return message;
    }

    /// <summary>The message (CRLF line ends) with <paramref name="disclaimer"/> appended, or the same array when nothing applies.</summary>
    public static byte[] Append(byte[] message, DisclaimerSettings disclaimer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(disclaimer);
        if (disclaimer.IsEmpty)
        {
            return message;
        }
        MimeMessage parsed;
        try
        {
            parsed = MessageLoader.ForMimeKit(message);
        }
        catch (FormatException)
        {
            return message;
        }
        if (parsed.Body is null or MultipartSigned or MultipartEncrypted or ApplicationPkcs7Mime or ApplicationPgpEncrypted or ApplicationPgpSignature)
        {
            return message;
        }
        var targets = Targets(parsed.Body).ToArray();
        if (targets.Length == 0)
        {
            return message;
        }
        var text = disclaimer.Text.Trim().Length > 0 ? disclaimer.Text.Trim() : HtmlToText(disclaimer.Html);
        var html = disclaimer.Html.Trim().Length > 0 ? disclaimer.Html.Trim() : WebUtility.HtmlEncode(text).ReplaceLineEndings("<br>\r\n");
        var needle = Normalize(text);
        // Once per thread: a quoted copy (plain with "> " before each line, or HTML with our marker) means it is there.
        if (targets.Any(t => t.IsHtml ? t.Text.Contains(HtmlMarker, StringComparison.Ordinal) || Normalize(HtmlToText(t.Text)).Contains(needle, StringComparison.Ordinal)
                                      : Normalize(t.Text).Contains(needle, StringComparison.Ordinal)))
        {
            return message;
        }
        foreach (var part in targets)
        {
            var body = part.Text;
            string updated;
            if (part.IsHtml)
            {
                var block = $"<div {HtmlMarker}=\"1\">{html}</div>";
                var end = body.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
                updated = end < 0 ? body + "\r\n" + block + "\r\n" : body[..end] + block + "\r\n" + body[end..];
            }
            else
            {
                updated = body.TrimEnd('\r', '\n') + "\r\n\r\n" + text.ReplaceLineEndings("\r\n") + "\r\n";
            }
            var wasSevenBit = part.ContentTransferEncoding is ContentEncoding.Default or ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary;
            part.SetText(Encoding.UTF8, updated);
            if (wasSevenBit && updated.Any(c => c > '~' || (c < ' ' && c is not '\r' and not '\n' and not '\t')))
            {
                // Relays need not take 8-bit data (RFC 6152 is an extension); quoted-printable keeps it 7-bit.
                part.ContentTransferEncoding = ContentEncoding.QuotedPrintable;
            }
        }
        using var output = new MemoryStream(message.Length + 2 * (text.Length + html.Length) + 256);
        parsed.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    /// <summary>
    /// The parts a person reads as the message: a lone text part; each alternative of multipart/alternative; the root
    /// of multipart/related; the first part of multipart/mixed (the rest are attachments or forwarded content).
    /// </summary>
    private static IEnumerable<TextPart> Targets(MimeEntity entity) => entity switch
    {
        TextPart text when !text.IsAttachment && (text.IsPlain || text.IsHtml) => [text],
        MultipartAlternative alternative => alternative.SelectMany(Targets),
        MultipartRelated related when related.Root is { } root => Targets(root),
        Multipart multipart when multipart.Count > 0 && multipart is not (MultipartSigned or MultipartEncrypted) => Targets(multipart[0]),
        _ => [],
    };

    private static string HtmlToText(string html) =>
        WebUtility.HtmlDecode(Tags().Replace(html, " "));

    /// <summary>Text compared without quote marks, line breaks or runs of spaces, which replying changes.</summary>
    private static string Normalize(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimStart().TrimStart('>', ' ', '\t'));
        return Spaces().Replace(string.Join(' ', lines), " ").Trim();
    }

    [GeneratedRegex("<[^>]*>", RegexOptions.None, 1000)]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+", RegexOptions.None, 1000)]
    private static partial Regex Spaces();
}
