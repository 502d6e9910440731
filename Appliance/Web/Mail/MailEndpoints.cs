using System.Globalization;
using System.Net.Mime;

namespace Appliance.Web.Mail;

/// <summary>
/// Body parts for the web client: attachments to download and cid: images for the message frame. Plain GETs
/// (an &lt;img&gt; or a download link cannot go through the Blazor circuit), checked against the user's rights.
/// </summary>
internal static partial class MailEndpoints
{
    public static void MapMailEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/mail/part/{mailboxId:long}/{uid:long}/{part}", async (long mailboxId, long uid, string part, string? download, HttpContext context, MailService mail) =>
        {
            var name = context.User.Identity?.Name;
            var user = name is null ? null : await mail.UserAsync(name, context.RequestAborted).ConfigureAwait(false);
            if (user is null || !PartPath().IsMatch(part))
            {
                return Results.NotFound();
            }
            PartContent? content;
            try
            {
                content = await mail.PartAsync(user, mailboxId, uid, part, context.RequestAborted).ConfigureAwait(false);
            }
            catch (MailActionException)
            {
                content = null;
            }
            if (content is null)
            {
                return Results.NotFound();
            }
            var headers = context.Response.Headers;
            // Whatever the part holds (HTML, SVG with script), opened on its own it runs nothing and loads nothing.
            headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";
            headers.CacheControl = "private, max-age=3600";
            // Only images are shown inline (cid: images in the frame); everything else is a download, and
            // types a browser would render as a page are sent as bytes.
            var inline = download is null && content.Inline && IsSafeImage(content.ContentType);
            var type = inline || !IsActive(content.ContentType) ? content.ContentType : MediaTypeNames.Application.Octet;
            var disposition = new ContentDisposition { FileName = Ascii(content.FileName), Inline = inline };
            headers.ContentDisposition = disposition.ToString() + "; filename*=UTF-8''" + Uri.EscapeDataString(content.FileName);
            return Results.Bytes(content.Content, type);
        }).RequireAuthorization();
    }

    /// <summary>"3" or "3.1": entity indexes, an attached message's parts after a dot; bounded so a URL cannot ask for deep recursion.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{1,4}(\.\d{1,4}){0,8}$")]
    private static partial System.Text.RegularExpressions.Regex PartPath();

    private static bool IsSafeImage(string type) => type is "image/png" or "image/jpeg" or "image/gif" or "image/webp" or "image/bmp";

    private static bool IsActive(string type) =>
        type.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) || type.Contains("xml", StringComparison.OrdinalIgnoreCase)
        || type.StartsWith("image/svg", StringComparison.OrdinalIgnoreCase) || type.Contains("javascript", StringComparison.OrdinalIgnoreCase);

    private static string Ascii(string name)
    {
        var cleaned = new string([.. name.Select(c => c is >= ' ' and < (char)127 and not '"' and not '\\' ? c : '_')]);
        return cleaned.Length == 0 ? "attachment" : cleaned.ToString(CultureInfo.InvariantCulture);
    }
}
