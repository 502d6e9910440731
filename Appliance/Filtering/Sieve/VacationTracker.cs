using System.Collections.Concurrent;

namespace Appliance.Filtering.Sieve;

/// <summary>
/// Remembers which senders got a vacation reply, so each gets one per interval (RFC 5230 §4.1). The delivery side keeps
/// a durable one; <see cref="InMemoryVacationTracker"/> serves tests and a single process.
/// </summary>
public interface IVacationTracker
{
    /// <summary>True when <paramref name="sender"/> had no reply for <paramref name="handle"/> from <paramref name="recipient"/>
    /// within <paramref name="interval"/>; the reply is then recorded, in the same step, so two deliveries cannot both answer.</summary>
    ValueTask<bool> TryRecordReplyAsync(string recipient, string sender, string handle, TimeSpan interval, CancellationToken cancellationToken);
}

public sealed class InMemoryVacationTracker(TimeProvider time) : IVacationTracker
{
    private readonly ConcurrentDictionary<(string Recipient, string Sender, string Handle), DateTimeOffset> _replies = new();

    public InMemoryVacationTracker()
        : this(TimeProvider.System)
    {
    }

    public ValueTask<bool> TryRecordReplyAsync(string recipient, string sender, string handle, TimeSpan interval, CancellationToken cancellationToken)
    {
        var key = (recipient.ToLowerInvariant(), sender.ToLowerInvariant(), handle);
        var now = time.GetUtcNow();
        while (true)
        {
            if (_replies.TryGetValue(key, out var last))
            {
                if (now - last < interval)
                {
                    return ValueTask.FromResult(false);
                }
                if (_replies.TryUpdate(key, now, last))
                {
                    return ValueTask.FromResult(true);
                }
            }
            else if (_replies.TryAdd(key, now))
            {
                return ValueTask.FromResult(true);
            }
        }
    }
}
