using Appliance.Mail;
using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Tests.Mail;

/// <summary>The durable vacation tracker: one reply per sender and handle per interval, forgotten after the longest interval.</summary>
public sealed class VacationRepliesTests
{
    private static async Task<(TestServices Services, VacationReplies Replies)> CreateAsync(FakeTimeProvider time)
    {
        var services = await TestServices.CreateAsync(time: time, configure: c =>
        {
            c.AddOptions<SieveDeliveryOptions>();
            c.AddSingleton<VacationReplies>();
        });
        return (services, services.Get<VacationReplies>());
    }

    [Fact]
    public async Task A_sender_is_answered_once_per_interval_per_handle_and_again_after_it()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
        var (services, replies) = await CreateAsync(time);
        await using var _ = services;
        var week = TimeSpan.FromDays(7);
        Assert.True(await replies.TryRecordReplyAsync("bob@example.com", "anna@remote.example", "h", week, default));
        Assert.False(await replies.TryRecordReplyAsync("bob@example.com", "ANNA@remote.example", "h", week, default));
        Assert.True(await replies.TryRecordReplyAsync("bob@example.com", "anna@remote.example", "other handle", week, default));
        Assert.True(await replies.TryRecordReplyAsync("carol@example.com", "anna@remote.example", "h", week, default));
        time.Advance(TimeSpan.FromDays(6));
        Assert.False(await replies.TryRecordReplyAsync("bob@example.com", "anna@remote.example", "h", week, default));
        time.Advance(TimeSpan.FromDays(1));
        Assert.True(await replies.TryRecordReplyAsync("bob@example.com", "anna@remote.example", "h", week, default));
        Assert.False(await replies.TryRecordReplyAsync("bob@example.com", "anna@remote.example", "h", week, default));
    }

    [Fact]
    public async Task Replies_older_than_the_longest_interval_are_deleted()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
        var (services, replies) = await CreateAsync(time);
        await using var _ = services;
        Assert.True(await replies.TryRecordReplyAsync("bob@example.com", "anna@remote.example", "h", TimeSpan.FromDays(7), default));
        time.Advance(TimeSpan.FromDays(31));
        Assert.True(await replies.TryRecordReplyAsync("bob@example.com", "dave@remote.example", "h", TimeSpan.FromDays(7), default));
        await using var connection = await services.Get<Database>().OpenAsync();
        Assert.Equal(["dave@remote.example"], await connection.QueryAsync<string>("SELECT sender FROM vacation_replies"));
    }
}
