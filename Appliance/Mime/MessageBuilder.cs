using System.Security.Cryptography;
using System.Text;

namespace Appliance.Mime;

/// <summary>
/// Builds a message: the RFC 5322 header (Date, From, To, Subject, Message-ID...) and a body shaped from what is
/// set: text, HTML with a plain alternative (multipart/alternative), inline parts (multipart/related), attachments
/// (multipart/mixed); or any <see cref="Body"/> tree (multipart/report for a DSN). CRLF throughout, fields folded,
/// non-ASCII RFC 2047-encoded.
/// </summary>
public sealed class MessageBuilder
{
    /// <param name="hostname">The right-hand side of a generated Message-ID.</param>
    public MessageBuilder(string hostname = "localhost")
    {
        Hostname = hostname;
    }

    public string Hostname { get; }

    public MailboxAddress? From { get; set; }

    public MailboxAddress? Sender { get; set; }

    public List<Address> ReplyTo { get; } = [];

    public List<Address> To { get; } = [];

    public List<Address> Cc { get; } = [];

    /// <summary>Written only when set; submission strips it before relaying.</summary>
    public List<Address> Bcc { get; } = [];

    public string? Subject { get; set; }

    /// <summary>The Date field; now when null.</summary>
    public DateTimeOffset? Date { get; set; }

    /// <summary>With angle brackets; generated (<see cref="NewMessageId"/>) when null.</summary>
    public string? MessageId { get; set; }

    public string? InReplyTo { get; set; }

    public List<string> References { get; } = [];

    /// <summary>More header fields in order (Auto-Submitted, List-Id...), unstructured-encoded.</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public string? TextBody { get; set; }

    public string? HtmlBody { get; set; }

    /// <summary>Parts the HTML refers to by <c>cid:</c>, put with it in multipart/related (RFC 2387).</summary>
    public List<LeafPart> InlineParts { get; } = [];

    public List<LeafPart> Attachments { get; } = [];

    /// <summary>An explicit body; when set, TextBody, HtmlBody, InlineParts and Attachments are not used.</summary>
    public BodyPart? Body { get; set; }

    /// <summary>A new Message-ID, RFC 5322 §3.6.4 <c>msg-id = "&lt;" id-left "@" id-right "&gt;"</c>, unique by 128 random bits.</summary>
    public static string NewMessageId(string hostname) => "<" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "@" + hostname + ">";

    public MessageBuilder Attach(string fileName, ContentType contentType, byte[] content)
    {
        Attachments.Add(new LeafPart(contentType, content)
        {
            Disposition = new ContentDisposition("attachment", [new MimeParameter("filename", fileName)]),
        });
        return this;
    }

    /// <summary>An inline part referred to as <c>cid:contentId</c> from the HTML body.</summary>
    public MessageBuilder AddInline(string contentId, ContentType contentType, byte[] content, string? fileName = null)
    {
        var disposition = new ContentDisposition("inline");
        if (fileName is not null)
        {
            disposition.Parameters.Add(new MimeParameter("filename", fileName));
        }
        InlineParts.Add(new LeafPart(contentType, content) { ContentId = contentId, Disposition = disposition });
        return this;
    }

    public byte[] ToArray()
    {
        var header = new StringBuilder();
        Field(header, "Date", MimeDate.Format(Date ?? DateTimeOffset.Now));
        if (From is not null)
        {
            Field(header, "From", From.ToHeaderString());
        }
        if (Sender is not null)
        {
            Field(header, "Sender", Sender.ToHeaderString());
        }
        AddressField(header, "Reply-To", ReplyTo);
        AddressField(header, "To", To);
        AddressField(header, "Cc", Cc);
        AddressField(header, "Bcc", Bcc);
        if (Subject is not null)
        {
            Field(header, "Subject", HeaderFolding.EncodeUnstructured(Subject));
        }
        Field(header, "Message-ID", MessageId ?? NewMessageId(Hostname));
        if (InReplyTo is not null)
        {
            Field(header, "In-Reply-To", InReplyTo);
        }
        if (References.Count > 0)
        {
            Field(header, "References", string.Join(' ', References));
        }
        foreach (var (name, value) in Headers)
        {
            Field(header, name, HeaderFolding.EncodeUnstructured(value));
        }
        Field(header, "MIME-Version", "1.0");
        using var stream = new MemoryStream();
        (Body ?? ShapeBody()).WriteTo(stream, header);
        return stream.ToArray();
    }

    /// <summary>The message parsed back, so that it can be stored, addressed by IMAP sections or inspected.</summary>
    public MimeMessage Build() => MimeMessage.Parse(ToArray());

    /// <summary>
    /// mixed( related( alternative(text, html), inline... ), attachments... ), each level only when needed. The inline
    /// parts go with the HTML: RFC 2387 makes the first part of multipart/related the root that refers to the others.
    /// </summary>
    private BodyPart ShapeBody()
    {
        BodyPart? html = HtmlBody is null ? null : LeafPart.Text(HtmlBody, "html");
        if (html is not null && InlineParts.Count > 0)
        {
            var related = new MultipartPart("related", [html, .. InlineParts]);
            related.Parameters.Add(new MimeParameter("type", "text/html"));
            html = related;
        }
        BodyPart? text = TextBody is null ? null : LeafPart.Text(TextBody);
        BodyPart core = (text, html) switch
        {
            (not null, not null) => new MultipartPart("alternative", text, html),
            (not null, null) => text,
            (null, not null) => html,
            _ => LeafPart.Text(""),
        };
        if (html is null && InlineParts.Count > 0)
        {
            core = new MultipartPart("mixed", [core, .. InlineParts]);
        }
        return Attachments.Count == 0 ? core : new MultipartPart("mixed", [core, .. Attachments]);
    }

    private static void AddressField(StringBuilder header, string name, List<Address> addresses)
    {
        if (addresses.Count > 0)
        {
            Field(header, name, string.Join(", ", addresses.Select(a => a.ToHeaderString())));
        }
    }

    private static void Field(StringBuilder header, string name, string encodedValue) => header.Append(HeaderFolding.Fold(name, encodedValue));
}
