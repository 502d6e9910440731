using System.Security.Cryptography;
using System.Text;

namespace Appliance.Mime;

/// <summary>A body part to build: a <see cref="LeafPart"/> or a <see cref="MultipartPart"/>.</summary>
public abstract class BodyPart
{
    /// <summary>More fields for this part's header (Content-Description, Content-Language...), unstructured-encoded.</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>Writes the part's MIME header fields (without the blank line) and returns its body.</summary>
    internal abstract byte[] WriteHeader(StringBuilder header);

    internal void WriteTo(Stream stream, StringBuilder? outerHeader = null)
    {
        var header = outerHeader ?? new StringBuilder();
        var body = WriteHeader(header);
        foreach (var (name, value) in Headers)
        {
            header.Append(HeaderFolding.Fold(name, HeaderFolding.EncodeUnstructured(value)));
        }
        header.Append("\r\n");
        stream.Write(Encoding.UTF8.GetBytes(header.ToString()));
        stream.Write(body);
    }
}

/// <summary>A leaf part of any content type; the transfer encoding is chosen from the content unless set.</summary>
public sealed class LeafPart : BodyPart
{
    public LeafPart(ContentType contentType, byte[] content)
    {
        ContentType = contentType;
        Content = content;
    }

    /// <summary>Text in UTF-8 with CRLF line breaks, e.g. <c>LeafPart.Text(body)</c> or <c>LeafPart.Text(html, "html")</c>.</summary>
    public static LeafPart Text(string text, string subtype = "plain") =>
        new(new ContentType("text", subtype, [new MimeParameter("charset", "utf-8")]), Encoding.UTF8.GetBytes(ToCrlf(text)));

    public ContentType ContentType { get; }

    public byte[] Content { get; }

    public ContentDisposition? Disposition { get; set; }

    /// <summary>Content-ID without angle brackets (RFC 2392 <c>cid:</c> URLs name it).</summary>
    public string? ContentId { get; set; }

    /// <summary>"7bit", "8bit", "quoted-printable" or "base64"; null chooses (see <see cref="ChooseEncoding"/>).</summary>
    public string? TransferEncoding { get; set; }

    /// <summary>
    /// The transfer encoding for content: message/rfc822 only 7bit or 8bit (RFC 2046 §5.2.1); text and other message
    /// types 7bit when ASCII with lines of at most 998 octets (RFC 5322 §2.1.1), quoted-printable when mostly ASCII,
    /// base64 otherwise; everything else base64.
    /// </summary>
    public static string ChooseEncoding(ContentType type, ReadOnlySpan<byte> content)
    {
        var nonAscii = 0;
        var longest = 0;
        var line = 0;
        var bareLineBreak = false;
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            if (b >= 128 || b == 0)
            {
                nonAscii++;
            }
            if (b == '\n')
            {
                bareLineBreak |= i == 0 || content[i - 1] != '\r';
                line = 0;
            }
            else if (b == '\r' && (i + 1 == content.Length || content[i + 1] != '\n'))
            {
                bareLineBreak = true;
            }
            else if (++line > longest)
            {
                longest = line;
            }
        }
        if (type.IsMessage)
        {
            return nonAscii == 0 && longest <= 998 ? "7bit" : "8bit";
        }
        if (type.IsText || type.MediaType == "message")
        {
            if (nonAscii == 0 && longest <= 998 && !bareLineBreak)
            {
                return "7bit";
            }
            return nonAscii * 6 <= content.Length ? "quoted-printable" : "base64";
        }
        return "base64";
    }

    internal override byte[] WriteHeader(StringBuilder header)
    {
        var encoding = TransferEncoding ?? ChooseEncoding(ContentType, Content);
        header.Append(HeaderFolding.Fold("Content-Type", ContentType.ToString()));
        if (encoding != "7bit")
        {
            header.Append(HeaderFolding.Fold("Content-Transfer-Encoding", encoding));
        }
        if (ContentId is not null)
        {
            header.Append(HeaderFolding.Fold("Content-ID", "<" + ContentId.Trim('<', '>') + ">"));
        }
        if (Disposition is not null)
        {
            header.Append(HeaderFolding.Fold("Content-Disposition", Disposition.ToString()));
        }
        return encoding switch
        {
            "base64" => Encoding.ASCII.GetBytes(Base64Transfer.Encode(Content)),
            "quoted-printable" => Encoding.ASCII.GetBytes(QuotedPrintable.Encode(Content)),
            _ => Content,
        };
    }

    internal static string ToCrlf(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);
}

/// <summary>A multipart of any subtype (RFC 2046 §5.1): mixed, alternative, related, report...</summary>
public sealed class MultipartPart : BodyPart
{
    public MultipartPart(string subtype, params IEnumerable<BodyPart> parts)
    {
        Subtype = subtype.ToLowerInvariant();
        Parts = [.. parts];
    }

    public string Subtype { get; }

    public List<BodyPart> Parts { get; }

    /// <summary>Parameters besides boundary (RFC 3462 report-type, RFC 2387 type).</summary>
    public MimeParameters Parameters { get; } = [];

    /// <summary>
    /// RFC 2046 §5.1.1: "boundary := 0*69&lt;bchars&gt; bcharsnospace". "=_" cannot occur in base64 or quoted-printable
    /// text, so the random boundary never collides with encoded content.
    /// </summary>
    public string Boundary { get; set; } = "=_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    internal override byte[] WriteHeader(StringBuilder header)
    {
        var type = new ContentType("multipart", Subtype, [new MimeParameter("boundary", Boundary), .. Parameters]);
        header.Append(HeaderFolding.Fold("Content-Type", type.ToString()));
        using var body = new MemoryStream();
        var delimiter = Encoding.ASCII.GetBytes("--" + Boundary);
        foreach (var part in Parts)
        {
            body.Write(delimiter);
            body.Write("\r\n"u8);
            part.WriteTo(body);
            body.Write("\r\n"u8);
        }
        body.Write(delimiter);
        body.Write("--\r\n"u8);
        return body.ToArray();
    }
}
