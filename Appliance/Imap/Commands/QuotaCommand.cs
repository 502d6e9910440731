using System.Globalization;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 9208 QUOTA: GETQUOTAROOT and GETQUOTA report the user's STORAGE (in KiB, as the RFC counts);
/// one root, "" for all of the user's folders. Quotas are set by administrators in the console, so
/// SETQUOTA is refused here.
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
                var name = session.DecodeMailbox(args.ReadAString());
                args.ExpectEnd();
                if (await session.Services.Store.FindMailboxAsync(user.Id, name, session.Cancellation).ConfigureAwait(false) is null)
                {
                    throw new ImapNoException("NONEXISTENT", "No such mailbox");
                }
                session.WriteLine($"* QUOTAROOT {session.EncodeMailbox(name)} \"\"");
                await WriteQuotaAsync(session).ConfigureAwait(false);
                break;
            case "GETQUOTA":
                var root = args.ReadAString();
                args.ExpectEnd();
                if (root.Length != 0)
                {
                    throw new ImapNoException("NONEXISTENT", "No such quota root");
                }
                await WriteQuotaAsync(session).ConfigureAwait(false);
                break;
            default:
                throw new ImapNoException("NOPERM", "Quotas are set by an administrator in the console");
        }
        await session.OkAsync(request, request.Name + " completed").ConfigureAwait(false);
    }

    private static async Task WriteQuotaAsync(ImapSession session)
    {
        var user = session.User!;
        var used = await session.Services.Store.UsageAsync(user.Id, session.Cancellation).ConfigureAwait(false);
        session.WriteLine(user.QuotaBytes > 0
            ? string.Create(CultureInfo.InvariantCulture, $"* QUOTA \"\" (STORAGE {(used + 1023) / 1024} {user.QuotaBytes / 1024})")
            : "* QUOTA \"\" ()");
    }
}
