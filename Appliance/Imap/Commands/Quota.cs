using System.Globalization;

namespace Appliance.Imap.Commands;

/// <summary>
/// What the RFC 9208 commands share. Each user is one quota root: "" for one's own folders, or the
/// user's address, which administrators may read and change. STORAGE is counted in KiB.
/// </summary>
internal static class Quota
{
    /// <summary>The user a root names: "" is oneself; another user's address only for administrators.</summary>
    public static async Task<(long UserId, string Address)> RootAsync(ImapSession session, string root)
    {
        var user = session.User!;
        if (root.Length == 0 || string.Equals(root, user.Address, StringComparison.OrdinalIgnoreCase))
        {
            return (user.Id, user.Address);
        }
        var id = user.IsAdmin ? await session.Services.Store.UserIdAsync(root, session.Cancellation).ConfigureAwait(false) : null;
        return id is { } found ? (found, root.ToLowerInvariant()) : throw new ImapNoException("NONEXISTENT", "No such quota root");
    }

    public static async Task WriteAsync(ImapSession session, string root, long userId)
    {
        var store = session.Services.Store;
        var used = await store.UsageAsync(userId, session.Cancellation).ConfigureAwait(false);
        var quota = await store.QuotaOfAsync(userId, session.Cancellation).ConfigureAwait(false);
        session.WriteLine(quota > 0
            ? string.Create(CultureInfo.InvariantCulture, $"* QUOTA {ImapString.Quote(root)} (STORAGE {(used + 1023) / 1024} {quota / 1024})")
            : $"* QUOTA {ImapString.Quote(root)} ()");
    }
}
