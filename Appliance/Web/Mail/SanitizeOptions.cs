namespace Appliance.Web.Mail;

/// <summary>What the reader allowed for this rendering of one message.</summary>
public sealed record SanitizeOptions
{
    /// <summary>
    /// Keep http/https image sources. Off by default: a remote image tells the sender that and when the
    /// message was read (tracking pixels). The UI turns it on for one message or always for one sender.
    /// </summary>
    public bool AllowRemoteImages { get; init; }

    /// <summary>
    /// Maps a Content-ID (RFC 2392, without "cid:" and angle brackets) to a same-origin URL the web app
    /// serves for that body part, or null when the message has no such part (the image is then removed).
    /// </summary>
    public Func<string, string?>? ResolveContentId { get; init; }

    /// <summary>
    /// Deepest element nesting that is kept as markup; deeper content is kept as plain text. 256 keeps every
    /// real newsletter (they nest tables some 20 deep) while bounding the recursion on hostile input.
    /// </summary>
    public int MaxDepth { get; init; } = 256;

    /// <summary>
    /// Bound on the HTML tree builder's work, counted as <see cref="HtmlSanitizer.TreeBuilderSteps"/> does; the body
    /// is cut before the tag that would pass it. The WHATWG tree builder scans its stack of open elements for a
    /// <c>p</c> "in button scope" at every div, p, li, table, heading and the like, so a body of nested divs costs
    /// the square of its length: 20,000 of them (100 kB) took 10 s to parse (bench/fuzz.sh, docs/fuzzing.md).
    /// Browsers bound the same scan by capping the depth (Chromium at 512), which AngleSharp does not.
    /// AngleSharp's scan allocates up to some 40 bytes a step before the JIT optimizes it, so the bound is on memory
    /// too. 2,000,000 (about 0.1 s, at most some 80 MB) is ten times what a large newsletter (4,000 elements,
    /// 1,500 of them blocks) needs.
    /// </summary>
    public long MaxTreeBuilderSteps { get; init; } = 2_000_000;

    public static SanitizeOptions Default { get; } = new();
}

/// <summary>The safe body fragment and the facts the reading pane shows around it.</summary>
/// <param name="Html">Well-formed HTML fragment for the body of the message frame.</param>
/// <param name="BlockedRemoteImages">Remote images removed because <see cref="SanitizeOptions.AllowRemoteImages"/> was off.</param>
public sealed record SanitizedHtml(string Html, int BlockedRemoteImages)
{
    /// <summary>True when the UI should offer "show remote images".</summary>
    public bool HasBlockedRemoteImages => BlockedRemoteImages > 0;
}
