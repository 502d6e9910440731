using System.Text;
using Appliance.Mailstore;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Appliance.Tests.Pop3;
using Dapper;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Mailstore;

public sealed class MessageIndexerTests : IAsyncLifetime
{
    private RunningHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await RunningHost.StartAsync(setUp: true);
        await Pop3Mail.AddUsersAsync(_host);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(int Summaries, int Indexed, string? Subject)> StateAsync(string hash)
    {
        await using var connection = await _host.Get<Database>().OpenAsync();
        return (await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_summaries WHERE hash = @hash", new { hash }),
            await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM message_text_index WHERE hash = @hash", new { hash }),
            await connection.ExecuteScalarAsync<string?>("SELECT subject FROM message_summaries WHERE hash = @hash", new { hash }));
    }

    [Fact]
    public async Task Delivered_messages_are_summarized_and_indexed_without_anyone_asking()
    {
        await Pop3Mail.DeliverAsync(_host, "bob@example.com", "From: alice@example.org\r\nSubject: First\r\n\r\nHello Bob\r\n");
        var first = (await _host.Get<MailStore>().MessagesAsync("bob@example.com")).Single().BlobHash;
        await Eventually.HoldsAsync(async () => await StateAsync(first) == (1, 1, "First"), "the first delivery is summarized and indexed");

        // Later deliveries wake it again.
        await Pop3Mail.DeliverAsync(_host, "carol@example.com", "From: alice@example.org\r\nSubject: Second\r\n\r\nHello Carol\r\n");
        var second = (await _host.Get<MailStore>().MessagesAsync("carol@example.com")).Single().BlobHash;
        await Eventually.HoldsAsync(async () => await StateAsync(second) == (1, 1, "Second"), "the second delivery is summarized and indexed");
    }

    [Fact]
    public async Task A_missing_body_is_summarized_empty_and_the_messages_after_it_still_are()
    {
        // The blob's file goes before its row is committed, so the indexer can only ever see it missing.
        var user = (await _host.Get<Appliance.Accounts.UserRepository>().FindAsync("bob@example.com"))!;
        var blobs = _host.Get<BlobStore>();
        var blob = await blobs.StoreAsync(new MemoryStream(Encoding.UTF8.GetBytes("Subject: Lost\r\n\r\nGone\r\n")));
        File.Delete(MessageSummariesTests.BlobPath(_host.Get<IOptions<StorageOptions>>().Value, blob.Hash));
        await _host.Get<Database>().InTransactionAsync(async (connection, transaction) =>
        {
            await BlobStore.RegisterAsync(connection, transaction, blob);
            var inbox = await _host.Get<MailStore>().EnsureInboxAsync(connection, transaction, user.Id);
            await _host.Get<MailStore>().AppendAsync(connection, transaction, inbox, blob, DateTimeOffset.UtcNow);
        });
        blobs.Unpin(blob);
        await Pop3Mail.DeliverAsync(_host, "bob@example.com", "From: alice@example.org\r\nSubject: After\r\n\r\nStill here\r\n");
        var after = (await _host.Get<MailStore>().MessagesAsync("bob@example.com"))[^1].BlobHash;

        await Eventually.HoldsAsync(async () => await StateAsync(after) == (1, 1, "After"), "the message after the bad one is summarized and indexed");
        Assert.Equal(1, (await StateAsync(blob.Hash)).Summaries);
        Assert.Equal("", (await StateAsync(blob.Hash)).Subject);
    }

    private async Task<int> QueuedAsync()
    {
        await using var connection = await _host.Get<Database>().OpenAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM index_queue");
    }

    [Fact]
    public async Task The_queue_empties_as_bodies_are_indexed_and_copies_of_an_indexed_body_are_not_queued()
    {
        await Pop3Mail.DeliverAsync(_host, "bob@example.com", "From: alice@example.org\r\nSubject: Queued\r\n\r\nzebra crossing\r\n");
        await Eventually.HoldsAsync(async () => await QueuedAsync() == 0, "the indexer works the queue off");
        var store = _host.Get<MailStore>();
        var user = (await _host.Get<Appliance.Accounts.UserRepository>().FindAsync("bob@example.com"))!;
        await store.EnsureDefaultsAsync(user.Id);
        var inbox = (await store.FindMailboxAsync(user.Id, "INBOX"))!;
        var archive = (await store.FindMailboxAsync(user.Id, "Archive"))!;
        await store.CopyAsync(inbox.Id, [1], archive.Id, move: false, 0, user.Id);
        Assert.Equal(0, await QueuedAsync());
        // And a search in the copy's folder finds it by its body.
        var found = await _host.Get<MessageSummaries>().SearchAsync([archive.Id], new MessageQuery(Body: "zebra"), 10, null, CancellationToken.None);
        Assert.Single(found);
    }

    [Fact]
    public async Task A_search_does_not_wait_for_the_indexer_it_indexes_what_is_queued_for_its_folder()
    {
        // Stop the indexer so that only the search can index the new message.
        var indexer = _host.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Appliance.Jobs.MessageIndexer>().Single();
        await indexer.StopAsync(CancellationToken.None);
        await Pop3Mail.DeliverAsync(_host, "bob@example.com", "From: alice@example.org\r\nSubject: Fresh\r\n\r\nplatypus\r\n");
        Assert.Equal(1, await QueuedAsync());
        var user = (await _host.Get<Appliance.Accounts.UserRepository>().FindAsync("bob@example.com"))!;
        var inbox = (await _host.Get<MailStore>().FindMailboxAsync(user.Id, "INBOX"))!;
        var found = await _host.Get<MessageSummaries>().SearchAsync([inbox.Id], new MessageQuery(Body: "platypus"), 10, null, CancellationToken.None);
        Assert.Equal("Fresh", Assert.Single(found).Message.Summary.Subject);
    }
}
