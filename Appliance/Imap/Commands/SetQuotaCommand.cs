using Appliance.Accounts;

namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 9208 §4.1 SETQUOTA, for administrators: the same change as in the console, through
/// <see cref="UserService"/>, which checks the role against the database and writes the audit log.
/// </summary>
public sealed class SetQuotaCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["SETQUOTA"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        var args = request.Args;
        var user = session.User!;
        args.ReadSpace();
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
        var (userId, address) = await Quota.RootAsync(session, root).ConfigureAwait(false);
        try
        {
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
        await Quota.WriteAsync(session, root, userId).ConfigureAwait(false);
        await session.OkAsync(request, "SETQUOTA completed").ConfigureAwait(false);
    }
}
