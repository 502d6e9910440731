namespace Appliance.Mime;

/// <summary>
/// A MIME entity (RFC 2045 §2.4): header fields and a body, as byte ranges of the source buffer. A multipart
/// has <see cref="Children"/>, a message/rfc822 part has <see cref="Message"/>, every other entity is a leaf.
/// </summary>
public sealed class MimeEntity
{
    private IReadOnlyList<MimeEntity> children = [];
    private ContentDisposition? disposition;
    private bool dispositionParsed;

    internal MimeEntity(ReadOnlyMemory<byte> source, int start, int headerEnd, int bodyStart, int end, HeaderList headers, ContentType contentType)
    {
        Source = source;
        Start = start;
        HeaderEnd = headerEnd;
        BodyStart = bodyStart;
        End = end;
        Headers = headers;
        ContentType = contentType;
    }

    /// <summary>The whole message buffer this entity was parsed from.</summary>
    public ReadOnlyMemory<byte> Source { get; }

    /// <summary>Offset of the first header field.</summary>
    public int Start { get; }

    /// <summary>Offset after the last header field, where the blank separator line starts (if there is one).</summary>
    public int HeaderEnd { get; }

    /// <summary>Offset of the body, after the blank line; equal to <see cref="HeaderEnd"/> when the separator is missing.</summary>
    public int BodyStart { get; }

    /// <summary>Offset after the body. For a part of a multipart, the line break before the next delimiter is not part of it (RFC 2046 §5.1.1).</summary>
    public int End { get; }

    /// <summary>The header fields and the blank line after them, as in the source.</summary>
    public ReadOnlyMemory<byte> RawHeader => Source[Start..BodyStart];

    /// <summary>The body as in the source, still transfer-encoded.</summary>
    public ReadOnlyMemory<byte> RawBody => Source[BodyStart..End];

    public HeaderList Headers { get; }

    /// <summary>The Content-Type, or the default when it is missing or invalid (text/plain; message/rfc822 in a digest).</summary>
    public ContentType ContentType { get; }

    public ContentDisposition? ContentDisposition
    {
        get
        {
            if (!dispositionParsed)
            {
                var header = Headers["Content-Disposition"];
                disposition = header is null ? null : ContentDisposition.Parse(header.Value);
                dispositionParsed = true;
            }
            return disposition;
        }
    }

    /// <summary>RFC 2045 §6.1 mechanism, lower case; "7bit" when absent.</summary>
    public string ContentTransferEncoding
    {
        get
        {
            var value = Headers.GetValue("Content-Transfer-Encoding");
            if (string.IsNullOrEmpty(value))
            {
                return "7bit";
            }
            var pos = 0;
            StructuredText.SkipCfws(value, ref pos);
            var token = StructuredText.ReadToken(value, ref pos).ToLowerInvariant();
            return token.Length == 0 ? "7bit" : token;
        }
    }

    /// <summary>Content-ID (RFC 2045 §7) as written, with its angle brackets.</summary>
    public string? ContentId => Headers.GetValue("Content-ID");

    public string? ContentDescription => Headers["Content-Description"]?.DecodedValue;

    /// <summary>The file name from Content-Disposition, else the Content-Type name parameter.</summary>
    public string? FileName => ContentDisposition?.FileName ?? ContentType.Name;

    public bool IsMultipart => ContentType.IsMultipart;

    /// <summary>The parts of a multipart, in order; empty for a leaf or a multipart past the depth limit or without boundary.</summary>
    public IReadOnlyList<MimeEntity> Children => children;

    /// <summary>The encapsulated message of a message/rfc822 (or message/global) part.</summary>
    public MimeMessage? Message { get; private set; }

    internal void SetChildren(IReadOnlyList<MimeEntity> parts) => children = parts;

    internal void SetMessage(MimeMessage message) => Message = message;

    /// <summary>The body with its content transfer encoding (base64, quoted-printable) undone.</summary>
    public byte[] GetContent()
    {
        var body = RawBody.Span;
        return ContentTransferEncoding switch
        {
            "base64" => Base64Transfer.Decode(body),
            "quoted-printable" => QuotedPrintable.Decode(body),
            _ => body.ToArray(),
        };
    }

    /// <summary>The decoded body as text in its declared charset (see <see cref="Charsets.Decode"/> for the fallbacks).</summary>
    public string GetText() => Charsets.Decode(GetContent(), ContentType.Charset);

    /// <summary>
    /// The text of at most the first <paramref name="maxBodyBytes"/> bytes of the body as transferred (base64 and
    /// quoted-printable decode from any cut; a character cut in two becomes U+FFFD), so that a 40 MB part costs what a
    /// reader of its start needs. <paramref name="truncated"/> tells whether the body went on.
    /// </summary>
    public string GetText(int maxBodyBytes, out bool truncated)
    {
        var body = RawBody.Span;
        truncated = body.Length > maxBodyBytes;
        if (truncated)
        {
            body = body[..Math.Max(0, maxBodyBytes)];
        }
        var content = ContentTransferEncoding switch
        {
            "base64" => Base64Transfer.Decode(body),
            "quoted-printable" => QuotedPrintable.Decode(body),
            _ => body.ToArray(),
        };
        return Charsets.Decode(content, ContentType.Charset);
    }

    /// <summary>This entity and every entity below it, depth first, entering encapsulated messages.</summary>
    public IEnumerable<MimeEntity> DescendantsAndSelf()
    {
        var stack = new Stack<MimeEntity>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var entity = stack.Pop();
            yield return entity;
            if (entity.Message is { } message)
            {
                stack.Push(message.Root);
            }
            for (var i = entity.children.Count - 1; i >= 0; i--)
            {
                stack.Push(entity.children[i]);
            }
        }
    }

    /// <summary>
    /// Writes the entity: its source bytes where nothing changed, so an unmodified entity comes out byte for byte,
    /// and the current fields where <see cref="Headers"/> was modified.
    /// </summary>
    public void WriteTo(Stream stream)
    {
        var source = Source.Span;
        if (Headers.IsModified)
        {
            foreach (var field in Headers)
            {
                stream.Write(field.Raw.Span);
            }
            if (BodyStart == HeaderEnd)
            {
                stream.Write("\r\n"u8);
            }
        }
        else
        {
            stream.Write(source[Start..HeaderEnd]);
        }
        stream.Write(source[HeaderEnd..BodyStart]);
        if (Message is { } message)
        {
            message.Root.WriteTo(stream);
            return;
        }
        var pos = BodyStart;
        foreach (var child in children)
        {
            stream.Write(source[pos..child.Start]);
            child.WriteTo(stream);
            pos = child.End;
        }
        stream.Write(source[pos..End]);
    }

    public override string ToString() => ContentType.MimeType;
}
