using System.Text;
using Appliance.Filtering;
using Appliance.Filtering.Bayes;
using Appliance.Storage;
using Appliance.Tests.Accounts;
using Appliance.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Appliance.Tests.Filtering.Bayes;

public sealed class BayesClassifierTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static Task<TestServices> ServicesAsync(ManualClock? clock = null, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Appliance:Filtering:Bayes:MinSpam"] = "3",
            ["Appliance:Filtering:Bayes:MinHam"] = "3",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }
        return TestServices.CreateAsync(values, clock ?? new ManualClock(Start), configure: s => s.AddBayes());
    }

    private static MemoryStream Spam(int i) => Message($"Subject: WIN cash prize {i}\r\nFrom: promo{i}@win-big.example\r\n\r\nClaim your free casino bonus now, guaranteed winner {i}. http://track.win-big.example/c?{i}\r\n");

    private static MemoryStream Ham(int i) => Message($"Subject: meeting agenda {i}\r\nFrom: carol@example.com\r\n\r\nThe quarterly budget review moves to room {i}; please bring the draft report and your notes.\r\n");

    private static MemoryStream Message(string text) => new(Encoding.UTF8.GetBytes(text));

    private static async Task TrainAsync(BayesClassifier classifier, long user, int each)
    {
        for (var i = 0; i < each; i++)
        {
            await classifier.LearnAsync(user, "spam" + i, Spam(i), isSpam: true, CancellationToken.None);
            await classifier.LearnAsync(user, "ham" + i, Ham(i), isSpam: false, CancellationToken.None);
        }
    }

    private static async Task<(long Rows, long Spam, long Ham)> CountsAsync(TestServices services, long user)
    {
        await using var connection = await services.Get<Database>().OpenAsync();
        return await connection.QuerySingleAsync<(long, long, long)>(
            "SELECT count(*), COALESCE(sum(spam_count), 0), COALESCE(sum(ham_count), 0) FROM bayes_tokens WHERE user_id = @user", new { user });
    }

    [Fact]
    public async Task Learning_the_same_message_twice_counts_it_once()
    {
        await using var services = await ServicesAsync();
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();

        Assert.Equal(BayesLearnOutcome.Learned, await classifier.LearnAsync(user, "<a@x>", Spam(1), true, CancellationToken.None));
        var once = await CountsAsync(services, user);
        Assert.Equal(BayesLearnOutcome.AlreadyLearned, await classifier.LearnAsync(user, "<a@x>", Spam(1), true, CancellationToken.None));

        Assert.Equal(once, await CountsAsync(services, user));
        Assert.True(once.Rows > 10);
        Assert.Equal((once.Rows, 0L), (once.Spam, once.Ham));
        Assert.Equal(new BayesStats(1, 0, once.Rows, 1), await classifier.StatsAsync(user, CancellationToken.None));
    }

    [Fact]
    public async Task Learning_it_the_other_way_takes_back_the_first_counts()
    {
        await using var services = await ServicesAsync();
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();

        await classifier.LearnAsync(user, "<a@x>", Spam(1), true, CancellationToken.None);
        var asSpam = await CountsAsync(services, user);
        Assert.Equal(BayesLearnOutcome.Relearned, await classifier.LearnAsync(user, "<a@x>", Spam(1), false, CancellationToken.None));

        Assert.Equal((asSpam.Rows, 0L, asSpam.Rows), await CountsAsync(services, user));
        Assert.Equal(new BayesStats(0, 1, asSpam.Rows, 1), await classifier.StatsAsync(user, CancellationToken.None));
    }

    [Fact]
    public async Task Forgetting_takes_back_all_it_taught_and_only_once()
    {
        await using var services = await ServicesAsync();
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();
        await classifier.LearnAsync(user, "ham", Ham(1), false, CancellationToken.None);
        await classifier.LearnAsync(user, "spam", Spam(1), true, CancellationToken.None);
        var both = await CountsAsync(services, user);

        Assert.True(await classifier.ForgetAsync(user, "spam", CancellationToken.None));
        Assert.False(await classifier.ForgetAsync(user, "spam", CancellationToken.None));

        var left = await CountsAsync(services, user);
        Assert.Equal((0L, both.Ham), (left.Spam, left.Ham));
        Assert.Equal(left.Rows, left.Ham); // tokens of the spam alone are gone, not left at zero
        Assert.Equal(new BayesStats(0, 1, left.Rows, 1), await classifier.StatsAsync(user, CancellationToken.None));
    }

    [Fact]
    public async Task Too_little_training_adds_nothing_to_the_verdict()
    {
        await using var services = await ServicesAsync();
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();
        await TrainAsync(classifier, user, each: 2);

        var verdict = new Verdict();
        var result = await classifier.ClassifyAsync(user, Spam(9), verdict, CancellationToken.None);

        Assert.Equal(BayesStatus.Untrained, result.Status);
        Assert.Null(result.Probability);
        Assert.Empty(verdict.Symbols);
    }

    [Fact]
    public async Task Spam_and_ham_get_SpamAssassin_symbols_with_their_points()
    {
        await using var services = await ServicesAsync();
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();
        await TrainAsync(classifier, user, each: 3);

        var spam = new Verdict();
        var spamResult = await classifier.ClassifyAsync(user, Spam(42), spam, CancellationToken.None);
        var ham = new Verdict();
        var hamResult = await classifier.ClassifyAsync(user, Ham(42), ham, CancellationToken.None);

        Assert.Equal(BayesStatus.Scored, spamResult.Status);
        Assert.True(spamResult.Probability > 0.99, spam.ToString());
        Assert.Equal(("BAYES_99", 3.5, "bayes"), (spam.Symbols[0].Name, spam.Symbols[0].Points, spam.Symbols[0].Source));
        Assert.Contains("% likely to be spam", spam.Symbols[0].Reason, StringComparison.Ordinal);
        Assert.True(hamResult.Probability < 0.01, ham.ToString());
        Assert.Equal("BAYES_00=-1.9", ham.ToString());
    }

    [Fact]
    public async Task One_users_training_is_not_anothers()
    {
        await using var services = await ServicesAsync();
        var users = await BayesCorpus.UsersAsync(services, "alice", "bob");
        var classifier = services.Get<BayesClassifier>();
        await TrainAsync(classifier, users[0], each: 3);
        await classifier.LearnAsync(users[1], "spam0", Ham(0), isSpam: false, CancellationToken.None);

        var bobs = new Verdict();
        Assert.Equal(BayesStatus.Untrained, (await classifier.ClassifyAsync(users[1], Spam(7), bobs, CancellationToken.None)).Status);
        Assert.Empty(bobs.Symbols);
        Assert.Equal((0L, 1L), ((await classifier.StatsAsync(users[1], CancellationToken.None)).Spam, (await classifier.StatsAsync(users[1], CancellationToken.None)).Ham));
        // Bob's "spam0" is his own key: it did not turn Alice's spam0 into ham.
        Assert.Equal((3L, 3L), ((await classifier.StatsAsync(users[0], CancellationToken.None)).Spam, (await classifier.StatsAsync(users[0], CancellationToken.None)).Ham));
        Assert.Equal(BayesStatus.Scored, (await classifier.ClassifyAsync(users[0], Spam(7), new Verdict(), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_huge_message_is_read_only_up_to_the_limit()
    {
        await using var services = await ServicesAsync(settings: new() { ["Appliance:Filtering:Bayes:MaxMessageBytes"] = "65536" });
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();
        await using var huge = new EndlessMessage();

        await classifier.LearnAsync(user, "huge", huge, isSpam: true, CancellationToken.None);

        Assert.True(huge.Served <= 65536, $"read {huge.Served} bytes");
        var stats = await classifier.StatsAsync(user, CancellationToken.None);
        Assert.InRange(stats.Tokens, 100, services.Get<IOptions<BayesOptions>>().Value.MaxTokensPerMessage);
    }

    [Fact]
    public async Task Expiry_drops_the_least_recently_used_tokens_beyond_the_limit()
    {
        var clock = new ManualClock(Start);
        await using var services = await ServicesAsync(clock, new() { ["Appliance:Filtering:Bayes:MaxTokensPerUser"] = "1000", ["Appliance:Filtering:Bayes:MaxLearnedPerUser"] = "1" });
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();
        await classifier.LearnAsync(user, "old", Message("Subject: a\r\n\r\n" + string.Join(' ', Enumerable.Range(0, 800).Select(i => "old" + i))), true, CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(1));
        await classifier.LearnAsync(user, "new", Message("Subject: b\r\n\r\n" + string.Join(' ', Enumerable.Range(0, 800).Select(i => "new" + i))), false, CancellationToken.None);
        Assert.Equal(1600, (await classifier.StatsAsync(user, CancellationToken.None)).Tokens);

        Assert.Equal(1, await classifier.ExpireAllAsync(CancellationToken.None));

        var stats = await classifier.StatsAsync(user, CancellationToken.None);
        Assert.Equal((1000L, 1L), (stats.Tokens, stats.Learned));
        await using var connection = await services.Get<Database>().OpenAsync();
        // The 800 of the newer message all stay; 200 of the older one's are left.
        Assert.Equal(800, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bayes_tokens WHERE user_id = @user AND ham_count > 0", new { user }));
        Assert.Equal(200, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bayes_tokens WHERE user_id = @user AND spam_count > 0", new { user }));
        Assert.Equal("new", await connection.ExecuteScalarAsync<string>("SELECT message_key FROM bayes_learned WHERE user_id = @user", new { user }));
        Assert.Equal(0, await classifier.ExpireAllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Classifying_refreshes_the_access_time_of_stale_tokens()
    {
        var clock = new ManualClock(Start);
        await using var services = await ServicesAsync(clock);
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        var classifier = services.Get<BayesClassifier>();
        await TrainAsync(classifier, user, each: 3);
        clock.Advance(TimeSpan.FromDays(3));

        await classifier.ClassifyAsync(user, Spam(1), new Verdict(), CancellationToken.None);

        await using var connection = await services.Get<Database>().OpenAsync();
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bayes_tokens WHERE user_id = @user AND atime = @now", new { user, now = clock.GetUtcNow().ToUnixTimeSeconds() }) > 10);
    }

    [Fact]
    public async Task A_user_who_is_deleted_takes_the_training_along()
    {
        await using var services = await ServicesAsync();
        var user = (await BayesCorpus.UsersAsync(services, "alice"))[0];
        await TrainAsync(services.Get<BayesClassifier>(), user, each: 1);
        await using var connection = await services.Get<Database>().OpenAsync();
        await connection.ExecuteAsync("DELETE FROM users WHERE id = @user", new { user });

        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT (SELECT count(*) FROM bayes_tokens) + (SELECT count(*) FROM bayes_totals) + (SELECT count(*) FROM bayes_learned)"));
    }

    [Fact]
    public void A_wrong_setting_fails_at_start_with_its_name()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Appliance:Filtering:Bayes:MinSpam"] = "0" }).Build();
        using var provider = new ServiceCollection().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration).AddBayes().BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BayesOptions>>().Value);
        Assert.Contains("Appliance:Filtering:Bayes:MinSpam", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A message with no end: a header, then words for ever; counts what it served.</summary>
    private sealed class EndlessMessage : Stream
    {
        private static readonly byte[] Head = "Subject: big\r\nContent-Type: text/plain\r\n\r\n"u8.ToArray();
        public long Served { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Served; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var at = Served + i;
                buffer[offset + i] = at < Head.Length ? Head[at] : Word(at - Head.Length);
            }
            Served += count;
            return count;
        }

        // Seven-letter words, the n-th spelling n in base 26, each followed by a space, without end.
        private static byte Word(long at)
        {
            var letter = (int)(at % 8);
            if (letter == 7)
            {
                return (byte)' ';
            }
            var n = at / 8;
            for (var i = 0; i < letter; i++)
            {
                n /= 26;
            }
            return (byte)('a' + (n % 26));
        }
    }
}
