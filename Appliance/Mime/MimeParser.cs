namespace Appliance.Mime;

/// <summary>
/// Parses a message from bytes into <see cref="MimeEntity"/> ranges. Lenient: any input gives a message and
/// nothing throws. A line ends at LF, with or without CR before it (bare LF is common in stored mail).
/// </summary>
public static class MimeParser
{
    public static MimeMessage Parse(ReadOnlyMemory<byte> source, MimeParserOptions? options = null)
    {
        var limits = new Limits(options ?? MimeParserOptions.Default);
        return new MimeMessage(ParseEntity(source, 0, source.Length, 0, ContentType.TextPlain, limits)) { IsTruncated = limits.Hit };
    }

    /// <summary>The options and what of them this message has used so far.</summary>
    private sealed class Limits(MimeParserOptions options)
    {
        public int MaxDepth { get; } = Math.Max(0, options.MaxDepth);
        public int MaxParts { get; } = Math.Max(1, options.MaxParts);
        public int MaxHeaderFields { get; } = Math.Max(1, options.MaxHeaderFields);
        public int MaxFieldBytes { get; } = Math.Max(1, options.MaxFieldBytes);
        public int Parts { get; set; }
        public bool PartsLeft => Parts < MaxParts;

        /// <summary>Set once any limit cut something.</summary>
        public bool Hit { get; set; }
    }

    /// <summary>
    /// RFC 5322 §2.1: <c>message = fields *( CRLF *998text )</c>, the header ends at the first empty line. Leniently the
    /// header also ends at the first line that is neither a field (<c>field-name *WSP ":"</c>, the WSP from
    /// <c>obs-optional</c>) nor a continuation; that line starts the body and there is no separator.
    /// </summary>
    private static MimeEntity ParseEntity(ReadOnlyMemory<byte> source, int start, int end, int depth, ContentType defaultType, Limits limits)
    {
        limits.Parts++;
        var s = source.Span;
        var fields = new List<HeaderField>();
        var pos = start;
        int headerEnd, bodyStart;
        while (true)
        {
            if (pos >= end)
            {
                headerEnd = bodyStart = end;
                break;
            }
            var lineEnd = NextLine(s, pos, end);
            var line = s[pos..lineEnd];
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                headerEnd = pos;
                bodyStart = lineEnd;
                break;
            }
            var colon = FieldNameEnd(line, out var nameLength);
            // Kept as nameless fields, as Python's email does: an mbox "From " line at the very top, and a
            // continuation line before any field.
            var nameless = (depth == 0 && pos == 0 && line.StartsWith("From "u8)) || (fields.Count == 0 && IsWsp(line[0]));
            if (colon < 0 && !nameless)
            {
                headerEnd = bodyStart = pos;
                break;
            }
            var fieldEnd = lineEnd;
            while (fieldEnd < end && IsWsp(s[fieldEnd]) && s[fieldEnd - 1] == '\n')
            {
                fieldEnd = NextLine(s, fieldEnd, end);
            }
            // Past the field limit the header is only walked to its end.
            if (fields.Count < limits.MaxHeaderFields)
            {
                var raw = source[pos..fieldEnd];
                fields.Add(colon < 0 ? HeaderField.Nameless(raw) : new HeaderField(raw, nameLength, colon, limits.MaxFieldBytes));
                limits.Hit |= raw.Length > limits.MaxFieldBytes;
            }
            else
            {
                limits.Hit = true;
            }
            pos = fieldEnd;
        }

