using System.ComponentModel.DataAnnotations;

namespace Appliance.Web.Mail;

/// <summary>Settings of the web client, under <c>Appliance:Webmail</c>.</summary>
public sealed class WebmailOptions
{
    public const string Section = "Appliance:Webmail";

    /// <summary>
    /// Largest attachment a user may upload, and the largest total per message. 25 MiB, what the big
    /// mail providers accept; the message must still pass the SMTP size limit after base64 (+37%).
    /// </summary>
    [Range(1024, 1L << 31)]
    public long MaxAttachmentBytes { get; set; } = 25L << 20;

    /// <summary>Seconds between automatic saves of a changed draft: a closed tab loses at most this much typing.</summary>
    [Range(2, 3600)]
    public int DraftAutosaveSeconds { get; set; } = 10;

    /// <summary>Most messages a search returns, newest first; narrowing the search finds the rest.</summary>
    [Range(10, 100_000)]
    public int SearchLimit { get; set; } = 500;

    /// <summary>Largest message the reading pane parses and shows; bigger ones offer only their parts for download.</summary>
    [Range(1024, 1L << 31)]
    public long MaxDisplayBytes { get; set; } = 64L << 20;

    /// <summary>
    /// Bytes of the body part (as transferred) the reading pane reads, sanitizes and sends to the browser; past it the
    /// message shows its start with a notice and a link to download the whole part. Default 256 KiB: a newsletter is
    /// some 100 KB of HTML (Gmail clips a message at 102 KB for the same reason); 40 MB of text became a DOM of
    /// gigabytes in the sanitizer and a frame the browser choked on.
    /// </summary>
    [Range(4096, 256L << 20)]
    public int MaxRenderedBodyBytes { get; set; } = 256 * 1024;

    /// <summary>Attachments listed under a message; past it the list ends with a notice. Default 500: a list a person can still read.</summary>
    [Range(10, 100_000)]
    public int MaxAttachmentsListed { get; set; } = 500;

    /// <summary>
    /// Characters of the header block ("full headers") and of each address line shown. Default 64 KiB: a real header
    /// has a few kilobytes; a 49 MB header or 200,000 recipients otherwise went to the browser whole.
    /// </summary>
    [Range(1024, 64 << 20)]
    public int MaxHeaderCharsShown { get; set; } = 64 * 1024;

    /// <summary>
    /// Seconds a sent message is held before it goes to submission, so that "Undo" can take it back. Default 5: enough to
    /// notice the wrong recipient, short enough not to feel slow (Gmail's default). 0 sends at once. The hold is on the
    /// server: a closed tab does not stop the message, and one held when the service stops is sent as it stops.
    /// </summary>
    [Range(0, 30)]
    public int UndoSendSeconds { get; set; } = 5;

    /// <summary>Characters of the signature a user may set in Preferences. Default 4000: a long signature with a disclaimer.</summary>
    [Range(100, 64 * 1024)]
    public int MaxSignatureChars { get; set; } = 4000;
}
