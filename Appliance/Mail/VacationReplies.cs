using Appliance.Filtering.Sieve;
using Appliance.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace Appliance.Mail;

/// <summary>
/// The durable vacation tracker (RFC 5230 §4.1): one row per user, sender and handle with the time of the last reply,
/// so a restart does not answer the same sender again. Checking and recording are one statement, so two deliveries at
/// once cannot both answer. Rows older than the longest interval allowed are deleted as replies are recorded.
/// </summary>
public sealed class VacationReplies(Database database, IOptions<SieveDeliveryOptions> options, TimeProvider time) : IVacationTracker
{
    public async ValueTask<bool> TryRecordReplyAsync(string recipient, string sender, string handle, TimeSpan interval, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var before = now - (long)interval.TotalSeconds;
        var expired = now - (long)TimeSpan.FromDays(options.Value.MaxVacationDays).TotalSeconds;
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("DELETE FROM vacation_replies WHERE replied_at < @expired", new { expired }, transaction).ConfigureAwait(false);
            var recorded = await connection.ExecuteAsync("""
                INSERT INTO vacation_replies(recipient, sender, handle, replied_at) VALUES (@recipient, @sender, @handle, @now)
                ON CONFLICT(recipient, sender, handle) DO UPDATE SET replied_at = excluded.replied_at WHERE replied_at <= @before
                """, new { recipient = recipient.ToLowerInvariant(), sender = sender.ToLowerInvariant(), handle, now, before }, transaction).ConfigureAwait(false);
            return recorded == 1;
        }, cancellationToken).ConfigureAwait(false);
    }
}
