namespace Appliance.Mime;

/// <summary>
/// A parsed message (RFC 5322): the top-level <see cref="Root"/> entity carries the message header, and its body is
/// a leaf, a multipart or an encapsulated message. The source bytes are kept, so an unmodified message writes out
/// exactly as it came in.
/// </summary>
public sealed class MimeMessage
{
    internal MimeMessage(MimeEntity root)
    {
        Root = root;
    }

    public static MimeMessage Parse(ReadOnlyMemory<byte> source, MimeParserOptions? options = null) => MimeParser.Parse(source, options);

    public MimeEntity Root { get; }

    /// <summary>True when a limit of <see cref="MimeParserOptions"/> cut the part tree or a header: what is parsed is the message's start.</summary>
    public bool IsTruncated { get; init; }

    public HeaderList Headers => Root.Headers;

    /// <summary>Subject with encoded words decoded, or null.</summary>
    public string? Subject => Headers["Subject"]?.DecodedValue;

    public IReadOnlyList<MailboxAddress> From => Mailboxes("From");

    public IReadOnlyList<MailboxAddress> To => Mailboxes("To");

    public IReadOnlyList<MailboxAddress> Cc => Mailboxes("Cc");

    public string? MessageId => Headers.GetValue("Message-ID");

    /// <summary>The Date field parsed, or null when it is missing or unreadable.</summary>
    public DateTimeOffset? Date => Headers.GetValue("Date") is { } value ? MimeDate.TryParse(value) : null;

    /// <summary>Every entity, depth first, entering encapsulated messages.</summary>
    public IEnumerable<MimeEntity> Entities => Root.DescendantsAndSelf();

    public Envelope GetEnvelope() => Envelope.FromHeaders(Headers);

    public BodyStructure GetBodyStructure() => BodyStructure.From(Root);

    /// <summary>The bytes of an IMAP BODY[<paramref name="section"/>] (RFC 3501 §6.4.5); see <see cref="ImapSection"/>.</summary>
    public bool TryGetSection(string section, out ReadOnlyMemory<byte> bytes) => ImapSection.TryGetSection(this, section, out bytes);

    public void WriteTo(Stream stream) => Root.WriteTo(stream);

    public byte[] ToArray()
    {
        using var buffer = new MemoryStream(Root.End - Root.Start);
        WriteTo(buffer);
        return buffer.ToArray();
    }

    private IReadOnlyList<MailboxAddress> Mailboxes(string name)
    {
        var fields = Headers.GetAll(name).ToList();
        return fields.Count == 0 ? [] : fields.SelectMany(f => AddressParser.ParseMailboxes(f.Value)).ToList();
    }
}
