using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Appliance.Mailstore;

namespace Appliance.Imap;

/// <summary>
/// OBJECTID (RFC 8474): <c>objectid = 1*255(ALPHA / DIGIT / "_" / "-")</c>, each kind with its own first letter so that
/// no id of one kind is taken for another.
/// </summary>
public static class ObjectIds
{
    public const string Capability = "OBJECTID";

    /// <summary>
    /// MAILBOXID (§4): the row's id, which RENAME keeps, with the UIDVALIDITY it was created with, because SQLite may
    /// give a deleted folder's row id to the next new one; UIDVALIDITY only grows, so no id comes back.
    /// </summary>
    public static string Mailbox(MailboxState mailbox)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        return string.Create(CultureInfo.InvariantCulture, $"M{mailbox.Id}-{mailbox.Uidvalidity}");
    }

    /// <summary>
    /// EMAILID (§5.1): from the body's content hash, so that COPY and MOVE keep it, and the same bytes stored twice share
    /// it, which §5.1 allows.
    /// </summary>
    public static string Email(string blobHash)
    {
        ArgumentNullException.ThrowIfNull(blobHash);
        return "E" + blobHash[..Math.Min(32, blobHash.Length)];
    }

    /// <summary>
    /// THREADID (§5.2): from the conversation key the webmail's summaries keep (the root's Message-ID, see
    /// <see cref="MessageSummary.ThreadKey"/>), hashed because a Message-ID holds characters an objectid may not.
    /// </summary>
    public static string Thread(string threadKey)
    {
        ArgumentNullException.ThrowIfNull(threadKey);
        return "T" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(threadKey)))[..24];
    }

    /// <summary>Whether a string is an objectid (RFC 8474 §7).</summary>
    public static bool IsValid(string text) =>
        text is { Length: > 0 and <= 255 } && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
