using Appliance.Mailstore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Appliance.Jobs;

/// <summary>
/// Summarizes and text-indexes every stored message in the background, so that the webmail's lists and
/// searches find the work done instead of doing it while someone waits. Works through the index queue
/// (a trigger queues each stored message whose body is not yet summarized and indexed), oldest first, and
/// sleeps until a mailbox changes, polling as well in case a change was never announced (another process,
/// such as the command line, stored it). Lists and searches fill in what is still queued for their folder.
/// </summary>
public sealed partial class MessageIndexer(MailStore store, MessageSummaries summaries, TextIndex textIndex, MailboxEvents events, ILogger<MessageIndexer> logger)
    : BackgroundService
{
    /// <summary>Messages per round: one summary write and one index write each, short enough not to hold up deliveries.</summary>
    public const int BatchSize = 500;

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After a change, how long the mail store must stay quiet before a round starts: while deliveries
    /// keep coming, a round per delivery indexed one message in three transactions (three WAL fsyncs)
    /// and took the CPU the deliveries were waiting for. Waiting lets the batch fill up.
    /// </summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest a round is put off by changes that keep coming, so that the index keeps up under a steady stream.</summary>
    public static readonly TimeSpan MaxDeferral = TimeSpan.FromSeconds(2);

    // After a failure that is not one message's fault (the database busy or full), before trying again.
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var seen = events.Generation;
                bool more;
                try
                {
                    more = await IndexNextBatchAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(logger, e);
                    await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                if (!more && await events.WaitForChangeAsync(seen, PollInterval, stoppingToken).ConfigureAwait(false))
                {
                    await WaitUntilQuietAsync(stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued stays queued for the next start.
        }
    }

    /// <summary>Returns once no change came for <see cref="QuietPeriod"/>, or after <see cref="MaxDeferral"/> at most.</summary>
    private async Task WaitUntilQuietAsync(CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)MaxDeferral.TotalMilliseconds;
        while (true)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return;
            }
            var seen = events.Generation;
            var wait = TimeSpan.FromMilliseconds(Math.Min(left, (long)QuietPeriod.TotalMilliseconds));
            if (!await events.WaitForChangeAsync(seen, wait, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Summarizes and indexes the next batch of queued messages; false when there was none.</summary>
    public async Task<bool> IndexNextBatchAsync(CancellationToken cancellationToken)
    {
        var batch = await store.QueuedForIndexAsync(BatchSize, cancellationToken).ConfigureAwait(false);
        if (batch.Count == 0)
        {
            return false;
        }
        var hashes = batch.Select(m => m.BlobHash).Distinct(StringComparer.Ordinal).ToList();
        // Summaries stand in for an unreadable body with empty fields, so only the database can fail here.
        await summaries.EnsureAsync(hashes, cancellationToken).ConfigureAwait(false);
        await IndexTextAsync(hashes, cancellationToken).ConfigureAwait(false);
        // Off the queue even if one body's text could not be indexed (logged): retrying it every round would
        // stop the queue behind it.
        await store.DequeueIndexedAsync([.. batch.Select(m => m.Id)], cancellationToken).ConfigureAwait(false);
        LogIndexed(logger, batch.Count, batch[^1].Id);
        return true;
    }

    /// <summary>Indexes the batch at once, or body by body when that fails, so that one bad body costs only its own entry.</summary>
    private async Task IndexTextAsync(IReadOnlyList<string> hashes, CancellationToken cancellationToken)
    {
        try
        {
            await textIndex.EnsureIndexedAsync(hashes, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogBatchNotIndexed(logger, hashes.Count, e);
        }
        foreach (var hash in hashes)
        {
            try
            {
                await textIndex.EnsureIndexedAsync([hash], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Left out of the index (and so out of body searches); the warning names it.
                LogNotIndexed(logger, hash, e);
            }
        }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Summarized and indexed {Count} messages, up to message {LastId}")]
    private static partial void LogIndexed(ILogger logger, int count, long lastId);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Indexing the text of {Count} messages together failed; indexing them one by one")]
    private static partial void LogBatchNotIndexed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "The text of message body {Hash} could not be indexed; skipped")]
    private static partial void LogNotIndexed(ILogger logger, string hash, Exception exception);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Indexing messages failed; trying again shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
