namespace Appliance.Mime;

/// <summary>
/// <c>Appliance:Mime</c>: limits of <see cref="MimeParser"/>, so that a crafted message (a "mail bomb") costs memory and
/// time in proportion to what a reader can use, not to what an attacker wrote. Past a limit the part tree is cut and the
/// rest of the bytes stay where they are: the message is stored whole and IMAP BODY[] returns it byte for byte.
/// </summary>
public sealed class MimeParserOptions
{
    public const string Section = "Appliance:Mime";

    /// <summary>A fresh instance with the defaults each time: the settings are mutable for binding, and no caller may change everyone's.</summary>
    public static MimeParserOptions Default => new();

    /// <summary>
    /// How deep multiparts and message/rfc822 parts are parsed (the top-level message is depth 0). Below it a
    /// multipart is an opaque leaf and an encapsulated message gets its header parsed but not its body. Default 32:
    /// real mail rarely nests beyond 6 (a bounce of a forwarded message with attachments), while each level costs
    /// a stack frame and a level of IMAP BODYSTRUCTURE; a crafted "MIME bomb" of thousands of nested multiparts
    /// must not exhaust the stack or produce megabytes of BODYSTRUCTURE. (MimeKit's MaxMimeDepth is the same idea.)
    /// </summary>
    public int MaxDepth { get; set; } = 32;

    /// <summary>
    /// Entities parsed per message, encapsulated messages included. Past it a multipart keeps the parts it has and
    /// the rest of its body is not split (a part being parsed becomes a leaf). Default 10,000, Dovecot's
    /// <c>mail_max_mime_parts</c> figure: far beyond real mail (a mailing-list digest has hundreds), while each
    /// entity costs about 2 KB parsed and some 80 bytes of BODYSTRUCTURE; 100,000 parts cost 190 MB before.
    /// </summary>
    public int MaxParts { get; set; } = 10_000;

    /// <summary>
    /// Header fields kept per entity; the header still ends where it ends, the fields past this one are not looked at.
    /// Default 1,000: a real header has a few dozen (a message that looped has its Received fields capped by SMTP's
    /// MaxHops of 50); 500,000 fields cost 150 MB of field objects and a text index entry of as much.
    /// </summary>
    public int MaxHeaderFields { get; set; } = 1_000;

    /// <summary>
    /// Bytes of one field's value read when it is unfolded, decoded or parsed (addresses, parameters, subject); the
    /// field's raw bytes stay whole for re-serialization and BODY[HEADER]. Default 64 KiB: a To of a thousand
    /// addresses fits; a 40 MB subject or a 49 MB header field would otherwise become strings of twice that many
    /// bytes, in every path that reads the header.
    /// </summary>
    public int MaxFieldBytes { get; set; } = 64 * 1024;

}
