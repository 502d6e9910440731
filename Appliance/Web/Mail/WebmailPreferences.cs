using System.Text;
using Appliance.Mailstore;
using Microsoft.Extensions.Options;

namespace Appliance.Web.Mail;

/// <summary>How the message list is laid out: beside the reading pane, or alone with the message opening in its place.</summary>
public enum MailLayout { ThreePane, ListOnly }

/// <summary>Row height of the message list.</summary>
public enum RowDensity { Comfortable, Compact }

/// <summary>A user's webmail settings: the signature added to new messages, the layout and the row density.</summary>
public sealed record MailPreferences(string Signature, MailLayout Layout, RowDensity Density)
{
    public static readonly MailPreferences Default = new("", MailLayout.ThreePane, RowDensity.Comfortable);
}

/// <summary>
/// Keeps <see cref="MailPreferences"/> on the server, as the user's private server annotations (IMAP METADATA, RFC 5464
/// §3.2, names under the vendor tree): they follow the user from browser to browser, go with the account, and a
/// desktop client may read the signature with GETMETADATA.
/// </summary>
public sealed class WebmailPreferences(MailStore store, IOptions<WebmailOptions> options)
{
    public const string SignatureEntry = "/private/vendor/appliance/webmail/signature";
    public const string LayoutEntry = "/private/vendor/appliance/webmail/layout";
    public const string DensityEntry = "/private/vendor/appliance/webmail/density";

    /// <summary>Room for these three entries next to whatever IMAP clients keep: the IMAP defaults (100 entries, 1 MiB).</summary>
    private static readonly MetadataLimits Limits = new(100, 1L << 20);

    public async Task<MailPreferences> GetAsync(MailUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var entries = (await store.MetadataAsync(null, user.Id, cancellationToken).ConfigureAwait(false))
            .ToDictionary(e => e.Name, e => Encoding.UTF8.GetString(e.Value), StringComparer.Ordinal);
        return new MailPreferences(
            entries.GetValueOrDefault(SignatureEntry, ""),
            Enum.TryParse<MailLayout>(entries.GetValueOrDefault(LayoutEntry), out var layout) ? layout : MailLayout.ThreePane,
            Enum.TryParse<RowDensity>(entries.GetValueOrDefault(DensityEntry), out var density) ? density : RowDensity.Comfortable);
    }

    /// <summary>Sets the signature (plain text; empty removes it).</summary>
    /// <exception cref="MailActionException">Longer than <see cref="WebmailOptions.MaxSignatureChars"/>, or over the user's annotation quota.</exception>
    public Task SetSignatureAsync(MailUser user, string signature, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signature);
        signature = signature.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
        if (signature.Length > options.Value.MaxSignatureChars)
        {
            throw new MailActionException("Signature.TooLong", options.Value.MaxSignatureChars);
        }
        return SetAsync(user, SignatureEntry, signature.Length == 0 ? null : signature, cancellationToken);
    }

    public Task SetLayoutAsync(MailUser user, MailLayout layout, CancellationToken cancellationToken = default) =>
        SetAsync(user, LayoutEntry, layout == MailLayout.ThreePane ? null : layout.ToString(), cancellationToken);

    public Task SetDensityAsync(MailUser user, RowDensity density, CancellationToken cancellationToken = default) =>
        SetAsync(user, DensityEntry, density == RowDensity.Comfortable ? null : density.ToString(), cancellationToken);

    private async Task SetAsync(MailUser user, string name, string? value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        try
        {
            await store.SetMetadataAsync(null, user.Id, [new MetadataChange(name, value is null ? null : Encoding.UTF8.GetBytes(value))], Limits, cancellationToken).ConfigureAwait(false);
        }
        catch (MailboxException e) when (e.Code is "OVERQUOTA" or "METADATA TOOMANY")
        {
            throw new MailActionException("Mail.Error.OverQuota");
        }
    }

    /// <summary>The signature as the HTML the editor starts with: the usual "-- " separator line (RFC 3676 §4.3), then the text.</summary>
    public static string SignatureHtml(string signature) =>
        string.IsNullOrWhiteSpace(signature) ? "" :
        "<p><br></p><div class=\"signature\">-- <br>" + string.Join("<br>", signature.Split('\n').Select(System.Net.WebUtility.HtmlEncode)) + "</div>";
}
