using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Appliance.Web.Mail;

/// <summary>How a held message ended: sent, taken back by Undo, or refused by submission (then it is in Drafts).</summary>
public sealed record SendOutcome(bool Sent, bool Undone, string? ErrorKey = null, IReadOnlyList<object>? Arguments = null);

/// <summary>A message waiting out <see cref="WebmailOptions.UndoSendSeconds"/>; <see cref="Outcome"/> completes when it has gone or was undone.</summary>
public sealed class HeldMessage
{
    internal HeldMessage(Guid id, long userId, ComposeModel model, DateTimeOffset sendAt)
    {
        Id = id;
        UserId = userId;
        Model = model;
        SendAt = sendAt;
    }

    public Guid Id { get; }
    public long UserId { get; }
    public DateTimeOffset SendAt { get; }
    internal ComposeModel Model { get; }
    internal CancellationTokenSource Cancel { get; } = new();
    internal TaskCompletionSource<SendOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>0 held, 1 going to submission, 2 undone: Undo wins only while it is still 0.</summary>
    internal int State;

    public Task<SendOutcome> Outcome => Done.Task;
}

/// <summary>
/// "Undo send": a sent message waits here, on the server, for a few seconds before it goes to submission. The wait
/// belongs to no browser circuit, so closing the tab does not lose the message, it goes when its time is up; Undo only
/// takes it back before that. Before the wait starts, the message is saved to Drafts, so that even a crash of the
/// process in those seconds leaves it there; a message still held when the service stops is sent at once.
/// </summary>
public sealed partial class HeldSends(MailService mail, IOptions<WebmailOptions> options, TimeProvider time, ILogger<HeldSends> logger) : IHostedService
{
    private readonly ConcurrentDictionary<Guid, HeldMessage> held = new();
    private readonly ConcurrentDictionary<Guid, Task> running = new();

    /// <summary>
    /// Checks the addresses (a refusal is thrown here, while the form is still open), then holds the message, or sends it
    /// at once when the hold is 0 seconds (and then a refusal by submission is thrown too).
    /// </summary>
    /// <exception cref="MailActionException">An invalid address, no recipient, or (no hold) a refusal by submission.</exception>
    public async Task<HeldMessage> SendAsync(MailUser user, ComposeModel model, IPAddress? client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(model);
        MailService.Recipients(model);
        var delay = TimeSpan.FromSeconds(options.Value.UndoSendSeconds);
        var message = new HeldMessage(Guid.NewGuid(), user.Id, model, time.GetUtcNow() + delay);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                model.DraftUid = await mail.SaveDraftAsync(user, model, cancellationToken).ConfigureAwait(false);
            }
            catch (MailActionException e)
            {
                // No room in Drafts (over quota): holding it would risk it, so it goes now, as with no hold.
                Log.NotHeld(logger, user.Address, e.Key);
                delay = TimeSpan.Zero;
            }
        }
        if (delay == TimeSpan.Zero)
        {
            await mail.SendAsync(user, model, client, cancellationToken).ConfigureAwait(false);
            message.State = 1;
            message.Done.SetResult(new SendOutcome(Sent: true, Undone: false));
            held[message.Id] = message;
            _ = ForgetLaterAsync(message.Id);
            return message;
        }
        held[message.Id] = message;
        running[message.Id] = RunAsync(user, message, client, delay);
        Log.Held(logger, user.Address, message.Id, options.Value.UndoSendSeconds);
        return message;
    }

    /// <summary>The held message of this user by its id, or null (another user's, unknown, or long gone).</summary>
    public HeldMessage? Find(MailUser user, Guid id) =>
        user is not null && held.TryGetValue(id, out var message) && message.UserId == user.Id ? message : null;

    /// <summary>Takes the message back if it has not gone yet: its form, saved in Drafts, or null when too late.</summary>
    public ComposeModel? Undo(MailUser user, Guid id)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (Find(user, id) is not { } message || Interlocked.CompareExchange(ref message.State, 2, 0) != 0)
        {
            return null;
        }
        message.Cancel.Cancel();
        Log.Undone(logger, user.Address, id);
        return message.Model;
    }

    private async Task RunAsync(MailUser user, HeldMessage message, IPAddress? client, TimeSpan delay)
    {
        try
        {
            try
            {
                await Task.Delay(delay, time, message.Cancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Undone, or the service is stopping: StopAsync decides by the state.
            }
            await SubmitAsync(user, message, client).ConfigureAwait(false);
        }
        finally
        {
            running.TryRemove(message.Id, out _);
            // Kept a little after the outcome, so that a page opened late can still show it.
            _ = ForgetLaterAsync(message.Id);
        }
    }

    private async Task SubmitAsync(MailUser user, HeldMessage message, IPAddress? client)
    {
        if (Interlocked.CompareExchange(ref message.State, 1, 0) != 0)
        {
            message.Done.TrySetResult(new SendOutcome(Sent: false, Undone: true));
            return;
        }
        try
        {
            await mail.SendAsync(user, message.Model, client, CancellationToken.None).ConfigureAwait(false);
            Log.Sent(logger, user.Address, message.Id);
            message.Done.TrySetResult(new SendOutcome(Sent: true, Undone: false));
        }
        catch (MailActionException e)
        {
            // The draft saved before the hold is still in Drafts: the message is not lost, and the page says why.
            Log.Refused(logger, user.Address, message.Id, e.Key);
            message.Done.TrySetResult(new SendOutcome(Sent: false, Undone: false, e.Key, e.Arguments));
        }
    }

    private async Task ForgetLaterAsync(Guid id)
    {
        await Task.Delay(TimeSpan.FromMinutes(1), time).ConfigureAwait(false);
        if (held.TryRemove(id, out var message))
        {
            message.Cancel.Dispose();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends what is still held now rather than after its delay: stopping the service must not drop a message.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var message in held.Values.Where(m => Volatile.Read(ref m.State) == 0))
        {
            await message.Cancel.CancelAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(running.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 8501, Level = LogLevel.Information, Message = "Webmail: {User} sent message {Id}, held {Seconds} s for undo")]
        public static partial void Held(ILogger logger, string user, Guid id, int seconds);

        [LoggerMessage(EventId = 8502, Level = LogLevel.Information, Message = "Webmail: {User} undid sending message {Id}")]
        public static partial void Undone(ILogger logger, string user, Guid id);

        [LoggerMessage(EventId = 8503, Level = LogLevel.Information, Message = "Webmail: held message {Id} of {User} went to submission")]
        public static partial void Sent(ILogger logger, string user, Guid id);

        [LoggerMessage(EventId = 8505, Level = LogLevel.Warning, Message = "Webmail: a message of {User} could not be saved to Drafts ({Reason}) and was sent without a hold")]
        public static partial void NotHeld(ILogger logger, string user, string reason);

        [LoggerMessage(EventId = 8504, Level = LogLevel.Warning, Message = "Webmail: held message {Id} of {User} was refused ({Reason}); it stays in Drafts")]
        public static partial void Refused(ILogger logger, string user, Guid id, string reason);
    }
}
