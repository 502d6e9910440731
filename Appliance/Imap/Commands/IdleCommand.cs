namespace Appliance.Imap.Commands;

/// <summary>
/// RFC 2177 IDLE: changes to the selected mailbox (deliveries, other sessions' flags and expunges) are
/// sent as they happen until the client says DONE. Without a selected mailbox it simply waits.
/// </summary>
public sealed class IdleCommand : ImapCommand
{
    public override IReadOnlyList<string> Names => ["IDLE"];
    public override IReadOnlyList<ImapState> AllowedIn => Authenticated;

    public override async Task RunAsync(ImapSession session, ImapRequest request)
    {
        request.Args.ExpectEnd();
        session.WriteLine("+ idling");
        await session.ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
        await session.FlushAsync().ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow.AddMinutes(session.Services.Options.IdleTimeoutMinutes);
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                session.WriteLine("* BYE Autologout; idle for too long");
                session.State = ImapState.Logout;
                return;
            }
            var wake = session.IdleWake();
            // At the deadline the session loop's idle timer writes the autologout BYE and closes.
            var read = await session.ReadLineOrWakeAsync(wake, left).ConfigureAwait(false);
            if (read.Line)
            {
                if (read.Text is null)
                {
                    session.State = ImapState.Logout;
                    return;
                }
                if (!read.Text.Equals("DONE", StringComparison.OrdinalIgnoreCase))
                {
                    throw new Parsing.ImapSyntaxException("Expected DONE");
                }
                await session.OkAsync(request, "IDLE terminated").ConfigureAwait(false);
                return;
            }
            await session.ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
            await session.FlushAsync().ConfigureAwait(false);
        }
    }
}
