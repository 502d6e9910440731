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
}
