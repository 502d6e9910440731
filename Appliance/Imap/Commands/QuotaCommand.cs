using System.Globalization;
using Appliance.Accounts;
using Appliance.Imap.Parsing;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 9208 QUOTA with the STORAGE resource (in KiB, as the RFC counts). Each user is one quota root:
/// "" for one's own folders, or the user's address, which administrators may read and change with
/// SETQUOTA (a change they make here is the same as in the console, audited). Folders others share
/// have no root the grantee may see.
/// </summary>
public sealed class QuotaCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["GETQUOTAROOT", "GETQUOTA", "SETQUOTA"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = request.Args;
        args.ReadSpace();
        var user = session.User!;
        switch (request.Name)
        {
            case "GETQUOTAROOT":
            {
                var name = session.DecodeMailbox(args.ReadAString());
                args.ExpectEnd();
                var mailbox = await MailboxResolver.ResolveAsync(session, name).ConfigureAwait(false)
                    ?? throw new ImapNoException("NONEXISTENT", "No such mailbox");
                if (!mailbox.Personal)
                {
                    session.WriteLine($"* QUOTAROOT {session.EncodeMailbox(mailbox.Name)}");
                    break;
                }
                session.WriteLine($"* QUOTAROOT {session.EncodeMailbox(name)} \"\"");
                await WriteQuotaAsync(session, "", user.Id).ConfigureAwait(false);
                break;
            }
            case "GETQUOTA":
            {
                var root = args.ReadAString();
                args.ExpectEnd();
                var (userId, _) = await RootAsync(session, root).ConfigureAwait(false);
                await WriteQuotaAsync(session, root, userId).ConfigureAwait(false);
                break;
            }
            default:
            {
                var root = args.ReadAString();
                args.ReadSpace();
                args.Expect('(');
                long? limit = null;
                while (!args.TryRead(')'))
                {
                    args.TrySpace();
                    var resource = args.ReadAtom();
                    args.ReadSpace();
                    var value = args.ReadNumber(long.MaxValue / 1024);
                    if (resource != "STORAGE")
                    {
                        throw new ImapNoException("CANNOT", $"Unsupported resource {resource}");
                    }
                    limit = value;
                }
                args.ExpectEnd();
                if (!user.IsAdmin)
                {
                    throw new ImapNoException("NOPERM", "Only administrators set quotas");
                }
                var (userId, address) = await RootAsync(session, root).ConfigureAwait(false);
                try
                {
                    // The service checks again, against the database, that this user is still an administrator.
                    await session.Services.Users.UpdateAsync(new Actor(user.Address, user.IsAdmin), address,
                        new UserChanges(QuotaBytes: (limit ?? 0) * 1024), session.Cancellation).ConfigureAwait(false);
                }
                catch (ForbiddenException)
                {
                    throw new ImapNoException("NOPERM", "Only administrators set quotas");
                }
                catch (AccountException e)
                {
                    throw new ImapNoException("CANNOT", e.Message);
                }
                await WriteQuotaAsync(session, root, userId).ConfigureAwait(false);
                break;
            }
        }
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
    }

    /// <summary>The user a root names: "" is oneself; another user's address only for administrators.</summary>
    private static async Task<(long UserId, string Address)> RootAsync(ImapSession session, string root)
    {
        var user = session.User!;
        if (root.Length == 0 || string.Equals(root, user.Address, StringComparison.OrdinalIgnoreCase))
        {
            return (user.Id, user.Address);
        }
        var id = user.IsAdmin ? await session.Services.Store.UserIdAsync(root, session.Cancellation).ConfigureAwait(false) : null;
        return id is { } found ? (found, root.ToLowerInvariant()) : throw new ImapNoException("NONEXISTENT", "No such quota root");
    }

    private static async Task WriteQuotaAsync(ImapSession session, string root, long userId)
    {
        var store = session.Services.Store;
        var used = await store.UsageAsync(userId, session.Cancellation).ConfigureAwait(false);
        var quota = await store.QuotaOfAsync(userId, session.Cancellation).ConfigureAwait(false);
        session.WriteLine(quota > 0
            ? string.Create(CultureInfo.InvariantCulture, $"* QUOTA {ImapString.Quote(root)} (STORAGE {(used + 1023) / 1024} {quota / 1024})")
            : $"* QUOTA {ImapString.Quote(root)} ()");
    }
}
