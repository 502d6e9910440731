using Appliance.Storage;
using Appliance.Tests.Infrastructure;
using Dapper;

namespace Appliance.Tests.Storage;

public class GroupCommitTests
{
    private static async Task<long> CountAsync(Database database)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settings WHERE key LIKE 'gc.%'");
    }

    private static Func<Microsoft.Data.Sqlite.SqliteConnection, System.Data.Common.DbTransaction, Task> Insert(string key) =>
        (connection, transaction) => connection.ExecuteAsync("INSERT INTO settings(key, value) VALUES (@key, 'x')", new { key }, transaction);

    [Fact]
    public async Task Concurrent_work_is_committed_when_each_caller_returns()
    {
        await using var services = await TestServices.CreateAsync();
        var commits = services.Get<GroupCommit>();
        var database = services.Get<Database>();
        var observed = new long[100];
        await Parallel.ForEachAsync(Enumerable.Range(0, 100), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            await commits.RunAsync(Insert($"gc.{i}"));
            // Visible to a new connection as soon as the call returns: committed, not just queued.
            await using var connection = await database.OpenAsync();
            observed[i] = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM settings WHERE key = @key", new { key = $"gc.{i}" });
        });
        Assert.All(observed, n => Assert.Equal(1, n));
        Assert.Equal(100, await CountAsync(database));
    }

    [Fact]
    public async Task Failing_work_is_undone_alone_and_its_caller_gets_the_error()
    {
        await using var services = await TestServices.CreateAsync();
        var commits = services.Get<GroupCommit>();
        var tasks = new List<Task>();
        for (var i = 0; i < 30; i++)
        {
            var key = $"gc.{i}";
            tasks.Add(i % 3 == 1
                // Writes a row, then fails: the row must not survive.
                ? commits.RunAsync(async (connection, transaction) =>
                {
                    await Insert(key)(connection, transaction);
                    throw new InvalidOperationException("boom " + key);
                })
                : commits.RunAsync(Insert(key)));
        }
        for (var i = 0; i < 30; i++)
        {
            if (i % 3 == 1)
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => tasks[i]);
                Assert.Equal($"boom gc.{i}", error.Message);
            }
            else
            {
                await tasks[i];
            }
        }
        await using var connection = await services.Get<Database>().OpenAsync();
        var keys = (await connection.QueryAsync<string>("SELECT key FROM settings WHERE key LIKE 'gc.%'")).ToHashSet();
        Assert.Equal(20, keys.Count);
        Assert.DoesNotContain("gc.1", keys);
        Assert.Contains("gc.2", keys);
    }

    [Fact]
    public async Task A_work_that_breaks_a_constraint_does_not_take_the_others_down()
    {
        await using var services = await TestServices.CreateAsync();
        var commits = services.Get<GroupCommit>();
        await commits.RunAsync(Insert("gc.taken"));
        var duplicate = commits.RunAsync(Insert("gc.taken"));
        var fine = commits.RunAsync(Insert("gc.fine"));
        Assert.Equal(StorageErrorKind.Constraint, (await Assert.ThrowsAsync<StorageException>(() => duplicate)).Kind);
        await fine;
        Assert.Equal(2, await CountAsync(services.Get<Database>()));
    }
}
