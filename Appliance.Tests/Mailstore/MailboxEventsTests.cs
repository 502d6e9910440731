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

    [Fact]
    public void Listeners_of_every_mailbox_hear_messages_folders_and_metadata_until_disposed()
    {
        var events = new MailboxEvents();
        var heard = new List<MailboxChange>();
        var subscription = events.SubscribeEverywhere(heard.Add);
        events.Changed(4, 4, 9);
        events.FoldersChanged(12);
        events.FoldersChanged(null);
        events.MetadataChanged(null, 12, ["/shared/comment"]);
        events.MetadataChanged(4, 12, ["/private/comment", "/shared/comment"]);
        subscription.Dispose();
        events.Changed(4);
        events.FoldersChanged(12);

        Assert.Equal(5, heard.Count);
        Assert.Equal(MailboxChangeKind.Messages, heard[0].Kind);
        Assert.Equal([4L, 9L], heard[0].MailboxIds);
        Assert.Equal((MailboxChangeKind.Folders, (long?)12), (heard[1].Kind, heard[1].UserId));
        Assert.Null(heard[2].UserId);
        Assert.Equal((MailboxChangeKind.Metadata, 0, (long?)12), (heard[3].Kind, heard[3].MailboxIds.Count, heard[3].UserId));
        Assert.Equal([4L], heard[4].MailboxIds);
        Assert.Equal(["/private/comment", "/shared/comment"], heard[4].Entries!);
    }
}
