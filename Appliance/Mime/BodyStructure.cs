using System.Globalization;
using System.Text;

namespace Appliance.Mime;

/// <summary>
/// RFC 3501 §7.4.2 BODYSTRUCTURE of one entity, with extension data. A multipart has <see cref="Parts"/>; a
/// message/rfc822 part has <see cref="Envelope"/> and <see cref="Message"/>; text/* and message/rfc822 have <see cref="Lines"/>.
/// </summary>
public sealed class BodyStructure
{
    public required string MediaType { get; init; }

    public required string MediaSubtype { get; init; }

    /// <summary><c>body-fld-param</c>, RFC 2231 forms already joined and decoded.</summary>
    public required IReadOnlyList<MimeParameter> Parameters { get; init; }

    public IReadOnlyList<BodyStructure> Parts { get; init; } = [];

    public string? Id { get; init; }

    public string? Description { get; init; }

    /// <summary><c>body-fld-enc</c>, upper case; "7BIT" when absent.</summary>
    public string Encoding { get; init; } = "7BIT";

    /// <summary><c>body-fld-octets</c>: "the size of the body in octets ... in its transfer encoding".</summary>
    public long Size { get; init; }

    /// <summary><c>body-fld-lines</c>: the size of the body in text lines, that is its line breaks.</summary>
    public long? Lines { get; init; }

    public Envelope? Envelope { get; init; }

    public BodyStructure? Message { get; init; }

    /// <summary><c>body-fld-md5</c>: always NIL; nobody sends Content-MD5 any more (RFC 6151).</summary>
    public string? Md5 => null;

    public ContentDisposition? Disposition { get; init; }

    public IReadOnlyList<string> Language { get; init; } = [];

    public string? Location { get; init; }

    public bool IsMultipart => Parts.Count > 0;

    /// <summary>The structure of <paramref name="entity"/> and everything below it.</summary>
    public static BodyStructure From(MimeEntity entity)
    {
        var type = entity.ContentType;
        if (type.IsMessage && entity.Message is null)
        {
            // A message/rfc822 part that is base64-encoded (RFC 2046 §5.2.1 forbids it) or past the depth limit has
            // no parsed message, and body-type-msg cannot be written without one: report it as opaque data.
            type = new ContentType("application", "octet-stream", type.Parameters);
        }
        var language = entity.Headers.GetValue("Content-Language") is { } lang
            ? lang.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];
        var common = new BodyStructure
        {
            MediaType = type.MediaType.ToUpperInvariant(),
            MediaSubtype = type.MediaSubtype.ToUpperInvariant(),
            Parameters = type.Parameters,
            Disposition = entity.ContentDisposition,
            Language = language,
            Location = entity.Headers.GetValue("Content-Location"),
        };
        if (entity.Children.Count > 0)
        {
            return new BodyStructure
            {
                MediaType = common.MediaType,
                MediaSubtype = common.MediaSubtype,
                Parameters = common.Parameters,
                Disposition = common.Disposition,
                Language = common.Language,
                Location = common.Location,
                Parts = entity.Children.Select(From).ToList(),
            };
        }
        var body = entity.RawBody.Span;
        var hasLines = type.IsText || entity.Message is not null;
        return new BodyStructure
        {
            MediaType = common.MediaType,
            MediaSubtype = common.MediaSubtype,
            Parameters = common.Parameters,
            Disposition = common.Disposition,
            Language = common.Language,
            Location = common.Location,
            Id = entity.Headers.GetValue("Content-ID"),
            Description = entity.Headers.GetValue("Content-Description"),
            Encoding = entity.ContentTransferEncoding.ToUpperInvariant(),
            Size = body.Length,
            Lines = hasLines ? CountLines(body) : null,
            Envelope = entity.Message is { } m ? Envelope.FromHeaders(m.Headers) : null,
            Message = entity.Message is { } nested ? From(nested.Root) : null,
        };
    }

    /// <summary>
    /// A text line ends with its line break (RFC 5322 §2.1), and the CRLF before a boundary belongs to the delimiter
    /// (RFC 2046 §5.1.1), so the last line of a body part is no line of its own. Counting that unterminated rest as a line
    /// made every part before a delimiter one line longer than Dovecot 2.3 reports (ImapReferenceTests).
    /// </summary>
    private static long CountLines(ReadOnlySpan<byte> body) => body.Count((byte)'\n');

    /// <summary>The parenthesized list as it appears after BODYSTRUCTURE (or, without extension data, after BODY).</summary>
    public string ToImapString(bool extensions = true)
    {
        var sb = new StringBuilder();
        AppendTo(sb, extensions);
        return sb.ToString();
    }

    private void AppendTo(StringBuilder sb, bool extensions)
    {
        sb.Append('(');
        if (IsMultipart)
        {
            // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
            foreach (var part in Parts)
            {
                part.AppendTo(sb, extensions);
            }
            sb.Append(' ').AppendNString(MediaSubtype);
            if (extensions)
            {
                sb.Append(' ');
                AppendParameters(sb, Parameters);
                AppendDispositionLanguageLocation(sb);
            }
            sb.Append(')');
            return;
        }
        // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
        sb.AppendNString(MediaType).Append(' ').AppendNString(MediaSubtype).Append(' ');
        AppendParameters(sb, Parameters);
        sb.Append(' ').AppendNString(Id).Append(' ').AppendNString(Description).Append(' ').AppendNString(Encoding)
            .Append(' ').Append(Size.ToString(CultureInfo.InvariantCulture));
        if (Envelope is not null && Message is not null)
        {
            // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
            sb.Append(' ');
            Envelope.AppendTo(sb);
            sb.Append(' ');
            Message.AppendTo(sb, extensions);
        }
        if (Lines is { } lines)
        {
            sb.Append(' ').Append(lines.ToString(CultureInfo.InvariantCulture));
        }
        if (extensions)
        {
            // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
            sb.Append(' ').AppendNString(Md5);
            AppendDispositionLanguageLocation(sb);
        }
        sb.Append(')');
    }

    private void AppendDispositionLanguageLocation(StringBuilder sb)
    {
        // body-fld-dsp = "(" string SP body-fld-param ")" / nil
        sb.Append(' ');
        if (Disposition is null)
        {
            sb.Append("NIL");
        }
        else
        {
            sb.Append('(').AppendNString(Disposition.Type.ToUpperInvariant()).Append(' ');
            AppendParameters(sb, Disposition.Parameters);
            sb.Append(')');
        }
        // body-fld-lang = nstring / "(" string *(SP string) ")"
        sb.Append(' ');
        if (Language.Count <= 1)
        {
            sb.AppendNString(Language.Count == 0 ? null : Language[0]);
        }
        else
        {
            sb.Append('(').AppendJoin(' ', Language.Select(l => new StringBuilder().AppendNString(l).ToString())).Append(')');
        }
        sb.Append(' ').AppendNString(Location);
    }

    /// <summary><c>body-fld-param = "(" string SP string *(SP string SP string) ")" / nil</c>, names upper case.</summary>
    private static void AppendParameters(StringBuilder sb, IReadOnlyList<MimeParameter> parameters)
    {
        if (parameters.Count == 0)
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.AppendNString(parameters[i].Name.ToUpperInvariant()).Append(' ').AppendNString(parameters[i].Value);
        }
        sb.Append(')');
    }
}
