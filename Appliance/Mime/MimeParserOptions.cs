namespace Appliance.Mime;

/// <summary>Limits of <see cref="MimeParser"/>.</summary>
public sealed class MimeParserOptions
{
    public static MimeParserOptions Default { get; } = new();

    /// <summary>
    /// How deep multiparts and message/rfc822 parts are parsed (the top-level message is depth 0). Below it a
    /// multipart is an opaque leaf and an encapsulated message gets its header parsed but not its body. Default 32:
    /// real mail rarely nests beyond 6 (a bounce of a forwarded message with attachments), while each level costs
    /// a stack frame and a level of IMAP BODYSTRUCTURE; a crafted "MIME bomb" of thousands of nested multiparts
    /// must not exhaust the stack or produce megabytes of BODYSTRUCTURE. (MimeKit's MaxMimeDepth is the same idea.)
    /// </summary>
    public int MaxDepth { get; init; } = 32;
}
