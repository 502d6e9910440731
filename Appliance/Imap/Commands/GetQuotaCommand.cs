namespace Appliance.Imap.Commands;

/// <summary>RFC 9208 §4.2 GETQUOTA: one's own root "", or any user's address for administrators.</summary>
public sealed class GetQuotaCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["GETQUOTA"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ReadSpace();
        var root = request.Args.ReadAString();
        request.Args.ExpectEnd();
        var (userId, _) = await Quota.RootAsync(session, root).ConfigureAwait(false);
        await Quota.WriteAsync(session, root, userId).ConfigureAwait(false);
        await session.OkAsync(request, "GETQUOTA completed").ConfigureAwait(false);
    }
}
