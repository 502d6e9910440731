using System.Text;

namespace Appliance.Mime;

/// <summary>
/// RFC 3501 §6.4.5 BODY[section]: <c>section-spec = section-msgtext / (section-part ["." section-text])</c>,
/// <c>section-part = nz-number *("." nz-number)</c>, <c>section-text = section-msgtext / "MIME"</c>,
/// <c>section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"</c>.
/// </summary>
public static class ImapSection
{
    /// <summary>
    /// The bytes a server returns for <paramref name="section"/> (the text between the brackets). False when the
    /// section does not parse; true with empty bytes when it names a part that does not exist.
    /// </summary>
    public static bool TryGetSection(MimeMessage message, string section, out ReadOnlyMemory<byte> bytes) =>
        TryGetSection(message, section, out bytes, out _);

    /// <summary>As above, with <paramref name="exists"/> false where the section names a part the message lacks (CATENATE's BADURL, RFC 4469 §3).</summary>
    public static bool TryGetSection(MimeMessage message, string section, out ReadOnlyMemory<byte> bytes, out bool exists)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(section);
        bytes = ReadOnlyMemory<byte>.Empty;
        exists = false;
        var pos = 0;
        var path = new List<int>();
        while (pos < section.Length && char.IsAsciiDigit(section[pos]))
        {
            var start = pos;
            while (pos < section.Length && char.IsAsciiDigit(section[pos]))
            {
                pos++;
            }
            if (!int.TryParse(section.AsSpan(start, pos - start), System.Globalization.CultureInfo.InvariantCulture, out var number) || number == 0)
            {
                return false;
            }
            path.Add(number);
            if (pos < section.Length && section[pos] == '.')
            {
                pos++;
                if (pos == section.Length)
                {
                    return false;
                }
            }
            else
            {
                break;
            }
        }
        var text = section[pos..];
        if (!TryParseText(text, path.Count > 0, out var kind, out var names))
        {
            return false;
        }
        var entity = Resolve(message.Root, path);
        if (entity is null)
        {
            return true;
        }
        exists = true;
        if (kind == SectionKind.Body)
        {
            bytes = path.Count == 0 ? entity.Source[entity.Start..entity.End] : entity.RawBody;
            return true;
        }
        if (kind == SectionKind.Mime)
        {
            bytes = entity.RawHeader;
            return true;
        }
        // HEADER, TEXT and HEADER.FIELDS address a message: the top one, or the one a message/rfc822 part holds.
        var target = path.Count == 0 ? entity : entity.Message?.Root;
        if (target is null)
        {
            exists = false;
            return true;
        }
        bytes = kind switch
        {
            SectionKind.Header => target.RawHeader,
            SectionKind.Text => target.RawBody,
            _ => HeaderFields(target, names!, kind == SectionKind.HeaderFieldsNot),
        };
        return true;
    }

    /// <summary>
    /// RFC 3516 BINARY[section-part]: the part's body with its content transfer encoding undone (base64,
    /// quoted-printable; 7bit, 8bit and binary as they are). No part numbers: the whole message as stored. False for
    /// an encoding this server cannot undo (the UNKNOWN-CTE answer); true with empty bytes for a part that does not exist.
    /// </summary>
    public static bool TryGetBinary(MimeMessage message, IReadOnlyList<int> part, out ReadOnlyMemory<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(part);
        bytes = ReadOnlyMemory<byte>.Empty;
        var root = message.Root;
        if (part.Count == 0)
        {
            bytes = root.Source[root.Start..root.End];
            return true;
        }
        if (Resolve(root, [.. part]) is not { } entity)
        {
            return true;
        }
        // A multipart or an encapsulated message is not decoded (its encoding may only be 7bit, 8bit or binary, RFC 2045 §6.4).
        if (entity.IsMultipart || entity.Message is not null)
        {
            bytes = entity.RawBody;
            return true;
        }
        switch (entity.ContentTransferEncoding)
        {
            case "7bit" or "8bit" or "binary":
                bytes = entity.RawBody;
                return true;
            case "base64":
                bytes = Base64Transfer.Decode(entity.RawBody.Span);
                return true;
            case "quoted-printable":
                bytes = QuotedPrintable.Decode(entity.RawBody.Span);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Walks the part numbers. "Every message has at least one part number. Non-[MIME-IMB] messages, and non-multipart
    /// [MIME-IMB] messages with no encapsulated message, only have a part 1"; the parts of a message/rfc822 part are
    /// numbered as the parts of the message it encapsulates.
    /// </summary>
    private static MimeEntity? Resolve(MimeEntity root, List<int> path)
    {
        var current = root;
        for (var i = 0; i < path.Count; i++)
        {
            var container = current;
            var isMessage = i == 0;
            if (i > 0 && container.Message is { } nested)
            {
                container = nested.Root;
                isMessage = true;
            }
            if (container.Children.Count > 0)
            {
                if (path[i] > container.Children.Count)
                {
                    return null;
                }
                current = container.Children[path[i] - 1];
            }
            else if (path[i] == 1 && isMessage)
            {
                current = container;
            }
            else
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>
    /// "The subset returned by HEADER.FIELDS contains only those header fields with a field-name that matches one of
    /// the names in the list"; the fields as in the message, in their order, then the blank line.
    /// </summary>
    private static ReadOnlyMemory<byte> HeaderFields(MimeEntity entity, HashSet<string> names, bool not)
    {
        using var buffer = new MemoryStream();
        foreach (var field in entity.Headers)
        {
            if (field.Name.Length > 0 && names.Contains(field.Name) != not)
            {
                buffer.Write(field.Raw.Span);
            }
        }
        buffer.Write("\r\n"u8);
        return buffer.ToArray();
    }

    private enum SectionKind
    {
        Body,
        Mime,
        Header,
        Text,
        HeaderFields,
        HeaderFieldsNot,
    }

    private static bool TryParseText(string text, bool hasPath, out SectionKind kind, out HashSet<string>? names)
    {
        names = null;
        kind = SectionKind.Body;
        if (text.Length == 0)
        {
            return true;
        }
        if (text.Equals("MIME", StringComparison.OrdinalIgnoreCase))
        {
            kind = SectionKind.Mime;
            return hasPath;
        }
        if (text.Equals("HEADER", StringComparison.OrdinalIgnoreCase))
        {
            kind = SectionKind.Header;
            return true;
        }
        if (text.Equals("TEXT", StringComparison.OrdinalIgnoreCase))
        {
            kind = SectionKind.Text;
            return true;
        }
        string rest;
        if (text.StartsWith("HEADER.FIELDS.NOT ", StringComparison.OrdinalIgnoreCase))
        {
            kind = SectionKind.HeaderFieldsNot;
            rest = text["HEADER.FIELDS.NOT ".Length..];
        }
        else if (text.StartsWith("HEADER.FIELDS ", StringComparison.OrdinalIgnoreCase))
        {
            kind = SectionKind.HeaderFields;
            rest = text["HEADER.FIELDS ".Length..];
        }
        else
        {
            return false;
        }
        names = ParseHeaderList(rest);
        return names is { Count: > 0 };
    }

    /// <summary><c>header-list = "(" header-fld-name *(SP header-fld-name) ")"</c>, <c>header-fld-name = astring</c>.</summary>
    private static HashSet<string>? ParseHeaderList(string s)
    {
        s = s.Trim();
        if (s.Length < 2 || s[0] != '(' || s[^1] != ')')
        {
            return null;
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pos = 1;
        while (pos < s.Length - 1)
        {
            if (s[pos] == ' ')
            {
                pos++;
                continue;
            }
            if (s[pos] == '"')
            {
                var sb = new StringBuilder();
                pos++;
                while (pos < s.Length - 1 && s[pos] != '"')
                {
                    if (s[pos] == '\\')
                    {
                        pos++;
                    }
                    sb.Append(s[pos++]);
                }
                pos++;
                names.Add(sb.ToString());
                continue;
            }
            var start = pos;
            while (pos < s.Length - 1 && s[pos] != ' ')
            {
                pos++;
            }
            names.Add(s[start..pos]);
        }
        return names;
    }
}
