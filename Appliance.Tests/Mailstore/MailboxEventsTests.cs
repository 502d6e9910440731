using Appliance.Mailstore;

namespace Appliance.Tests.Mailstore;

public sealed class MailboxEventsTests
{
    [Fact]
    public async Task A_change_after_reading_the_generation_ends_the_wait_at_once()
    {
        var events = new MailboxEvents();
        var seen = events.Generation;
        events.Changed(7);
        Assert.True(await events.WaitForChangeAsync(seen, TimeSpan.FromMinutes(1), default));
    }

    [Fact]
    public async Task Waiting_ends_with_the_next_change_or_the_timeout()
    {
        var events = new MailboxEvents();
        Assert.False(await events.WaitForChangeAsync(events.Generation, TimeSpan.FromMilliseconds(50), default));

        var waiting = events.WaitForChangeAsync(events.Generation, TimeSpan.FromMinutes(1), default);
        Assert.False(waiting.IsCompleted);
        var called = 0;
        using (events.Subscribe(3, () => called++))
        {
            events.Changed(3);
        }
        Assert.True(await waiting);
        Assert.Equal(1, called);
    }

    [Fact]
    public async Task Stopping_cancels_the_wait()
    {
        var events = new MailboxEvents();
        using var stopping = new CancellationTokenSource();
        var waiting = events.WaitForChangeAsync(events.Generation, TimeSpan.FromMinutes(1), stopping.Token);
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
