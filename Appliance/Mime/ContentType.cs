using System.Text;

namespace Appliance.Mime;

/// <summary>
/// A Content-Type field (RFC 2045 §5.1): <c>content := "Content-Type" ":" type "/" subtype *(";" parameter)</c>.
/// Type and subtype are lower case.
/// </summary>
public sealed class ContentType
{
    public ContentType(string mediaType, string mediaSubtype, MimeParameters? parameters = null)
    {
        MediaType = mediaType.ToLowerInvariant();
        MediaSubtype = mediaSubtype.ToLowerInvariant();
        Parameters = parameters ?? [];
    }

    /// <summary>RFC 2045 §5.2: "Default RFC 822 messages without a MIME Content-Type header are taken by this protocol to be plain text in the US-ASCII character set".</summary>
    public static ContentType TextPlain { get; } = new("text", "plain", [new MimeParameter("charset", "us-ascii")]);

    /// <summary>RFC 2046 §5.1.5: the default type of a part of multipart/digest.</summary>
    public static ContentType MessageRfc822 { get; } = new("message", "rfc822");

    public string MediaType { get; }

    public string MediaSubtype { get; }

    public MimeParameters Parameters { get; }

    /// <summary><c>type/subtype</c>.</summary>
    public string MimeType => MediaType + "/" + MediaSubtype;

    public string? Charset => Parameters["charset"];

    public string? Boundary => Parameters["boundary"];

    public string? Name => Parameters["name"];

    public bool IsMultipart => MediaType == "multipart";

    public bool IsText => MediaType == "text";

    /// <summary>message/rfc822 and its RFC 6532 §3.7 sibling message/global hold a whole message.</summary>
    public bool IsMessage => MediaType == "message" && MediaSubtype is "rfc822" or "global";

    public bool Is(string mediaType, string mediaSubtype) =>
        string.Equals(MediaType, mediaType, StringComparison.OrdinalIgnoreCase)
        && string.Equals(MediaSubtype, mediaSubtype, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a field value; when it has no valid <c>type "/" subtype</c> the result is null, and the caller uses the
    /// default (RFC 2045 §5.2 for syntactically invalid Content-Type fields).
    /// </summary>
    public static ContentType? Parse(string value)
    {
        var pos = 0;
        StructuredText.SkipCfws(value, ref pos);
        var type = StructuredText.ReadToken(value, ref pos);
        StructuredText.SkipCfws(value, ref pos);
        if (type.Length == 0 || pos >= value.Length || value[pos] != '/')
        {
            return null;
        }
        pos++;
        StructuredText.SkipCfws(value, ref pos);
        var subtype = StructuredText.ReadToken(value, ref pos);
        if (subtype.Length == 0)
        {
            return null;
        }
        return new ContentType(type, subtype, MimeParameters.Parse(value, pos));
    }

    /// <summary>The field value: <c>type/subtype; name=value...</c>, parameters encoded as <see cref="MimeParameters"/> writes them.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(MimeType);
        MimeParameters.Append(sb, Parameters);
        return sb.ToString();
    }
}

/// <summary>A Content-Disposition field (RFC 2183): <c>disposition := "Content-Disposition" ":" disposition-type *(";" disposition-parm)</c>.</summary>
public sealed class ContentDisposition
{
    public ContentDisposition(string type, MimeParameters? parameters = null)
    {
        Type = type.ToLowerInvariant();
        Parameters = parameters ?? [];
    }

    /// <summary>"inline", "attachment" or an extension token, lower case.</summary>
    public string Type { get; }

    public MimeParameters Parameters { get; }

    public string? FileName => Parameters["filename"];

    public bool IsAttachment => Type == "attachment";

    public static ContentDisposition? Parse(string value)
    {
        var pos = 0;
        StructuredText.SkipCfws(value, ref pos);
        var type = StructuredText.ReadToken(value, ref pos);
        return type.Length == 0 ? null : new ContentDisposition(type, MimeParameters.Parse(value, pos));
    }

    public override string ToString()
    {
        var sb = new StringBuilder(Type);
        MimeParameters.Append(sb, Parameters);
        return sb.ToString();
    }
}
