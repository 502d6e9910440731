using Appliance.Filtering.Bayes;
using Appliance.Mailstore;
using Appliance.Storage;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Appliance.Mail;

/// <summary>
/// Users train their own spam classifier by moving mail: into their \Junk folder is "this is spam", out of it
/// (anywhere but Trash) is "this is not". The same for IMAP MOVE and COPY and the webmail, so that Thunderbird's
/// "Junk" button and a drag in the browser teach alike.
/// </summary>
public sealed partial class JunkTraining(Database database, BlobStore blobs, BayesClassifier bayes, ILogger<JunkTraining> logger)
{
    /// <summary>At most this many messages of one move are learned: a user emptying a folder into Junk must not cost minutes.</summary>
    public const int MaxPerMove = 500;

    /// <summary>
    /// Learns what a move or copy by <paramref name="userId"/> means, if anything; runs after the move is committed and
    /// never fails it (a failure is logged). The messages are named by their blob, so a message learned twice counts once.
    /// </summary>
    public async Task LearnMovedAsync(long userId, long fromMailbox, long toMailbox, IReadOnlyCollection<long> toUids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(toUids);
        if (toUids.Count == 0 || fromMailbox == toMailbox)
        {
            return;
        }
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var uses = (await connection.QueryAsync<(long Id, long UserId, string? Use)>(
                "SELECT id, user_id, special_use FROM mailboxes WHERE id IN (@fromMailbox, @toMailbox)", new { fromMailbox, toMailbox }).ConfigureAwait(false))
                .ToDictionary(m => m.Id);
            if (!uses.TryGetValue(fromMailbox, out var from) || !uses.TryGetValue(toMailbox, out var to) || to.UserId != userId)
            {
                return;
            }
            bool isSpam;
            if (to.Use == MailStore.JunkUse && from.Use != MailStore.JunkUse) isSpam = true;
            else if (from.Use == MailStore.JunkUse && to.Use is not MailStore.JunkUse and not @"\Trash") isSpam = false;
            else return;
            var hashes = new List<string>();
            foreach (var chunk in toUids.Take(MaxPerMove).Chunk(500))
            {
                hashes.AddRange(await connection.QueryAsync<string>(
                    "SELECT blob_hash FROM messages WHERE mailbox_id = @toMailbox AND uid IN @chunk", new { toMailbox, chunk }).ConfigureAwait(false));
            }
            foreach (var hash in hashes.Distinct())
            {
                await using var message = blobs.OpenRead(hash);
                if (message is not null)
                {
                    await bayes.LearnAsync(userId, hash, message, isSpam, cancellationToken).ConfigureAwait(false);
                }
            }
            LogLearned(logger, userId, hashes.Count, isSpam ? "spam" : "ham");
        }
        catch (Exception e) when (e is IOException or StorageException or OperationCanceledException)
        {
            LogFailed(logger, userId, e);
        }
    }

    [LoggerMessage(EventId = 4181, Level = LogLevel.Debug, Message = "User {UserId} taught their classifier {Count} messages as {Label}")]
    private static partial void LogLearned(ILogger logger, long userId, int count, string label);

    [LoggerMessage(EventId = 4182, Level = LogLevel.Warning, Message = "Learning from a move by user {UserId} failed; the move itself stands")]
    private static partial void LogFailed(ILogger logger, long userId, Exception exception);
}