        var headers = new HeaderList(fields);
        var contentTypeField = headers["Content-Type"];
        var contentType = (contentTypeField is null ? null : ContentType.Parse(contentTypeField.Value)) ?? defaultType;
        var entity = new MimeEntity(source, start, headerEnd, bodyStart, end, headers, contentType);
        // Past the part limit a multipart is a leaf, as past the depth limit.
        var nests = (contentType.IsMultipart && contentType.Boundary is { Length: > 0 }) || (contentType.IsMessage && entity.ContentTransferEncoding is "7bit" or "8bit" or "binary");
        if (nests && (!limits.PartsLeft || depth >= (contentType.IsMultipart ? limits.MaxDepth : limits.MaxDepth + 1)))
        {
            limits.Hit = true;
        }
        if (contentType.IsMultipart && depth < limits.MaxDepth && limits.PartsLeft && contentType.Boundary is { Length: > 0 } boundary)
        {
            var childDefault = contentType.MediaSubtype == "digest" ? ContentType.MessageRfc822 : ContentType.TextPlain;
            entity.SetChildren(ParseMultipartBody(source, bodyStart, end, boundary, depth + 1, childDefault, limits));
        }
        else if (contentType.IsMessage && depth <= limits.MaxDepth && limits.PartsLeft && entity.ContentTransferEncoding is "7bit" or "8bit" or "binary")
        {
            // RFC 2046 §5.2.1: message/rfc822 is never base64 or quoted-printable, so its body is the message itself.
            // At the depth limit the encapsulated header is still parsed (IMAP ENVELOPE needs it) but not its body.
            entity.SetMessage(new MimeMessage(ParseEntity(source, bodyStart, end, depth + 1, ContentType.TextPlain, limits)));
        }
        return entity;
    }

    /// <summary>
    /// RFC 2046 §5.1.1: <c>multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part *encapsulation
    /// close-delimiter transport-padding [CRLF epilogue]</c>, <c>delimiter := CRLF dash-boundary</c>. A delimiter
    /// line is "--" boundary, optionally "--", then only spaces or tabs. Without a close delimiter the last part
    /// runs to the end; without any delimiter there are no parts.
    /// </summary>
    private static List<MimeEntity> ParseMultipartBody(ReadOnlyMemory<byte> source, int start, int end, string boundary, int depth, ContentType childDefault, Limits limits)
    {
        var s = source.Span;
        var dashBoundary = System.Text.Encoding.UTF8.GetBytes("--" + boundary);
        var parts = new List<MimeEntity>();
        var partStart = -1;
        for (var pos = start; pos < end;)
        {
            var lineEnd = NextLine(s, pos, end);
            var line = s[pos..lineEnd];
            if (line.StartsWith(dashBoundary) && IsDelimiterTail(line[dashBoundary.Length..], out var close))
            {
                if (partStart >= 0)
                {
                    parts.Add(ParseEntity(source, partStart, Math.Max(partStart, WithoutLineBreakBefore(s, pos, partStart)), depth, childDefault, limits));
                }
                // Past the part limit the rest of the body is not split: it stays bytes after the last part.
                if (close)
                {
                    return parts;
                }
                if (!limits.PartsLeft)
                {
                    limits.Hit = true;
                    return parts;
                }
                partStart = lineEnd;
            }
            pos = lineEnd;
        }
        limits.Hit |= partStart >= 0 && !limits.PartsLeft;
        if (partStart >= 0 && limits.PartsLeft)
        {
            // No close delimiter: the end of the input stands in for it, and takes the last line break as a
            // delimiter would (Python's email reads a truncated multipart the same way).
            parts.Add(ParseEntity(source, partStart, Math.Max(partStart, WithoutLineBreakBefore(s, end, partStart)), depth, childDefault, limits));
        }
        return parts;
    }

    /// <summary>After dash-boundary: <c>["--"] transport-padding</c> and the end of the line.</summary>
    private static bool IsDelimiterTail(ReadOnlySpan<byte> tail, out bool close)
    {
        close = tail.StartsWith("--"u8);
        if (close)
        {
            tail = tail[2..];
        }
        tail = tail.TrimStart(" \t"u8);
        return tail.Length == 0 || tail.SequenceEqual("\n"u8) || tail.SequenceEqual("\r\n"u8) || tail.SequenceEqual("\r"u8);
    }

    /// <summary>The CRLF (or LF) before a delimiter belongs to the delimiter, not to the part before it.</summary>
    private static int WithoutLineBreakBefore(ReadOnlySpan<byte> s, int pos, int floor)
    {
        if (pos > floor && s[pos - 1] == '\n')
        {
            pos--;
            if (pos > floor && s[pos - 1] == '\r')
            {
                pos--;
            }
        }
        return pos;
    }

    /// <summary>RFC 5322 §3.6.8: <c>field-name = 1*ftext</c>, <c>ftext = %d33-57 / %d59-126</c>; returns the colon's index or -1.</summary>
    private static int FieldNameEnd(ReadOnlySpan<byte> line, out int nameLength)
    {
        var i = 0;
        while (i < line.Length && line[i] >= 33 && line[i] <= 126 && line[i] != ':')
        {
            i++;
        }
        nameLength = i;
        while (i < line.Length && IsWsp(line[i]))
        {
            i++;
        }
        return nameLength > 0 && i < line.Length && line[i] == ':' ? i : -1;
    }

    /// <summary>The index after the next LF, or <paramref name="end"/>.</summary>
    internal static int NextLine(ReadOnlySpan<byte> s, int pos, int end)
    {
        var lf = s[pos..end].IndexOf((byte)'\n');
        return lf < 0 ? end : pos + lf + 1;
    }

    private static bool IsWsp(byte b) => b is (byte)' ' or (byte)'\t';
}
