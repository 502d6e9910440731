using System.Net;

namespace Appliance.Web.Mail;

/// <summary>
/// The sandboxed frame a sanitized message is shown in: the second wall, should the sanitizer miss something.
/// Use as <c>&lt;iframe sandbox="@MessageFrame.Sandbox" srcdoc="@MessageFrame.Document(…)"&gt;</c>.
/// </summary>
public static class MessageFrame
{
    /// <summary>
    /// No allow-scripts and no allow-forms, so nothing runs and nothing submits whatever reaches the frame.
    /// Popups let links (target=_blank) open in a new tab, escaping the sandbox so the site opened works.
    /// allow-same-origin keeps cid: images (served by this app) under img-src 'self' and lets the page
    /// measure the frame's height; with scripts off in the frame it gives the message nothing to run with.
    /// </summary>
    public const string Sandbox = "allow-same-origin allow-popups allow-popups-to-escape-sandbox";

    /// <summary>
    /// Policy for the frame's own document. No script-src: default-src 'none' blocks all script. Fonts, media,
    /// frames and connections are refused; only inline styles and images from this app or data: load.
    /// frame-ancestors is ignored in a meta policy; the page's own response header carries it.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'";

    /// <summary>The same policy with remote images allowed (https only; the sanitizer upgrades http sources).</summary>
    public const string ContentSecurityPolicyWithRemoteImages =
        "default-src 'none'; img-src 'self' data: https:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'";

    /// <summary>Frame styles: readable defaults, and wide images shrink to the frame instead of scrolling it.</summary>
    private const string FrameStyle =
        "body{margin:8px;font-family:sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}";

    public static string PolicyFor(bool remoteImagesAllowed) =>
        remoteImagesAllowed ? ContentSecurityPolicyWithRemoteImages : ContentSecurityPolicy;

    /// <summary>A complete document for srcdoc around a fragment from <see cref="HtmlSanitizer.Sanitize"/>.</summary>
    public static string Document(SanitizedHtml body, bool remoteImagesAllowed)
    {
        ArgumentNullException.ThrowIfNull(body);
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            + "<meta http-equiv=\"Content-Security-Policy\" content=\"" + WebUtility.HtmlEncode(PolicyFor(remoteImagesAllowed)) + "\">"
            + "<meta name=\"referrer\" content=\"no-referrer\">"
            + "<base target=\"_blank\">"
            + "<style>" + FrameStyle + "</style></head><body>"
            + body.Html
            + "</body></html>";
    }
}
