using System.Text;

namespace Appliance.Mime;

/// <summary>
/// One header field as it is in the message (RFC 5322 §2.2: <c>field-name ":" field-body CRLF</c>, folded over
/// lines that start with white space), kept as its raw bytes so that it re-serializes unchanged.
/// </summary>
public sealed class HeaderField
{
    private readonly int valueOffset;
    private readonly int maxValueBytes;
    private string? value;

    internal HeaderField(ReadOnlyMemory<byte> raw, int nameLength, int colon, int maxValueBytes = int.MaxValue)
    {
        Raw = raw;
        Name = nameLength == 0 ? "" : Encoding.ASCII.GetString(raw.Span[..nameLength]);
        valueOffset = colon + 1;
        this.maxValueBytes = maxValueBytes;
    }

    /// <summary>True when the value is longer than <see cref="MimeParserOptions.MaxFieldBytes"/>: <see cref="Value"/> holds its start only.</summary>
    public bool IsTruncated => RawValue.Length > maxValueBytes;

    /// <summary>
    /// The field name, or "" for a line kept in the header block that is no field: a leading continuation line
    /// or an mbox "From " line. Such lines are written back but never found by name.
    /// </summary>
    public string Name { get; }

    /// <summary>The whole field with its folds and final line break, as in the source.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The bytes after the colon up to, not including, the final line break.</summary>
    public ReadOnlyMemory<byte> RawValue
    {
        get
        {
            var span = Raw.Span;
            var end = span.Length;
            if (end > valueOffset && span[end - 1] == '\n')
            {
                end--;
                if (end > valueOffset && span[end - 1] == '\r')
                {
                    end--;
                }
            }
            return valueOffset >= end ? ReadOnlyMemory<byte>.Empty : Raw[valueOffset..end];
        }
    }

    /// <summary>
    /// The value unfolded (RFC 5322 §2.2.3: "simply removing any CRLF that is immediately followed by WSP") and
    /// trimmed, its bytes read as UTF-8 (RFC 6532) or else Latin-1; encoded words are left as they are.
    /// </summary>
    public string Value => value ??= Unfold(Charsets.DecodeUnlabelled(Bounded(RawValue.Span, maxValueBytes)));

    /// <summary>The value with RFC 2047 encoded words decoded, as for an unstructured field (Subject, Comments).</summary>
    public string DecodedValue => EncodedWords.Decode(Value);

    /// <summary>A new field, its value encoded as unstructured text (RFC 2047 for non-ASCII) and folded.</summary>
    public static HeaderField Create(string name, string value) => CreateEncoded(name, HeaderFolding.EncodeUnstructured(value));

    /// <summary>A new field whose value is already in its wire form (ASCII or RFC 6532 UTF-8); it is only folded.</summary>
    public static HeaderField CreateEncoded(string name, string encodedValue)
    {
        if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c == ':'))
        {
            throw new ArgumentException("A field name is printable ASCII without colon (RFC 5322 §3.6.8).", nameof(name));
        }
        var bytes = Encoding.UTF8.GetBytes(HeaderFolding.Fold(name, encodedValue));
        return new HeaderField(bytes, name.Length, name.Length);
    }

    internal static HeaderField Nameless(ReadOnlyMemory<byte> raw) => new(raw, 0, -1);

    /// <summary>At most <paramref name="max"/> bytes, cut before a UTF-8 continuation byte so that the start still decodes as UTF-8.</summary>
    internal static ReadOnlySpan<byte> Bounded(ReadOnlySpan<byte> bytes, int max)
    {
        if (bytes.Length <= max)
        {
            return bytes;
        }
        var cut = max;
        for (var back = 0; back < 3 && cut > 0 && (bytes[cut] & 0xC0) == 0x80; back++)
        {
            cut--;
        }
        return bytes[..cut];
    }

    private static string Unfold(string text)
    {
        if (text.AsSpan().ContainsAny('\r', '\n'))
        {
            text = text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
        }
        return text.Trim(' ', '\t');
    }

    public override string ToString() => Name + ": " + Value;
}
